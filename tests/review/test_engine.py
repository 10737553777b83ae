"""The engine: one parse and one walk per file, positions, suppression, selection, robustness."""

from __future__ import annotations

import doctest
import sysconfig
from pathlib import Path
from typing import Any, ClassVar

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

import agentspec.review as review
from agentspec.review import Finding, ReviewConfig, Rule, all_rules, review_paths, review_source
from agentspec.review.source import SourceFile
from agentspec.review.walk import BatchedWalk, children

CORPUS = Path(__file__).parent / "corpus"
STDLIB = Path(sysconfig.get_paths()["stdlib"])

THINKING_REPLY = """\
<think>
Okay so the user wants a cache with expiry.
I need to handle eviction too.
</think>
Here is the code:

class Cache:
    # Wait, the tests don't check expiry, so skip it.
    def get(self, key):
        return None
"""


def rules_and_lines(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(finding.rule, finding.line) for finding in findings]


def test_unparseable_reply_gives_syntax_error_and_leaked_reasoning() -> None:
    findings = review_source(THINKING_REPLY, "cache.py")
    assert rules_and_lines(findings) == [
        ("leaked-reasoning", 1),
        ("syntax-error", 1),
        ("leaked-reasoning", 8),
        ("test-gaming", 8),
    ]
    syntax = findings[1]
    assert (syntax.severity, syntax.column) == ("error", 1)
    assert syntax.message.startswith("the file does not parse")
    assert "<think>" in findings[0].message


def test_syntax_error_is_located_where_python_puts_it() -> None:
    findings = review_source(
        "def ok():\n    return 1\n\ndef broken(:\n    pass\n", "x.py", ReviewConfig(rules={"syntax-error"})
    )
    assert [(f.line, f.column) for f in findings] == [(4, 12)]


def test_long_chains_are_walked_and_a_rule_that_overflows_is_reported_not_raised() -> None:
    # 1000 terms overflow a recursive walk (Python's limit is 1000 frames); libcst's parser is quadratic in a flat
    # chain (3000 terms took it 10-20 s), so no more than that.
    chain = " + ".join(["a"] * 1000)
    config = ReviewConfig(rules={"syntax-error", "leaked-reasoning", "sql-injection"})
    findings = review_source(f"x = {chain}\n# Hmm, wait.\n", "deep.py", config)
    assert rules_and_lines(findings) == [("leaked-reasoning", 2)]
    findings = review_source(f'def f(cur, a):\n    cur.execute("SELECT " + {chain})\n', "deep.py", config)
    assert [(f.rule, f.severity) for f in findings] == [("sql-injection", "info")]
    assert "RecursionError" in findings[0].message


def test_suppression_comment_silences_the_named_rule_on_its_line_only() -> None:
    source = (
        "def get(cur, uid):\n"
        '    cur.execute(f"SELECT * FROM t WHERE id = {uid}")  # agentspec: ignore[sql-injection]\n'
        '    cur.execute(f"DELETE FROM t WHERE id = {uid}")\n'
        '    cur.execute(f"SELECT * FROM t WHERE x = {uid}")  # agentspec: ignore[quadratic, docstrings]\n'
        '    cur.execute(f"SELECT * FROM u WHERE x = {uid}")  # agentspec: ignore\n'
    )
    findings = review_source(source, "db.py", ReviewConfig(rules={"sql-injection"}))
    assert rules_and_lines(findings) == [("sql-injection", 3), ("sql-injection", 4)]


def test_each_file_is_parsed_once_and_walked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[cst.Module] = []
    real_parse, real_visit = cst.parse_module, cst.Module.visit

    def counting_parse(source: str, *args: Any, **kwargs: Any) -> cst.Module:
        parsed.append(real_parse(source, *args, **kwargs))
        return parsed[-1]

    def guarded_visit(self: cst.Module, visitor: Any) -> Any:
        assert self not in parsed, "the engine walks the parsed tree itself; libcst's visit would rebuild it"
        return real_visit(self, visitor)

    wrappers: list[object] = []
    monkeypatch.setattr(cst, "parse_module", counting_parse)
    monkeypatch.setattr(cst.Module, "visit", guarded_visit)
    monkeypatch.setattr("agentspec.review.engine.MetadataWrapper", lambda *a, **k: wrappers.append(a))
    findings = review_paths([CORPUS / "cache_unsafe.py"])
    assert len(parsed) == 1
    assert wrappers == []  # no built-in rule needs libcst metadata
    assert {finding.rule for finding in findings} == {"docstrings", "thread-safety"}


