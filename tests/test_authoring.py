from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from agentspec.errors import UsageError
from agentspec.review.registry import rule_ids
from agentspec.runner.workspace import reference_files, starter_files
from agentspec.spec.authoring import (
    SCHEMA_LINE,
    ImportedSpec,
    _dump,
    import_folder,
    is_test_path,
    new_spec_text,
    write_new_spec,
    write_spec,
)
from agentspec.spec.load import load_spec, try_load_spec
from agentspec.spec.materialise import write_files
from agentspec.spec.model import KNOWN_KINDS, Spec

DOCS = Path(__file__).parent.parent / "docs" / "spec-format.md"

# Content that has broken TOML writers: quotes, escapes, line endings, whitespace, control characters.
HARD_CONTENT = {
    "triple-double-quotes": 'def f():\n    """Doc."""\n    return """a""" + "\\"\n',
    "triple-single-quotes": "s = '''x'''\nt = ''''\n",
    "quotes-at-end": 'x = ""\n"""',
    "backslashes": 'path = "C:\\\\dir\\\\"\npattern = r"\\d+\\s*\\\\"\n',
    "backslash-at-line-end": "x = 1 + \\\n    2\n",
    "backslash-at-end": "ends with a backslash \\",
    "escape-lookalikes": "\\n \\t \\u0041 \\U0001F600 \\x00 \\\\\n",
    "trailing-whitespace": "x = 1   \n\t\n  \n",
    "tabs": "\tdef f():\n\t\treturn 1\t# tab\n",
    "non-ascii": "naïve = 'café ☕ 日本語 \U0001f600'\n\u2028\u2029\u0085\n",
    "byte-order-mark": "\ufeffprint('bom')\n",
    "crlf": "a = 1\r\nb = 2\r\n",
    "crlf-without-final-newline": "a = 1\r\nb = 2",
    "lone-cr": "a = 1\rb = 2\r",
    "mixed-endings": "a\r\nb\nc\rd\r\r\n\n",
    "cr-before-quotes": 'x\r"""\r\n',
    "empty": "",
    "only-newline": "\n",
    "leading-newlines": "\n\nx = 1\n",
    "no-final-newline": "x = 1",
    "control-characters": "nul \x00 bell \x07 esc \x1b del \x7f ff \x0c\n",
}


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def read_tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def import_and_load(tmp: Path, imported: ImportedSpec) -> Spec:
    spec_path = write_spec(imported.text, tmp / "specs" / f"{tomllib.loads(imported.text)['id']}.toml")
    spec, problems = try_load_spec(spec_path)
    assert not problems, [str(p) for p in problems]
    assert spec is not None
    return spec


def materialise(spec: Spec, root: Path) -> dict[str, bytes]:
    write_files(root, spec.files)
    write_files(root, spec.tests)
    return read_tree_bytes(root)


# One interpreter runs pytest in each folder in turn (a process each costs ~0.5 s), isolated
# and with the options grading uses.
PYTEST_EACH = """
import json, os, sys, pytest
codes = []
for folder in sys.argv[1:]:
    os.chdir(folder)
    options = ["-q", "-p", "no:cacheprovider", "-o", "pythonpath=.", "--rootdir=.", folder]
    codes.append(int(pytest.main(options)))
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(folder):
            del sys.modules[name]
print(json.dumps(codes))
"""


def pytest_runs(folders: list[Path]) -> list[int]:
    """Run pytest in each folder; return the exit codes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # third-party plugins would triple the time
    command = [sys.executable, "-I", "-c", PYTEST_EACH, *(str(f.resolve()) + os.sep for f in folders)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    codes: list[int] = json.loads(done.stdout.splitlines()[-1])
    return codes


def assert_healthy(specs: dict[str, Spec], tmp: Path) -> None:
    """Each spec's tests fail on the starter and pass on the reference solution."""
    folders = []
    for name, spec in specs.items():
        starter, reference = tmp / name / "starter", tmp / name / "reference"
        write_files(starter, [*spec.files, *spec.tests])
        write_files(reference, [*reference_files(spec), *spec.tests])
        folders += [starter, reference]
    codes = pytest_runs(folders)
    verdicts = {name: (codes[2 * i], codes[2 * i + 1]) for i, name in enumerate(specs)}
    assert verdicts == {name: (1, 0) for name in specs}


