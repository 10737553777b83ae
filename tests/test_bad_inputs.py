"""A folder of malformed specs and configs, one per mistake: each gets one located, plain-words message.

Every case writes one bad file; `agentspec validate` (or `run`, for configs) must exit 1 with exactly one
`file:line:col` message that says what to fix, and never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentspec.cli.main import main
from tests.test_validate import GOOD

STARTER = 'content = "def f():\\n    return 1\\n"'
SOLUTION_HEADER = "[[solution]]"


def _scaling(extra: str) -> Callable[[str], str]:
    table = f'[[review.scaling]]\nfunction = "demo:f"\nsetup = "(n,)"\n{extra}\n\n'
    return lambda text: text.replace(SOLUTION_HEADER, table + SOLUTION_HEADER)


@dataclass(frozen=True)
class Case:
    """One bad spec: how to break GOOD, where the message must point, and what it must say."""

    name: str
    edit: Callable[[str], str]
    marker: str  # the text at the reported line and column
    field: str
    message: str  # the message, or the start of it when it ends with "..."
    setup: Callable[[Path], None] | None = None


def _append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


def _replace(old: str, new: str, before: Callable[[str], str] = str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        text = before(text)
        assert old in text
        return text.replace(old, new, 1)

    return edit


SETUP_TOO_LONG = "+".join(["n"] * 5000)

CASES = [
    # Tracebacks before.
    Case(
        "deep-arrays",
        _append("\n[metadata]\ndeep = " + "[" * 5000 + "]" * 5000 + "\n"),
        "deep = " + "[" * 64,
        "",
        "arrays, inline tables or dotted keys nested more than 64 deep; flatten them",
    ),
    Case(
        "deep-inline-tables",
        _append("\n[metadata]\ndeep = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"),
        "deep = " + "{a = " * 64,
        "",
        "arrays, inline tables or dotted keys nested more than 64 deep...",
    ),
    Case(
        "dotted-key-of-thousands-of-parts",
        _append("\n[metadata]\n" + ".".join(["a"] * 3000) + " = 1\n"),
        "a.a.a",
        "",
        "arrays, inline tables or dotted keys nested more than 64 deep...",
    ),
    Case(
        "setup-of-thousands-of-terms",
        _replace('setup = "(n,)"', f'setup = "{SETUP_TOO_LONG}"', _scaling("")),
        "setup = ",
        "review.scaling[0].setup",
        "is too long: at most 2000 characters",
    ),
    Case(
        "source-symlink-loop",
        _replace(STARTER, 'source = "loop.py"'),
        'source = "loop.py"',
        "files[0].source",
        "'loop.py' is a symlink loop",
        setup=lambda folder: os.symlink("loop.py", folder / "loop.py"),
    ),
    Case(
        "source-name-too-long",
        _replace(STARTER, f'source = "{"a" * 300}.py"'),
        "source = ",
        "files[0].source",
        "a name in the path is longer than 255 bytes...",
    ),
    Case("path-dot", _replace('path = "demo.py"', 'path = "."'), 'path = "."', "files[0].path", "'.' names no file..."),
    Case(
        "path-nul-byte",
        _replace('path = "demo.py"', 'path = "de\\u0000mo.py"'),
        'path = "de',
        "files[0].path",
        "'de\\x00mo.py' contains a NUL byte",
    ),
    # Accepted before although the schema says otherwise.
    Case(
        "turns-as-string",
        _append('\n[limits]\nturns = "50"\n'),
        "turns",
        "limits.turns",
        "expected a whole number, got the string '50'; write it without quotes",
    ),
    Case(
        "hidden-as-string",
        _replace('path = "test_demo.py"', 'path = "test_demo.py"\nhidden = "yes"'),
        "hidden",
        "tests[0].hidden",
        "expected true or false, got the string 'yes'",
    ),
    Case(
        "tokens-as-float",
        _append("\n[limits]\ntokens = 1.5e5\n"),
        "tokens",
        "limits.tokens",
        "expected a whole number, got the number 150000.0; write 150000",
    ),
    Case(
        "sizes-with-a-string",
        _scaling('sizes = [1000, "2000", 4000]'),
        '"2000"',
        "review.scaling[0].sizes[1]",
        "expected a whole number, got the string '2000'; write it without quotes",
    ),
    Case("empty-kind", _replace('kind = "bug-fix"', 'kind = ""'), "kind", "kind", "must not be empty"),
    Case(
        "integer-beyond-64-bits",
        _append("\n[limits]\nturns = 99999999999999999999999\n"),
        "turns",
        "limits.turns",
        "must be at most 9223372036854775807 (got the number 99999999999999999999999)",
    ),
    # Located at 1:1 before.
    Case(
        "header-prefix-of-the-field",
        lambda text: text.replace("[[tests]]", "[[test]]"),
        "[[test]]",
        "test",
        "unknown key 'test'; did you mean 'tests'?",
    ),
    Case(
        "pasted-tool-table",
        _append('\n[tool.agentspec]\nresults = "out"\n'),
        "[tool.agentspec]",
        "tool",
        "unknown key 'tool'; allowed keys here: ...",
    ),
    Case(
        "nested-metadata-table",
        _append('\n[metadata.extra]\nauthor = "ada"\n'),
        "[metadata.extra]",
        "metadata.extra",
        "expected a string, number, boolean or list of strings, got a table",
    ),
    Case(
        "unclosed-multiline-literal",
        _append("\n[metadata]\nnote = '''never closed\n\nmore text\n"),
        "'''never",
        "",
        "a string opens here and never closes; add the closing quotes",
    ),
    # Library wording before.
    Case(
        "metadata-date",
        _append("\n[metadata]\ncreated = 2024-01-01\n"),
        "created",
        "metadata.created",
        "expected a string, number, boolean or list of strings, got the date/time 2024-01-01",
    ),
    Case(
        "windows-path-in-double-quotes",
        _append('\n[metadata]\nfolder = "C:\\Users\\ada"\n'),
        "\\Users",
        "",
        "a backslash in a double-quoted string starts an escape; for Windows paths use single quotes...",
    ),
    Case(
        "source-is-a-folder",
        _replace(STARTER, 'source = "starter"'),
        'source = "starter"',
        "files[0].source",
        "'starter' is a folder; name a file...",
        setup=lambda folder: (folder / "starter").mkdir(),
    ),
    Case(
        "empty-command",
        _append('\n[grading]\ncommand = ""\n'),
        "command",
        "grading.command",
        "must not be empty: give the test command, e.g. 'python -m pytest'",
    ),
    Case(
        "id-breaking-the-rule",
        _replace('id = "demo"', 'id = "Demo Task"'),
        "id = ",
        "id",
        "use lowercase letters, digits, '.', '_' and '-', starting with a letter or a digit "
        "(got the string 'Demo Task')",
    ),
    Case(
        "unquoted-string",
        _replace('kind = "bug-fix"', "kind = bug-fix"),
        "bug-fix",
        "",
        "the value of 'kind' is not valid TOML; text needs quotes: kind = \"bug-fix\"",
    ),
]


def _position_of(text: str, marker: str) -> tuple[int, int]:
    # A marker of nesting ("deep = [[[...") points just after itself, where the limit is crossed.
    offset = text.index(marker) + (len(marker) if marker.startswith("deep = ") else 0)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _write_case(folder: Path, case: Case) -> tuple[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    if case.setup:
        case.setup(folder)
    text = case.edit(GOOD)
    path = folder / f"{case.name}.toml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _matches(message: str, expected: str) -> bool:
    return message.startswith(expected[:-3]) if expected.endswith("...") else message == expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_spec_gets_one_located_message(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, text = _write_case(tmp_path, case)
    code = main(["validate", "--format", "json", str(path)])
    (spec,) = json.loads(capsys.readouterr().out)["specs"]
    assert code == 1
    ((error),) = spec["errors"]
    assert (error["line"], error["column"]) == _position_of(text, case.marker)
    assert error["field"] == case.field
    assert _matches(error["message"], case.message), error["message"]


def test_the_whole_folder_validates_without_a_traceback(tmp_path: Path) -> None:
    for case in CASES:
        _write_case(tmp_path / case.name, case)
    done = subprocess.run(
        [sys.executable, "-m", "agentspec", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    located = {Path(line.split(":", 1)[0]).stem for line in done.stdout.splitlines()}
    assert len(done.stdout.splitlines()) == len(CASES)
    assert located == {case.name for case in CASES}
    assert f"0 valid, {len(CASES)} invalid" in done.stderr


def test_a_dangling_spec_symlink_is_an_error_with_a_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "gone.toml").symlink_to(tmp_path / "deleted.toml")
    code = main(["validate", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{tmp_path / 'gone.toml'}:1:1: cannot read the spec: the file it links to does not exist" in out


CONFIG_CASES = [
    (
        "agentspec.toml",
        "[run]\ntrials = 2\nconcurrency = two\n",
        "two",
        "the value of 'concurrency' is not valid TOML...",
    ),
    (
        "agentspec.toml",
        '[run]\nconcurrency = "4"\n',
        "concurrency",
        "run.concurrency: expected a whole number, got the string '4'; write it without quotes",
    ),
    (
        "agentspec.toml",
        '[[matrix]]\nagent = "reference"\n\n[[matrix]]\nagent = "claude_code"\nmodels = ["ollama/qwen3"]\n',
        'agent = "claude_code"',
        "matrix[1].agent: unknown agent 'claude_code'; choose from ...",
    ),
    (
        "agentspec.toml",
        '[[matrix]]\nagent = "builtin"\nmodels = ["ollama/qwen3", "qwen3"]\n',
        '"qwen3"]',
        "matrix[0].models[1]: model 'qwen3' should be provider/name with provider one of ...",
    ),
    ("pyproject.toml", 'tool = "x"\n', "tool", "tool: must be a table: [tool.NAME] sections"),
    ("pyproject.toml", "tool = []\n", "tool", "tool: must be a table: [tool.NAME] sections"),
    (
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.agentspec.run]\ntrials = "3"\n',
        "trials",
        "tool.agentspec.run.trials: expected a whole number, got the string '3'; write it without quotes",
    ),
    (
        "pyproject.toml",
        '[tool.agentspec]\nmatrix = [{agent = "aider"}]\n',
        'agent = "aider"',
        "tool.agentspec.matrix[0].agent: agent 'aider' needs a model: ...",
    ),
]


@pytest.mark.parametrize(("name", "text", "marker", "message"), CONFIG_CASES)
def test_each_bad_config_gets_one_located_message(
    name: str,
    text: str,
    marker: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "demo.toml").write_text(GOOD, encoding="utf-8")
    config = tmp_path / name
    config.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["run", "demo.toml", "--results", str(tmp_path / "results")])
    (line,) = capsys.readouterr().err.splitlines()
    assert code == 1
    row, column = _position_of(text, marker)
    assert line.startswith(f"agentspec: error: {config}:{row}:{column}: ")
    assert _matches(line.split(f"{row}:{column}: ", 1)[1], message), line
    assert not (tmp_path / "results").exists()