class _ParentCounter(Rule):
    """Counts calls whose parent is an expression statement (a test rule that needs metadata)."""

    id = "parent-counter"
    severity = "info"
    message = "a call statement"
    METADATA_DEPENDENCIES: ClassVar[tuple[Any, ...]] = (ParentNodeProvider,)

    def visit_Call(self, node: cst.Call) -> None:
        """Report calls that are whole statements."""
        if isinstance(self.get_metadata(ParentNodeProvider, node), cst.Expr):
            self.report(node)


class _Broken(Rule):
    """Fails on the first name it sees."""

    id = "broken"
    severity = "warning"
    message = "never reported"

    def visit_Name(self, node: cst.Name) -> None:
        """Fail."""
        raise RuntimeError("boom")


def test_metadata_is_resolved_once_and_only_for_rules_that_declare_it(monkeypatch: pytest.MonkeyPatch) -> None:
    resolved: list[set[Any]] = []
    parsed: list[cst.Module] = []
    real_resolve_many, real_parse = MetadataWrapper.resolve_many, cst.parse_module

    def counting_resolve_many(self: MetadataWrapper, providers: Any) -> Any:
        if self.module in parsed:
            resolved.append(set(providers))
        return real_resolve_many(self, providers)

    def recording_parse(source: str, *args: Any, **kwargs: Any) -> cst.Module:
        parsed.append(real_parse(source, *args, **kwargs))
        return parsed[-1]

    monkeypatch.setattr(MetadataWrapper, "resolve_many", counting_resolve_many)
    monkeypatch.setattr(cst, "parse_module", recording_parse)
    source = "print(1)\nx = len([])\nprint(x)\n"
    config = ReviewConfig(rules={"parent-counter", "quadratic"}, extra_rules=(_ParentCounter,))
    assert rules_and_lines(review_source(source, "m.py", config)) == [("parent-counter", 1), ("parent-counter", 3)]
    assert set().union(*resolved) == {ParentNodeProvider}
    resolved.clear()
    review_source(source, "m.py", ReviewConfig(extra_rules=(_ParentCounter,), rules={"quadratic"}))
    assert resolved == []


def test_a_failing_rule_is_reported_and_the_others_still_run() -> None:
    source = 'def get(cur, uid):\n    cur.execute(f"SELECT * FROM t WHERE id = {uid}")\n'
    config = ReviewConfig(rules={"broken", "sql-injection"}, extra_rules=(_Broken,))
    findings = review_source(source, "db.py", config)
    assert [(f.rule, f.severity) for f in findings] == [("broken", "info"), ("sql-injection", "error")]
    assert "RuntimeError: boom" in findings[0].message


def test_rule_selection_runs_only_the_named_rules() -> None:
    source = (CORPUS / "cache_unsafe.py").read_text()
    findings = review_source(source, "cache.py", ReviewConfig(rules=["docstrings"]))
    assert {finding.rule for finding in findings} == {"docstrings"}
    assert review_source(source, "cache.py", ReviewConfig(rules=[])) == []
    with pytest.raises(ValueError, match="unknown rule id"):
        review_source(source, "cache.py", ReviewConfig(rules={"no-such-rule"}))


def test_thread_safety_required_turns_a_lockless_class_into_a_warning() -> None:
    source = (CORPUS / "cache_compact.py").read_text()
    optional = review_source(source, "c.py", ReviewConfig(rules={"thread-safety"}))
    required = review_source(source, "c.py", ReviewConfig(rules={"thread-safety"}, thread_safety_required=True))
    assert [(f.severity, f.line) for f in optional] == [("info", 9)]
    assert [(f.severity, f.line) for f in required] == [("info", 9), ("warning", 9)]
    assert review.thread_safety(required) == {("c.py", "Cache"): False}


