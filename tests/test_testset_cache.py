"""A spec's test set is kept between results folders, keyed so that only the same grading reuses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentspec.runner.testset_cache import CACHE_VARIABLE, NO_CACHE_VARIABLE, cache_key
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import Store
from tests.conftest import SPECS, RunCli, report_json

SPEC = SPECS / "validators.toml"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own (the session's is shared by every test)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    return folder / "test-sets"


def spec_hash() -> str:
    [spec] = load_specs([SPEC])
    return spec.content_hash()


def stored_test_set(results: Path) -> dict[str, object] | None:
    with Store(results) as store:
        return store.test_set(spec_hash())


def run_reference(cli: RunCli, results: Path, *extra: str) -> list[dict[str, object]]:
    done = cli("run", SPEC, "--agent", "reference", "--results", results, *extra)
    assert done.returncode == 0, done.stderr
    return report_json(cli, results)


def test_a_new_results_folder_reuses_the_test_set_graded_for_another(cli: RunCli, tmp_path: Path, cache: Path) -> None:
    run_reference(cli, tmp_path / "first")
    [entry] = cache.glob("*.json")
    graded = stored_test_set(tmp_path / "first")
    assert graded is not None and json.loads(entry.read_text())["test_set"] == graded
    # Proof that the second folder reads the cache rather than grading again: an entry with one required test
    # fewer is what its store keeps, and that test no longer counts.
    dropped = graded["required"][0]  # type: ignore[index]
    narrowed = {**graded, "required": [t for t in graded["required"] if t != dropped]}  # type: ignore[attr-defined]
    narrowed["fail_to_pass"] = [t for t in graded["fail_to_pass"] if t != dropped]  # type: ignore[attr-defined]
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "test_set": narrowed}))
    [attempt] = run_reference(cli, tmp_path / "second")
    assert stored_test_set(tmp_path / "second") == narrowed
    assert attempt["outcome"] == "passed"


def test_another_sandbox_mode_or_spec_version_is_graded_again(cli: RunCli, tmp_path: Path, cache: Path) -> None:
    run_reference(cli, tmp_path / "bwrap")
    run_reference(cli, tmp_path / "none", "--sandbox", "none")
    keys = {p.name for p in cache.glob("*.json")}
    assert keys == {cache_key(spec_hash(), "bwrap"), cache_key(spec_hash(), "none")}
    edited = tmp_path / "specs" / "validators.toml"
    edited.parent.mkdir()
    edited.write_text(SPEC.read_text().replace("The signup form needs", "The sign-up form needs", 1))
    done = cli("run", edited, "--agent", "reference", "--results", tmp_path / "edited")
    assert done.returncode == 0, done.stderr
    assert len(list(cache.glob("*.json"))) == 3


def test_an_unreadable_entry_is_graded_again_and_replaced(cli: RunCli, tmp_path: Path, cache: Path) -> None:
    cache.mkdir(parents=True)
    for sandbox in ("bwrap", "none"):
        (cache / cache_key(spec_hash(), sandbox)).write_text('{"spec_hash": "' + spec_hash() + '", "test_set": [1]}')
    [attempt] = run_reference(cli, tmp_path / "results")
    assert attempt["outcome"] == "passed"
    graded = stored_test_set(tmp_path / "results")
    assert graded is not None and graded["required"]
    rewritten = [json.loads(p.read_text()) for p in cache.glob("*.json")]
    assert graded in [entry["test_set"] for entry in rewritten]


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocker))
    [attempt] = run_reference(cli, tmp_path / "results")
    assert attempt["outcome"] == "passed" and blocker.read_text().startswith("a file")


def test_no_cache_variable_turns_it_off(
    cli: RunCli, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NO_CACHE_VARIABLE, "1")
    [attempt] = run_reference(cli, tmp_path / "results")
    assert attempt["outcome"] == "passed" and not cache.exists()