# --- new_spec_text -----------------------------------------------------------------------------

ALL_KINDS = [*KNOWN_KINDS, "migration"]


def load_text(tmp: Path, spec_id: str, text: str) -> Spec:
    path = tmp / "specs" / f"{spec_id}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    spec, problems = try_load_spec(path)
    assert not problems, [str(p) for p in problems]
    assert spec is not None
    return spec


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_new_spec_validates_as_is(tmp_path: Path, kind: str) -> None:
    text = new_spec_text("my-task.v2", kind)
    assert text.splitlines()[0] == SCHEMA_LINE
    spec = load_text(tmp_path, "my-task.v2", text)
    assert (spec.id, spec.kind, spec.title) == ("my-task.v2", kind, "My task v2")
    assert spec.files and spec.tests and spec.solution


def test_new_spec_placeholder_tasks_are_healthy(tmp_path: Path) -> None:
    specs = {kind: load_text(tmp_path, kind, new_spec_text(kind, kind)) for kind in ALL_KINDS}
    assert_healthy(specs, tmp_path / "runs")


def test_new_spec_review_settings_follow_the_kind(tmp_path: Path) -> None:
    def review(kind: str) -> tuple[list[str] | None, int]:
        spec = load_text(tmp_path, kind, new_spec_text(kind, kind))
        return spec.review.rules, len(spec.review.scaling)

    assert "sql-injection" in (review("security-fix")[0] or [])
    assert review("optimize")[1] == 1 and "quadratic" in (review("optimize")[0] or [])
    assert "test-gaming" in (review("bug-fix")[0] or [])
    assert review("migration") == (None, 0)


def test_new_spec_scaling_function_runs_on_the_reference(tmp_path: Path) -> None:
    spec = load_text(tmp_path, "opt", new_spec_text("opt", "optimize"))
    write_files(tmp_path / "ref", reference_files(spec))
    scaling = spec.review.scaling[0]
    module, function = scaling.function.split(":")
    code = f"from {module} import {function} as f; n = 50; print(len(f(*{scaling.setup})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "ref", capture_output=True, text=True)
    assert out.stdout.strip() == "50", out.stderr


def test_new_spec_comments_every_section(tmp_path: Path) -> None:
    text = new_spec_text("x")
    for header in (
        "[[files]]",
        "[[tests]]",
        "[[solution]]",
        "[grading]",
        "[limits]",
        "[review]",
        "# [metadata]",
    ):
        line = text.index(header)
        assert text[:line].rstrip("\n").splitlines()[-1].startswith("#"), header


@pytest.mark.parametrize("bad", ["", "Fix", "-x", ".x", "a b", "a/b", "café", "x" * 81, "a\n"])
def test_new_spec_rejects_bad_ids(bad: str) -> None:
    with pytest.raises(UsageError, match="invalid spec id"):
        new_spec_text(bad)


@pytest.mark.parametrize("good", ["a", "0", "x.y_z-1", "x" * 80])
def test_new_spec_accepts_ids_the_model_accepts(tmp_path: Path, good: str) -> None:
    assert load_text(tmp_path, good, new_spec_text(good)).id == good


def test_new_spec_rejects_empty_kind() -> None:
    with pytest.raises(UsageError, match="kind"):
        new_spec_text("x", " ")


def test_odd_kind_is_written_as_a_valid_toml_string(tmp_path: Path) -> None:
    kind = 'my "kind" \\ ok'
    assert load_text(tmp_path, "x", new_spec_text("x", kind)).kind == kind


def test_write_new_spec_refuses_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    path = write_new_spec("fix-it", "tdd", folder)
    assert path == folder / "fix-it.toml"
    assert load_spec(path).kind == "tdd"
    path.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(str(path))):
        write_new_spec("fix-it", "bug-fix", folder)
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_write_spec_keeps_bytes_and_can_overwrite_on_request(tmp_path: Path) -> None:
    path = write_spec("a\r\nb", tmp_path / "deep" / "x.toml")
    assert path.read_bytes() == b"a\r\nb"
    with pytest.raises(UsageError, match="already exists"):
        write_spec("c", path)
    write_spec("c", path, overwrite=True)
    assert path.read_bytes() == b"c"


