"""Bundles (export, merge), --retry-errors, --task, --fail-under, JUnit and the paired comparison, through the CLI."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from agentspec.serve import Faults, serve_in_thread
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS, RunCli, report_json

TWO = ("--task", "merge-sorted-lists", "--task", "validators")
# One task is enough where the test is about which attempts run again, not about how many tasks a run spans.
ONE = ("--task", "validators")


@pytest.fixture(scope="module")
def two_machines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two results folders (reference on one, none on the other), each exported to a bundle."""
    import os
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("machines")

    def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "agentspec", *map(str, args)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "COLUMNS": "200"},
        )

    for name, agent in (("a", "reference"), ("b", "none")):
        done = cli("run", SPECS, *TWO, "--agent", agent, "--results", root / name)
        assert done.returncode == 0, done.stderr
        exported = cli("export", "--results", root / name, "-o", root / f"{name}.zip")
        assert exported.returncode == 0, exported.stderr
        assert "Exported 2 attempts" in exported.stdout
    return root / "a.zip", root / "b.zip", root


def test_bundles_from_two_stores_merge_once(cli: RunCli, tmp_path: Path, two_machines: tuple[Path, Path, Path]) -> None:
    a, b, _ = two_machines
    merged = tmp_path / "merged"
    first = cli("merge", a, b, "--results", merged)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "2 added, 0 already present" in first.stdout
    attempts = report_json(cli, merged)
    assert Counter((x["agent"], x["outcome"]) for x in attempts) == {("reference", "passed"): 2, ("none", "failed"): 2}
    assert all(x["origin"]["bundle"] in ("a.zip", "b.zip") and x["origin"]["machine"]["hostname"] for x in attempts)
    for attempt in attempts:
        assert (merged / "artifacts" / attempt["key"] / "diff.patch").is_file()

    again = cli("merge", a, b, "--results", merged)
    assert again.returncode == 0
    assert again.stdout.count("0 added, 2 already present") == 2
    assert len(report_json(cli, merged)) == 4
    site = tmp_path / "site"
    built = cli("site", "--results", merged, "-o", site)
    assert built.returncode == 0, built.stderr
    pages = "".join(p.read_text(errors="replace") for p in site.rglob("*.html"))
    hostname = attempts[0]["origin"]["machine"]["hostname"]
    assert f"ran on {hostname} (merged from a.zip)" in pages and f"ran on {hostname} (merged from b.zip)" in pages
    # The spec versions travel with the bundle: selection by kind works on the merged store.
    by_kind = report_json(cli, merged, "--task", "kind:implement")
    assert by_kind and {x["task"] for x in by_kind} == {"validators"}


def test_same_key_with_other_content_is_kept_apart(
    cli: RunCli, tmp_path: Path, two_machines: tuple[Path, Path, Path]
) -> None:
    a, _, root = two_machines
    merged = tmp_path / "merged"
    assert cli("merge", a, "--results", merged).returncode == 0
    key = report_json(cli, merged)[0]["key"]
    with sqlite3.connect(merged / "results.sqlite") as db:
        record = json.loads(db.execute("SELECT record FROM attempts WHERE key = ?", (key,)).fetchone()[0])
        record["turns"] = 99
        db.execute("UPDATE attempts SET record = ? WHERE key = ?", (json.dumps(record), key))
    done = cli("merge", a, "--results", merged)
    assert done.returncode == 0
    assert "1 kept apart" in done.stdout and f"{key}: already recorded with other content" in done.stdout
    attempts = report_json(cli, merged)
    assert len(attempts) == 3
    assert {x["turns"] for x in attempts if x["key"].startswith(key)} == {99, 0}
    assert "0 added, 2 already present" in cli("merge", a, "--results", merged).stdout


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info, data)
        for name, data in change.items():
            if name not in old.namelist() and data is not None:
                new.writestr(name, data)