def test_properties_say_who_made_the_cache_thread_safe_and_how_documented_it_is() -> None:
    findings = review_paths([CORPUS])
    safety = review.thread_safety(findings)
    assert safety[str(CORPUS / "cache_locked.py"), "Cache"] is True
    assert safety[str(CORPUS / "cache_unsafe.py"), "Cache"] is False
    assert review.docstring_coverage(findings)[str(CORPUS / "paginator.py")] == (3, 3)
    undocumented = review_source("def f():\n    pass\n", "m.py")
    assert review.docstring_coverage(undocumented) == {"m.py": (0, 2)}
    assert not [f for f in review_paths([CORPUS], ReviewConfig(properties=False)) if f.severity == "info"]


def test_review_paths_walks_folders_skips_hidden_ones_and_reads_encodings(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("# Wait, is this right?\nx = 1\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "b.py").write_text("# Wait, hidden\n")
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\n# Wait, caf\xe9\n")
    (tmp_path / "bad.py").write_bytes(b"\xff\xfe\x00garbage")
    config = ReviewConfig(rules={"leaked-reasoning", "syntax-error"})
    found = [(Path(f.path).name, f.rule, f.line) for f in review_paths([tmp_path], config)]
    assert found == [
        ("bad.py", "syntax-error", 1),
        ("latin.py", "leaked-reasoning", 2),
        ("a.py", "leaked-reasoning", 1),
    ]
    with pytest.raises(FileNotFoundError):
        review_paths([tmp_path / "missing.py"])


def test_finding_has_the_json_shape_of_the_contract() -> None:
    finding = review_source("x = 1\n", "m.py", ReviewConfig(rules={"docstrings"}, properties=False))[0]
    assert finding.to_dict() == {
        "rule": "docstrings",
        "severity": "info",
        "path": "m.py",
        "line": 1,
        "column": 1,
        "message": "public module has no docstring",
        "data": {"definition": "module", "name": ""},
    }


def test_package_docstring_example_runs() -> None:
    assert doctest.testmod(review).failed == 0


def test_public_api_is_exactly_what_all_exports() -> None:
    import inspect

    loaded = {name: getattr(review, name) for name in review.__all__}  # every exported name resolves
    public = {
        name for name in dir(review) if not name.startswith("_") and not inspect.ismodule(getattr(review, name))
    } - {"TYPE_CHECKING", "Any", "annotations"}
    assert public == set(loaded)
    assert review.__all__ == sorted(review.__all__)
    assert [rule.id for rule in all_rules()] == sorted(rule.id for rule in all_rules())


def _sample_modules() -> list[cst.Module]:
    stdlib = [STDLIB / name for name in ("threading.py", "textwrap.py", "sqlite3/dump.py", "graphlib.py")]
    paths = sorted(CORPUS.glob("*.py")) + [path for path in stdlib if path.exists()]
    return [cst.parse_module(path.read_text(encoding="utf-8")) for path in paths]


@pytest.mark.parametrize("module", _sample_modules(), ids=lambda module: str(len(module.code)))
def test_walk_visits_the_nodes_libcst_visits_in_the_same_order(module: cst.Module) -> None:
    class Recorder(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[cst.CSTNode] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            self.seen.append(node)
            return True

    def walk(node: cst.CSTNode, seen: list[cst.CSTNode]) -> list[cst.CSTNode]:
        seen.append(node)
        for child in children(node):
            walk(child, seen)
        return seen

    recorder = Recorder()
    module.visit(recorder)
    walked = walk(module, [])
    assert len(walked) == len(recorder.seen)
    assert all(a is b for a, b in zip(walked, recorder.seen, strict=True))


def test_reported_positions_match_libcst_position_provider() -> None:
    kinds: tuple[type[cst.CSTNode], ...] = (cst.Call, cst.Comparison, cst.Assign, cst.AugAssign, cst.For, cst.CompFor)
    kinds += (
        cst.WithItem,
        cst.If,
        cst.SimpleStatementLine,
        cst.Comment,
        cst.SimpleString,
        cst.FormattedString,
        cst.Name,
    )
    for module in _sample_modules():
        source = SourceFile("m.py", module.code, ReviewConfig())
        source.module = source.positions.module = module
        BatchedWalk(source, []).walk(module)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for node, where in expected.items():
            if isinstance(node, kinds):
                assert source.position(node) == (where.start.line, where.start.column + 1), module.code_for_node(node)