# --- import_folder: round trip ----------------------------------------------------------------


def test_dump_falls_back_to_one_line_only_where_multiline_breaks() -> None:
    assert _dump({"content": "a\r\nb"}) == 'content = "a\\r\\nb"\n'
    assert _dump({"content": "a\rb\n"}).startswith('content = """\n')
    for text in HARD_CONTENT.values():
        assert tomllib.loads(_dump({"content": text}))["content"] == text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")) | st.text(alphabet="\r\n\\\"' \tx\x00é", max_size=30))
def test_dump_round_trips_any_text(text: str) -> None:
    assert tomllib.loads(_dump({"content": text}))["content"] == text


@pytest.mark.parametrize("name", sorted(HARD_CONTENT))
def test_import_keeps_hard_content_byte_for_byte(tmp_path: Path, name: str) -> None:
    text = HARD_CONTENT[name]
    original = {"mod.py": text, "test_mod.py": text, "tests/data.txt": text, "sub/dir/other.txt": text + "x"}
    write_tree(tmp_path / "src", original)
    imported = import_folder(tmp_path / "src", "hard")
    assert imported.skipped == ()
    spec = import_and_load(tmp_path, imported)
    assert materialise(spec, tmp_path / "out") == {k: v.encode() for k, v in original.items()}


def test_import_text_is_readable(tmp_path: Path) -> None:
    write_tree(tmp_path / "src", {"mod.py": "def f():\n    return 1\n", "test_mod.py": "x\r\ny\r\n"})
    text = import_folder(tmp_path / "src", "readable").text
    assert text.splitlines()[0] == SCHEMA_LINE
    assert 'content = """\ndef f():\n    return 1\n"""' in text
    assert 'content = "x\\r\\ny\\r\\n"' in text
    assert re.search(r"^\[\[files\]\]$", text, re.M) and re.search(r"^\[\[tests\]\]$", text, re.M)


SAFE_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,5}\.(py|txt|cfg)", fullmatch=True)
DIRS = st.sampled_from(["", "pkg/", "pkg/sub/", "tests/", "src/tests/"])
PATHS = st.builds(lambda d, n: d + n, DIRS, SAFE_NAME)
HARD_TEXT = st.lists(
    st.sampled_from(["\r\n", "\r", "\n", '"""', "'''", "\\", "\t", "  ", "é", "\x00", "\ufeff", '"', "'", "x"])
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
    max_size=12,
).map("".join)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    starter=st.dictionaries(PATHS, HARD_TEXT, max_size=6),
    test_text=HARD_TEXT,
    overlay=st.dictionaries(PATHS, HARD_TEXT, max_size=4),
    keep=st.lists(st.booleans(), max_size=6),
)
def test_import_then_materialise_gives_identical_bytes(
    starter: dict[str, str], test_text: str, overlay: dict[str, str], keep: list[bool]
) -> None:
    starter = {**starter, "test_zz.py": test_text}
    # Some solution files repeat the starter unchanged; those must not be listed.
    same = [p for p, k in zip(sorted(starter), keep, strict=False) if k and not is_test_path(p)]
    solution = {**{p: starter[p] for p in same}, **{p: t for p, t in overlay.items() if not is_test_path(p)}}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        write_tree(tmp / "starter", starter)
        (tmp / "solution").mkdir()
        write_tree(tmp / "solution", solution)
        imported = import_folder(tmp / "starter", "prop", solution=tmp / "solution")
        assert imported.skipped == ()
        spec = import_and_load(tmp, imported)
        assert materialise(spec, tmp / "out") == {k: v.encode() for k, v in starter.items()}
        expected = {p: t for p, t in {**starter, **solution}.items() if not is_test_path(p)}
        assert {f.path: f.text for f in reference_files(spec)} == expected
        assert {f.path for f in spec.solution} == {p for p, t in solution.items() if starter.get(p) != t}


# --- import_folder: what goes where -----------------------------------------------------------


