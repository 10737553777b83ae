"""`agentspec validate`: every rejection names the file, the line and what to fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentspec.cli.main import main

GOOD = '''\
id = "demo"
title = "Demo task"
kind = "bug-fix"
instructions = "Make the tests pass."

[[files]]
path = "demo.py"
content = "def f():\\n    return 1\\n"

[[tests]]
path = "test_demo.py"
content = """
from demo import f


def test_f():
    assert f() == 2
"""

[[solution]]
path = "demo.py"
content = "def f():\\n    return 2\\n"
'''


def validate(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[dict[str, object]]]:
    code = main(["validate", "--format", "json", *map(str, paths)])
    return code, json.loads(capsys.readouterr().out)["specs"]


def errors_of(capsys: pytest.CaptureFixture[str], path: Path) -> list[tuple[int, int, str, str]]:
    code, specs = validate(capsys, path)
    assert code == 1
    (spec,) = specs
    assert spec["path"] == str(path)
    assert spec["valid"] is False
    return [(e["line"], e["column"], e["field"], e["message"]) for e in spec["errors"]]  # type: ignore[index,union-attr]


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_spec_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, specs = validate(capsys, write(tmp_path, GOOD))
    assert code == 0
    assert specs == [{"path": str(tmp_path / "demo.toml"), "id": "demo", "valid": True, "errors": []}]


def test_misspelled_key_suggests_the_right_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD.replace('title = "Demo task"', 'titel = "x"'))
    # One problem, one message: the suggestion already says that 'title' is missing.
    assert errors_of(capsys, path) == [(2, 1, "titel", "unknown key 'titel'; did you mean 'title'?")]


def test_text_output_names_file_line_and_fix(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('title = "Demo task"', 'titel = "x"'))
    done = subprocess.run(
        [sys.executable, "-m", "agentspec", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"{path}:2:1: titel: unknown key 'titel'; did you mean 'title'?" in done.stdout.splitlines()
    assert "Traceback" not in done.stderr


def test_misspelled_nested_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD + "\n[grading]\ntimeout = 5\n")
    assert errors_of(capsys, path) == [(25, 1, "grading.timeout", "unknown key 'timeout'; did you mean 'timeout_s'?")]


def test_toml_syntax_error_has_its_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD.replace('kind = "bug-fix"', "kind = bug-fix"))
    ((line, column, field, message),) = errors_of(capsys, path)
    assert (line, column, field) == (3, 8)[:2] + ("",)
    assert message == "the value of 'kind' is not valid TOML; text needs quotes: kind = \"bug-fix\""


def test_wrong_type_shows_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD + '\n[limits]\nturns = "many"\n')
    ((line, _, field, message),) = errors_of(capsys, path)
    assert (line, field) == (25, "limits.turns")
    assert message == "expected a whole number, got the string 'many'"


def test_duplicate_file_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD.replace("[[tests]]", '[[files]]\npath = "demo.py"\ncontent = ""\n\n[[tests]]'))
    assert errors_of(capsys, path) == [
        (11, 1, "files[1].path", "'demo.py' is listed twice (first at files[0])"),
    ]


@pytest.mark.parametrize(
    ("bad_path", "fragment"),
    [
        ("/etc/passwd", "is absolute"),
        ("../outside.py", "leaves the workspace"),
        ("pkg/../../outside.py", "leaves the workspace"),
        ("", "must not be empty"),
    ],
)
def test_paths_must_stay_in_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad_path: str, fragment: str
) -> None:
    path = write(
        tmp_path,
        GOOD.replace(
            'path = "demo.py"\ncontent = "def f():\\n    return 1',
            f'path = "{bad_path}"\ncontent = "def f():\\n    return 1',
        ),
    )
    ((line, _, field, message),) = errors_of(capsys, path)
    assert (line, field) == (7, "files[0].path")
    assert fragment in message


def test_missing_referenced_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD.replace('content = "def f():\\n    return 1\\n"', 'source = "demo/starter.py"', 1))
    ((line, _, field, message),) = errors_of(capsys, path)
    assert (line, field) == (8, "files[0].source")
    assert "'demo/starter.py' does not exist" in message


def test_symlink_out_of_the_spec_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "secret.py"
    outside.write_text("SECRET = 1\n")
    suite = tmp_path / "suite"
    (suite / "demo").mkdir(parents=True)
    (suite / "demo" / "starter.py").symlink_to(outside)
    path = write(suite, GOOD.replace('content = "def f():\\n    return 1\\n"', 'source = "demo/starter.py"', 1))
    ((line, _, field, message),) = errors_of(capsys, path)
    assert (line, field) == (8, "files[0].source")
    assert "outside the spec's folder" in message


def test_referenced_file_is_read_byte_for_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "starter.py").write_bytes(b"def f():\r\n    return 1\r\n")
    path = write(tmp_path, GOOD.replace('content = "def f():\\n    return 1\\n"', 'source = "demo/starter.py"', 1))
    from agentspec.spec import load_spec

    assert load_spec(path).files[0].text == "def f():\r\n    return 1\r\n"


def test_content_and_source_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.py").write_text("")
    path = write(tmp_path, GOOD.replace('path = "demo.py"\n', 'path = "demo.py"\nsource = "x.py"\n', 1))
    errors = errors_of(capsys, path)
    assert errors == [
        (
            6,
            1,
            "files[0]",
            "give exactly one of 'content' (inline text) or 'source' (a file next to the spec)",
        )
    ]


def test_spec_without_tests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start = GOOD.index("[[tests]]")
    end = GOOD.index("[[solution]]")
    path = write(tmp_path, GOOD[:start] + GOOD[end:])
    assert errors_of(capsys, path) == [(1, 1, "tests", "a spec needs tests: add at least one [[tests]] table")]


def test_solution_must_not_edit_a_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD + '\n[[solution]]\npath = "test_demo.py"\ncontent = "def test_f(): pass\\n"\n')
    assert errors_of(capsys, path) == [
        (25, 1, "solution[1].path", "the reference solution must not edit the test file 'test_demo.py'")
    ]


def test_every_problem_in_one_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD.replace('kind = "bug-fix"', 'kind = "bug-fix"\ndifficulty = "hardest"').replace(
        'path = "demo.py"\ncontent = "def f():\\n    return 2',
        'path = "test_demo.py"\ncontent = "def f():\\n    return 2',
    )
    errors = errors_of(capsys, write(tmp_path, text + "\n[limits]\nturns = -1\n"))
    fields = [field for _, _, field, _ in errors]
    assert fields == ["difficulty", "solution[0].path", "limits.turns"]


def test_duplicate_ids_in_a_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path, GOOD, "a.toml")
    second = write(tmp_path, GOOD, "b.toml")
    code, specs = validate(capsys, tmp_path)
    assert code == 1
    assert [s["path"] for s in specs] == [str(first), str(second)]
    assert specs[0]["valid"] is True
    assert specs[1]["errors"] == [
        {"line": 1, "column": 1, "field": "id", "message": f"id 'demo' is already used by {first}"}
    ]


def test_broken_spec_is_never_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, GOOD, "good.toml")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", "this is not toml", "bad.toml")
    (tmp_path / "nested" / "latin1.toml").write_bytes('id = "caf\xe9"\n'.encode("latin-1"))
    code, specs = validate(capsys, tmp_path)
    assert code == 1
    assert [(Path(str(s["path"])).name, s["valid"]) for s in specs] == [
        ("good.toml", True),
        ("bad.toml", False),
        ("latin1.toml", False),
    ]
    assert "not valid UTF-8" in specs[2]["errors"][0]["message"]  # type: ignore[index]


def test_spec_folder_is_not_searched_for_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, GOOD, "demo.toml")
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "config.toml").write_text("not = 'a spec'\n")
    code, specs = validate(capsys, tmp_path)
    assert code == 0
    assert len(specs) == 1


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 2
    assert main(["validate", "--format", "yaml", str(tmp_path)]) == 2


def test_review_settings_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review = (
        '\n[review]\nrules = ["quadratic"]\nthread_safety = "required"\n\n'
        '[[review.scaling]]\nfunction = "missing:f"\nsetup = "(n,"\n'
    )
    errors = errors_of(capsys, write(tmp_path, GOOD + review))
    assert [(line, field) for line, _, field, _ in errors] == [
        (26, "review.thread_safety"),
        (29, "review.scaling[0].function"),
        (30, "review.scaling[0].setup"),
    ]
    assert "leaves out 'thread-safety'" in errors[0][3]
    assert "no file missing.py" in errors[1][3]
    assert errors[2][3].startswith("not a Python expression")
