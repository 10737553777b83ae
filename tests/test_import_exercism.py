"""`agentspec import --from exercism`: exercises in Exercism's layout (tests/fixtures/exercism) become healthy specs."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from agentspec.errors import UsageError
from agentspec.spec.exercism import exercise_spec_text, find_exercises, import_exercises
from tests.conftest import RunCli, report_json

PRACTICE = Path(__file__).parent / "fixtures" / "exercism" / "practice"
GOOD = ["raindrops", "safe-divide", "word-count"]


def imported(cli: RunCli, source: Path, out: Path, *extra: str | Path) -> tuple[int, str]:
    done = cli("import", "--from", "exercism", source, "-o", out, *extra)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr


def test_a_practice_tree_becomes_a_suite_that_validates_and_is_healthy(cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "specs"
    code, stderr = imported(cli, PRACTICE, out)
    assert code == 1, stderr  # two malformed exercises are reported; the others are still imported
    assert sorted(p.stem for p in out.glob("*.toml")) == GOOD
    assert "imported 3 of 5 exercises" in stderr
    assert cli("validate", out).returncode == 0
    health = cli("check", out, "--format", "json")
    assert health.returncode == 0, health.stdout + health.stderr
    assert [s["healthy"] for s in json.loads(health.stdout)["specs"]] == [True, True, True]


def test_malformed_exercises_are_located_and_the_rest_imported(cli: RunCli, tmp_path: Path) -> None:
    code, stderr = imported(cli, PRACTICE, tmp_path / "specs", "--no-layout-check")
    assert code == 1
    bad_json = PRACTICE / "bad-json" / ".meta" / "config.json"
    assert f"{bad_json}:5:5: not valid JSON: Expecting ',' delimiter" in stderr
    assert f"{PRACTICE / 'no-config' / '.meta' / 'config.json'}: missing" in stderr


def test_one_exercise_folder_is_imported_alone(cli: RunCli, tmp_path: Path) -> None:
    code, stderr = imported(cli, PRACTICE / "raindrops", tmp_path / "specs")
    assert code == 0, stderr
    assert [p.name for p in (tmp_path / "specs").iterdir()] == ["raindrops.toml"]
    assert "imported 1 of 1 exercises" in stderr


def test_the_example_is_the_reference_under_the_stubs_name() -> None:
    data = tomllib.loads(exercise_spec_text(PRACTICE / "raindrops"))
    example = (PRACTICE / "raindrops" / ".meta" / "example.py").read_text()
    assert data["solution"] == [{"path": "raindrops.py", "content": example}]
    assert data["files"] == [{"path": "raindrops.py", "content": "# Write convert(number) here.\n"}]
    assert [t["path"] for t in data["tests"]] == ["raindrops_test.py"]
    assert (data["id"], data["title"], data["kind"]) == ("raindrops", "Raindrops", "implement")
    assert data["metadata"] == {"source": "exercism", "exercise": "raindrops"}


def test_instructions_join_introduction_instructions_and_the_track_append() -> None:
    raindrops = tomllib.loads(exercise_spec_text(PRACTICE / "raindrops"))["instructions"]
    assert raindrops.index("# Introduction") < raindrops.index("# Instructions") < raindrops.index("raindrops.py")
    divide = tomllib.loads(exercise_spec_text(PRACTICE / "safe-divide"))
    text = divide["instructions"]
    assert text.index("Divide one whole number") < text.index('message "division by zero"')
    assert "Write your solution in safe_divide.py" in text and "safe_divide_test.py" in text
    assert divide["title"] == "Safe Divide"


def test_editor_files_are_protected_like_tests() -> None:
    data = tomllib.loads(exercise_spec_text(PRACTICE / "word-count"))
    assert [t["path"] for t in data["tests"]] == ["word_count_test.py", "word_count_helpers.py"]
    assert "word_count_helpers.py" not in [f["path"] for f in data["files"]]


def copy_exercise(tmp_path: Path, slug: str, name: str | None = None) -> Path:
    target = tmp_path / "practice" / (name or slug)
    shutil.copytree(PRACTICE / slug, target)
    return target


def test_exercise_problems_name_the_file_and_the_fix(tmp_path: Path) -> None:
    missing_example = copy_exercise(tmp_path, "raindrops", "no-example")
    (missing_example / ".meta" / "example.py").unlink()
    no_docs = copy_exercise(tmp_path, "safe-divide", "no-docs")
    shutil.rmtree(no_docs / ".docs")
    no_key = copy_exercise(tmp_path, "word-count", "no-key")
    config = no_key / ".meta" / "config.json"
    config.write_text(json.dumps({"files": {"solution": ["word_count.py"], "test": ["word_count_test.py"]}}))
    bad_name = copy_exercise(tmp_path, "raindrops", "Bad_Name")
    concept = copy_exercise(tmp_path, "raindrops", "concept")
    concept_config = json.loads((concept / ".meta" / "config.json").read_text())
    concept_config["files"]["exemplar"] = concept_config["files"].pop("example")
    (concept / ".meta" / "config.json").write_text(json.dumps(concept_config))
    results = {e.slug: e for e in import_exercises(tmp_path / "practice")}
    assert results["no-example"].problem == (
        f"{missing_example / '.meta' / 'example.py'}: listed in .meta/config.json files.example, but missing"
    )
    assert (
        results["no-docs"].problem == f"{no_docs / '.docs' / 'instructions.md'}: missing (the exercise's instructions)"
    )
    assert results["no-key"].problem == f"{config}: files.example: expected a list of file paths, got null"
    assert f"{bad_name}: the folder name is the spec's id" in (results["Bad_Name"].problem or "")
    assert results["concept"].problem is None and "[[solution]]" in (results["concept"].text or "")


def test_an_exercise_whose_tests_cannot_be_collected_is_not_written(cli: RunCli, tmp_path: Path) -> None:
    broken = copy_exercise(tmp_path, "safe-divide")
    copy_exercise(tmp_path, "word-count")
    test = broken / "safe_divide_test.py"
    test.write_text("from exercise_helpers import check\n" + test.read_text())
    out = tmp_path / "specs"
    code, stderr = imported(cli, tmp_path / "practice", out)
    assert code == 1
    assert "ModuleNotFoundError: No module named 'exercise_helpers'" in stderr
    assert [p.name for p in out.iterdir()] == ["word-count.toml"]


def test_a_track_checkout_is_read_from_its_exercises_practice_folder(tmp_path: Path) -> None:
    copy_exercise(tmp_path / "python" / "exercises", "raindrops")
    assert find_exercises(tmp_path / "python") == [tmp_path / "python" / "exercises" / "practice" / "raindrops"]
    with pytest.raises(UsageError, match="no Exercism exercise found"):
        find_exercises(tmp_path / "python" / "exercises")
    with pytest.raises(UsageError, match="no such folder"):
        find_exercises(tmp_path / "nowhere")


def test_usage_mistakes_say_what_to_pass(cli: RunCli, tmp_path: Path) -> None:
    no_output = cli("import", "--from", "exercism", PRACTICE)
    assert no_output.returncode == 2 and "pass -o DIR" in no_output.stderr
    with_id = cli("import", "--from", "exercism", PRACTICE, "-o", tmp_path, "--id", "x")
    assert with_id.returncode == 2 and "--id: not used with --from exercism" in with_id.stderr
    no_id = cli("import", PRACTICE / "raindrops")
    assert no_id.returncode == 2 and "needs --id" in no_id.stderr


def test_existing_specs_are_not_overwritten(cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "specs"
    assert imported(cli, PRACTICE / "raindrops", out, "--no-layout-check")[0] == 0
    code, stderr = imported(cli, PRACTICE / "raindrops", out, "--no-layout-check")
    assert code == 1 and "already exists" in stderr


def test_a_tdd_shaped_exercise_is_passed_by_the_reference_and_failed_by_none(cli: RunCli, tmp_path: Path) -> None:
    """The stub lacks the name its tests import: collection fails on the starter, which is normal."""
    out, results = tmp_path / "specs", tmp_path / "results"
    assert imported(cli, PRACTICE / "raindrops", out)[0] == 0
    for agent in ("reference", "none"):
        assert cli("run", out, "--agent", agent, "--results", results).returncode == 0
    outcomes = {a["agent"]: (a["outcome"], a["failure_kind"]) for a in report_json(cli, results)}
    assert outcomes["reference"] == ("passed", None)
    assert outcomes["none"][0] == "failed"