def test_import_sorts_tests_from_starter_files(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": "",
            "pkg/testing_utils.py": "",
            "pkg/contest.py": "",
            "test_app.py": "",
            "app_test.py": "",
            "conftest.py": "",
            "pkg/conftest.py": "",
            "tests/data.json": "{}",
            "tests/unit/helpers.py": "",
            "test_notes.txt": "",
        },
    )
    spec = import_and_load(tmp_path, import_folder(tmp_path, "sorting"))
    assert [t.path for t in spec.tests] == [
        "app_test.py",
        "conftest.py",
        "pkg/conftest.py",
        "test_app.py",
        "tests/data.json",
        "tests/unit/helpers.py",
    ]
    assert [f.path for f in spec.files] == [
        "app.py",
        "pkg/contest.py",
        "pkg/testing_utils.py",
        "test_notes.txt",
    ]
    assert not any(t.hidden for t in spec.tests)


def test_import_skips_noise_silently_and_reports_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_tree(
        src,
        {
            "app.py": "x = 1\n",
            "test_app.py": "def test(): pass\n",
            "__pycache__/app.cpython-311.pyc": "",
            "pkg/__pycache__/m.pyc": "",
            "stale.pyc": "",
            ".git/config": "",
            ".pytest_cache/v": "",
            ".env": "SECRET=1\n",
            ".github/workflows/ci.yml": "",
            "venv/pyvenv.cfg": "",
            "venv/lib/x.py": "",
        },
    )
    (src / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\x00")
    (src / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (src / "link.py").symlink_to(src / "app.py")
    (src / "back\\slash.py").write_text("", encoding="utf-8")
    imported = import_folder(src, "noisy")
    reasons = {entry.path.relative_to(src).as_posix(): entry.reason for entry in imported.skipped}
    assert set(reasons) == {".env", ".github", "venv", "logo.png", "latin1.txt", "link.py", "back\\slash.py"}
    assert reasons[".env"] == "hidden file"
    assert reasons["logo.png"].startswith("not UTF-8")
    assert "forward slashes" in reasons["back\\slash.py"]
    spec = import_and_load(tmp_path, imported)
    assert [f.path for f in spec.files] == ["app.py"]
    for entry in imported.skipped:
        assert f"# Not imported: {entry}" in imported.text


def test_import_header_comments_survive_odd_names(tmp_path: Path) -> None:
    src = tmp_path / "odd\nname"
    write_tree(src, {"test_a.py": "", ".hidden\nfile": "", "x\r\n.py": "a\r\n"})
    (src / os.fsdecode(b"\xff.bin")).write_bytes(b"")
    imported = import_folder(src, "odd", title="T", kind="tdd", instructions="Do it.\r\n")
    spec = import_and_load(tmp_path, imported)
    assert {f.path for f in spec.files} == {"x\r\n.py"}
    assert spec.instructions == "Do it.\r\n"
    assert len(imported.skipped) == 2
    assert "Placeholders" not in imported.text


def test_import_solution_lists_only_changed_and_new_files(tmp_path: Path) -> None:
    write_tree(tmp_path / "starter", {"a.py": "a = 1\n", "b.py": "b = 1\n", "test_a.py": "t\n"})
    write_tree(
        tmp_path / "solution",
        {"a.py": "a = 1\n", "b.py": "b = 2\n", "c.py": "c\n", "test_a.py": "t\n", "tests/extra.py": "z\n"},
    )
    imported = import_folder(tmp_path / "starter", "overlay", solution=tmp_path / "solution")
    spec = import_and_load(tmp_path, imported)
    assert [(s.path, s.text) for s in spec.solution] == [("b.py", "b = 2\n"), ("c.py", "c\n")]
    assert [(e.path, "test file" in e.reason) for e in imported.skipped] == [
        (tmp_path / "solution" / "tests" / "extra.py", True)
    ]


def test_import_leaves_out_a_solution_folder_kept_inside_the_task(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": "a = 1\n", "test_a.py": "", "solution/a.py": "a = 2\n"})
    imported = import_folder(tmp_path, "nested", solution=tmp_path / "solution")
    spec = import_and_load(tmp_path, imported)
    assert [f.path for f in spec.files] == ["a.py"]
    assert [(f.path, f.text) for f in spec.solution] == [("a.py", "a = 2\n")]


ODD_NAMES = [
    "my file.py",
    'quote"s.py',
    "hash#[x]=y.py",
    "日本.py",
    "tests/ünï cödé.py",
    " lead.py",
    "x\ty.py",
]


def test_import_keeps_odd_but_valid_file_names(tmp_path: Path) -> None:
    files = {name: f"# {name}\n" for name in ODD_NAMES} | {"test_a.py": ""}
    write_tree(tmp_path / "src", files)
    spec = import_and_load(tmp_path, import_folder(tmp_path / "src", "names"))
    assert materialise(spec, tmp_path / "out") == {k: v.encode() for k, v in files.items()}


def test_import_uses_given_title_kind_and_instructions(tmp_path: Path) -> None:
    write_tree(tmp_path / "src", {"test_x.py": ""})
    spec = import_and_load(
        tmp_path, import_folder(tmp_path / "src", "given", title="A title", kind="tdd", instructions="Go.")
    )
    assert (spec.title, spec.kind, spec.instructions) == ("A title", "tdd", "Go.")
    defaults = import_and_load(tmp_path, import_folder(tmp_path / "src", "fix-the-thing"))
    assert (defaults.title, defaults.kind) == ("Fix the thing", "bug-fix")


def test_imported_task_with_a_solution_is_healthy(tmp_path: Path) -> None:
    starter = {"calc.py": "def add(a, b):\r\n    return a - b\r\n", "tests/test_calc.py": TEST_CALC}
    write_tree(tmp_path / "starter", starter)
    write_tree(tmp_path / "solution", {"calc.py": "def add(a, b):\r\n    return a + b\r\n"})
    spec = import_and_load(tmp_path, import_folder(tmp_path / "starter", "calc", solution=tmp_path / "solution"))
    assert_healthy({"calc": spec}, tmp_path / "runs")


TEST_CALC = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def test_import_errors_are_usage_errors(tmp_path: Path) -> None:
    write_tree(tmp_path / "src", {"app.py": ""})
    with pytest.raises(UsageError, match="no test files found"):
        import_folder(tmp_path / "src", "x")
    with pytest.raises(UsageError, match="no such folder"):
        import_folder(tmp_path / "missing", "x")
    with pytest.raises(UsageError, match="invalid spec id"):
        import_folder(tmp_path / "src", "Bad Id")
    write_tree(tmp_path / "src", {"test_app.py": ""})
    with pytest.raises(UsageError, match="no such folder"):
        import_folder(tmp_path / "src", "x", solution=tmp_path / "nope")


# --- docs/spec-format.md ----------------------------------------------------------------------


def model_fields(model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """Every key of the format as its dotted path, with its description."""
    nested = {"files": "File", "tests": "TestFile", "solution": "File", "grading": "Grading"}
    nested |= {"limits": "Limits", "review": "Review", "scaling": "Scaling"}
    found: dict[str, str] = {}
    for name, field in model.model_fields.items():
        found[prefix + name] = field.description or ""
        annotation = field.annotation
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)]
        for candidate in inner:
            if issubclass(candidate, BaseModel) and name in nested:
                found |= model_fields(candidate, f"{prefix}{name}.")
    return found


def docs_text() -> str:
    return " ".join(DOCS.read_text(encoding="utf-8").split())


def test_docs_describe_every_key_in_the_models_words() -> None:
    docs = docs_text()
    fields = model_fields(Spec)
    assert {"files.path", "tests.hidden", "review.scaling.max_class", "grading.command"} <= set(fields)
    for path, description in fields.items():
        key = path.rsplit(".", 1)[-1]
        assert f"`{key}`" in docs, path
        assert " ".join(description.split()) in docs, path


def test_docs_name_every_rule_and_kind() -> None:
    docs = docs_text()
    for word in (*rule_ids(), *KNOWN_KINDS):
        assert f"`{word}`" in docs, word


def test_docs_complete_example_is_valid_and_healthy(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- complete-example -->\s*```toml\n(.*?)```", text, re.S)
    assert match, "docs/spec-format.md lost its complete example"
    spec = load_text(tmp_path, "example", match.group(1))
    assert any(t.hidden for t in spec.tests) and spec.metadata and spec.review.scaling
    visible = {f.path for f in starter_files(spec)}
    assert visible < {f.path for f in [*spec.files, *spec.tests]}
    assert_healthy({"example": spec}, tmp_path / "runs")


def test_docs_toml_snippets_parse() -> None:
    for block in re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S):
        tomllib.loads(block)