def _bad_bundles(good: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    with zipfile.ZipFile(good) as archive:
        manifest = json.loads(archive.read("bundle.json"))
        artifact = next(n for n in archive.namelist() if n.endswith("diff.patch"))
    bad: dict[str, tuple[Path, str]] = {}

    def make(name: str, change: dict[str, bytes | None], why: str) -> None:
        path = folder / f"{name}.zip"
        _rewrite(good, path, change)
        bad[name] = (path, why)

    truncated = folder / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    bad["truncated"] = (truncated, "truncated")
    not_zip = folder / "text.zip"
    not_zip.write_text("hello")
    bad["not a zip"] = (not_zip, "not a readable bundle")
    edited = dict(manifest)
    edited["attempts"][0]["record"]["outcome"] = "passed"
    make("edited record", {"bundle.json": json.dumps(edited).encode()}, "does not match bundle.sha256")
    make("edited artifact", {artifact: b"+++ forged\n"}, "does not match its digest")
    make("traversal", {"artifacts/../../evil.txt": b"x"}, "unsafe member name")
    make("stowaway", {"artifacts/x/extra.txt": b"x"}, "not in the manifest")
    future = dict(manifest, format_version=99)
    data = json.dumps(future).encode()
    import hashlib

    make(
        "future format",
        {"bundle.json": data, "bundle.sha256": hashlib.sha256(data).hexdigest().encode()},
        "this agentspec reads format 1",
    )
    return bad


def test_bad_bundles_are_refused_and_write_nothing(
    cli: RunCli, tmp_path: Path, two_machines: tuple[Path, Path, Path]
) -> None:
    a, _, _ = two_machines
    for name, (path, why) in _bad_bundles(a, tmp_path).items():
        results = tmp_path / f"results-{name.replace(' ', '-')}"
        done = cli("merge", path, "--results", results)
        assert done.returncode == 1, name
        assert why in done.stdout, (name, done.stdout)
        assert "Traceback" not in done.stdout + done.stderr
        if (results / "results.sqlite").exists():
            with sqlite3.connect(results / "results.sqlite") as db:
                assert db.execute("SELECT count(*) FROM attempts").fetchone()[0] == 0, name
        assert not any((results / "artifacts").glob("*")), name
    assert not (tmp_path.parent / "evil.txt").exists()


def test_retry_errors_reruns_only_infrastructure_errors(cli: RunCli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    specs = load_specs([SPECS])
    with serve_in_thread(specs) as server:
        server.faults = Faults(error=503)
        broken = cli(
            "run", SPECS, *ONE, "--model", "ollama/reference", "--base-url", server.url, "--no-preflight",
            "--results", results,
        )  # fmt: skip
        assert broken.returncode == 0, broken.stderr
        assert cli("run", SPECS, *ONE, "--agent", "none", "--results", results).returncode == 0
        before = report_json(cli, results)
        assert Counter((x["model"], x["outcome"]) for x in before) == {
            ("ollama/reference", "error"): 1,
            ("-", "failed"): 1,
        }
        server.faults = Faults()
        plain = cli("run", SPECS, *ONE, "--model", "ollama/reference", "--base-url", server.url, "--results", results)
        assert "Nothing new to run" in plain.stderr
        retried = cli(
            "run", SPECS, *ONE, "--model", "ollama/reference", "--base-url", server.url, "--agent", "builtin",
            "--retry-errors", "--results", results,
        )  # fmt: skip
        assert retried.returncode == 0, retried.stderr
        none_retry = cli("run", SPECS, *ONE, "--agent", "none", "--retry-errors", "--results", results)
        assert "Nothing new to run" in none_retry.stderr
    after = report_json(cli, results)
    assert Counter((x["model"], x["outcome"]) for x in after) == {("ollama/reference", "passed"): 1, ("-", "failed"): 1}
    untouched = {x["key"]: x["finished_at"] for x in before if x["model"] == "-"}
    assert {x["key"]: x["finished_at"] for x in after if x["model"] == "-"} == untouched


def test_fail_under_junit_and_compare(cli: RunCli, tmp_path: Path, two_machines: tuple[Path, Path, Path]) -> None:
    # The reference and none runs of the two tasks, as the two machines recorded them: no gradings of our own.
    a, b, _ = two_machines
    results = tmp_path / "results"
    assert cli("merge", a, b, "--results", results).returncode == 0

    assert cli("report", "--results", results, "--fail-under", "0.5").returncode == 0
    low = cli("report", "--results", results, "--fail-under", "60%")
    assert low.returncode == 3 and "pass rate 50.0% (2/4) is below --fail-under 60.0%" in low.stderr
    gated = cli("run", SPECS, "--task", "merge-*", "--agent", "none", "--results", results, "--fail-under", "1")
    assert gated.returncode == 3
    assert cli("report", "--results", results, "--fail-under", "2").returncode == 2

    junit = cli("report", "--results", results, "--format", "junit")
    assert junit.returncode == 0
    import xml.etree.ElementTree as ElementTree

    suites = {s.get("name"): s for s in ElementTree.fromstring(junit.stdout).iter("testsuite")}
    assert suites["reference"].get("failures") == "0" and suites["none"].get("failures") == "2"
    assert {c.get("classname") for c in suites["none"].iter("testcase")} == {"merge-sorted-lists", "validators"}

    compared = cli("report", "--results", results, "--compare", "reference", "none")
    assert compared.returncode == 0, compared.stderr
    assert "A better on 2, B better on 0" in compared.stdout
    assert "p = 0.5" in compared.stdout
    missing = cli("report", "--results", results, "--compare", "reference", "builtin:ollama/x")
    assert missing.returncode == 2 and "entries recorded: none, reference" in missing.stderr

    only = report_json(cli, results, "--task", "valid*")
    assert {x["task"] for x in only} == {"validators"}
    site = cli("site", "--results", results, "-o", tmp_path / "site", "--task", "kind:implement")
    assert site.returncode == 0, site.stderr
    assert "from 2 attempts" in site.stderr  # validators by reference and by none; merge-sorted-lists left out


def test_run_manifest(cli: RunCli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    assert cli("run", SPECS, "--task", "merge-sorted-lists", "--results", results).returncode == 0
    run_id = report_json(cli, results)[0]["run_id"]
    done = cli("report", "--results", results, "--run", run_id, "--format", "json")
    manifest = json.loads(done.stdout)["run"]
    details = manifest["details"]
    assert details["agentspec_version"] and details["machine"]["python"]
    assert set(details["specs"]) == {"merge-sorted-lists"} and details["limits"]["merge-sorted-lists"]["turns"]
    assert details["cells"] == [{"agent": "reference", "model": "-", "base_url": None, "trials": 1}]
    assert manifest["command"].startswith("agentspec run")


def test_two_backends_on_two_machines_merge_and_the_site_shows_both(cli: RunCli, tmp_path: Path) -> None:
    from agentspec.publish.figures import backend_label
    from agentspec.store.sqlite import AttemptRecord

    specs = load_specs([SPECS])
    with serve_in_thread(specs) as server:
        for name, model, url in (("a", "ollama/reference", server.url), ("b", "openai/reference", f"{server.url}/v1")):
            done = cli("run", SPECS, "--task", "validators", "--model", model, "--base-url", url, "--results",
                       tmp_path / name)  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert cli("export", "--results", tmp_path / name, "-o", tmp_path / f"{name}.zip").returncode == 0
    merged = tmp_path / "merged"
    assert cli("merge", tmp_path / "a.zip", tmp_path / "b.zip", "--results", merged).returncode == 0
    attempts = report_json(cli, merged)
    assert {(a["model"], a["outcome"]) for a in attempts} == {
        ("ollama/reference", "passed"),
        ("openai/reference", "passed"),
    }
    assert cli("site", "--results", merged, "-o", tmp_path / "site").returncode == 0
    home = (tmp_path / "site" / "index.html").read_text()
    for attempt in attempts:
        record = AttemptRecord(**attempt)
        label = backend_label(record.model.split("/")[0], [record])
        assert record.backend and label in home, (label, record.backend)
