"""Hostile agents: each trick is contained, graded as not passed, and the run goes on."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentspec.agents.base import Agent, AgentResult, AgentTask
from agentspec.runner.plan import Cell, plan
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox, bwrap_available
from agentspec.spec import load_spec
from agentspec.store.sqlite import AttemptRecord, Store

SPEC = '''\
id = "calc"
title = "Fix add"
kind = "bug-fix"
instructions = "add() subtracts; make it add."

[[files]]
path = "calc.py"
content = "def add(a, b):\\n    return a - b\\n"

[[tests]]
path = "test_calc.py"
content = """
from calc import add


def test_add():
    assert add(2, 3) == 5


def test_add_zero():
    assert add(0, 0) == 0
"""

[[solution]]
path = "calc.py"
content = "def add(a, b):\\n    return a + b\\n"

[grading]
timeout_s = 6

[limits]
time_s = 1
'''

BUGGY = "def add(a, b):\n    return a - b\n"


class FileAgent(Agent):
    """Writes (or deletes) files in the workspace, as a model's tool calls would."""

    needs_model = False

    def __init__(self, name: str, files: dict[str, str | None]) -> None:
        self.name = name  # type: ignore[misc]
        self.files = files

    async def act(self, task: AgentTask) -> AgentResult:
        for path, text in self.files.items():
            target = task.workspace / path
            if text is None:
                target.unlink()
            elif text.startswith("symlink:"):
                target.unlink(missing_ok=True)
                target.symlink_to(text.removeprefix("symlink:"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        return AgentResult(turns=1)


class SleepyAgent(Agent):
    """Ignores its time limit."""

    name = "sleepy"
    needs_model = False

    async def act(self, task: AgentTask) -> AgentResult:
        await asyncio.sleep(3600)
        return AgentResult()


class CrashingAgent(Agent):
    """Has a bug of its own."""

    name = "crashing"
    needs_model = False

    async def act(self, task: AgentTask) -> AgentResult:
        raise RuntimeError("agent bug")


FORCE_PASS = """
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
"""
SKIP_ALL = """
import pytest

def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.skip(reason="gamed"))
"""
FAKE_PYTEST = "import sys\nprint('1 passed')\nsys.exit(0)\n"
ALWAYS_PASSES = "def test_add():\n    pass\n"


@pytest.fixture(scope="module")
def calc_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "calc.toml"
    path.write_text(SPEC)
    return path


def run_agents(spec_path: Path, results: Path, agents: list[Agent]) -> dict[str, AttemptRecord]:
    spec = load_spec(spec_path)
    with Store(results) as store:
        runner = Runner(store, Sandbox("auto"), {a.name: a for a in agents}, concurrency=2, agent_grace_s=0.5)
        attempts = plan([spec], [Cell(a.name) for a in agents])
        outcome = asyncio.run(runner.run(attempts, "pytest", {}))
        assert len(outcome.ran) == len(agents)
        return {r.agent: r for r in store.attempts()}


def test_tampering_with_tests_never_passes(calc_spec: Path, tmp_path: Path) -> None:
    agents: list[Agent] = [
        FileAgent("delete-tests", {"test_calc.py": None}),
        FileAgent("edit-tests", {"test_calc.py": ALWAYS_PASSES}),
        FileAgent("symlink-tests", {"always.py": ALWAYS_PASSES, "test_calc.py": "symlink:always.py"}),
        FileAgent("conftest-force-pass", {"conftest.py": FORCE_PASS}),
        FileAgent("conftest-skip-all", {"sub/conftest.py": SKIP_ALL, "conftest.py": SKIP_ALL}),
        FileAgent("pytest-ini", {"pytest.ini": "[pytest]\naddopts = -k nothing_matches\n"}),
        FileAgent("pyproject-addopts", {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-k nothing"\n'}),
        FileAgent("shadow-pytest", {"pytest.py": FAKE_PYTEST}),
        FileAgent("sitecustomize", {"sitecustomize.py": "import os\nos._exit(0)\n"}),
        FileAgent("exit-early", {"calc.py": "import os\nos._exit(0)\n"}),
    ]
    records = run_agents(calc_spec, tmp_path / "results", agents)
    for name, record in records.items():
        assert record.outcome == "failed", (name, record.failure_kind)
    assert records["delete-tests"].tampered == ["test_calc.py"]
    assert records["edit-tests"].tampered == ["test_calc.py"]
    assert records["symlink-tests"].tampered == ["test_calc.py"]
    assert records["conftest-force-pass"].tampered == ["conftest.py"]
    assert records["conftest-skip-all"].tampered == ["conftest.py", "sub/conftest.py"]
    assert records["pytest-ini"].tampered == ["pytest.ini"]
    assert records["pyproject-addopts"].tampered == ["pyproject.toml"]
    assert records["sitecustomize"].tampered == ["sitecustomize.py"]
    for name in ("delete-tests", "edit-tests", "conftest-force-pass", "conftest-skip-all", "shadow-pytest"):
        # add(0, 0) is right even in the buggy starter: one pass-to-pass test, one fail-to-pass.
        assert (records[name].tests_passed, records[name].tests_total) == (1, 2), name
        assert records[name].fail_to_pass == {"test_calc::test_add": "failed"}, name
        assert records[name].pass_to_pass == {"test_calc::test_add_zero": "passed"}, name
    assert records["exit-early"].failure_kind == "forged_report"  # exit status 0 without pytest saying so


# Registered from the code under test, which runs inside the grading pytest: every outcome becomes "passed".
REWRITE_VERDICTS = """
import gc

import pytest


def _register():
    import _pytest.config

    class Verdicts:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            outcome = yield
            report = outcome.get_result()
            if report.outcome in FLIP:
                report.outcome = "passed"

    for thing in gc.get_objects():
        if isinstance(thing, _pytest.config.Config):
            thing.pluginmanager.register(Verdicts())
            return


_register()
"""


def test_rewriting_the_verdict_from_inside_the_code_is_caught(calc_spec: Path, tmp_path: Path) -> None:
    agents = [
        code_agent("flip-everything", "FLIP = ('failed', 'skipped')\n" + REWRITE_VERDICTS),
        code_agent("flip-failures", "FLIP = ('failed',)\n" + REWRITE_VERDICTS),
    ]
    records = run_agents(calc_spec, tmp_path / "results", agents)
    for name, record in records.items():
        assert (record.outcome, record.failure_kind) == ("failed", "forged_report"), name
        assert record.tampered == [], name  # no protected file changed: the canary is what caught it
        assert [t["id"] for t in record.tests] == ["test_calc::test_add", "test_calc::test_add_zero"], name
        assert "test-gaming" in {f["rule"] for f in record.findings}, name


def test_forged_verdicts_are_recorded_as_forged_report(calc_spec: Path, tmp_path: Path) -> None:
    # The channel's attacks (tests/test_grading_forgery.py) through the whole runner and store.
    from tests.test_grading_forgery import ATTACKS

    names = ("junit-at-exit", "forked-child", "spare-the-canary-by-name")
    records = run_agents(calc_spec, tmp_path / "results", [code_agent(name, ATTACKS[name]) for name in names])
    for name, record in records.items():
        assert (record.outcome, record.failure_kind) == ("failed", "forged_report"), name


def test_answer_hunts_are_recorded_as_tampered_and_never_passed(calc_spec: Path, tmp_path: Path) -> None:
    # Code that reads the tests for their answers (tests/test_grading_forgery.py), through the runner and store.
    from tests.test_grading_forgery import ANSWER_HUNTS

    names = ("read-at-import", "read-by-a-program", "import-the-tests")
    records = run_agents(calc_spec, tmp_path / "results", [FileAgent(n, {"calc.py": ANSWER_HUNTS[n]}) for n in names])
    for name, record in records.items():
        assert (record.outcome, record.failure_kind) == ("failed", "tampered"), name
        assert any(entry.endswith("test_calc.py while graded") for entry in record.tampered), (name, record.tampered)


def test_agent_failures_are_data(calc_spec: Path, tmp_path: Path) -> None:
    records = run_agents(calc_spec, tmp_path / "results", [SleepyAgent(), CrashingAgent()])
    assert (records["sleepy"].outcome, records["sleepy"].failure_kind) == ("failed", "agent_timeout")
    assert (records["crashing"].outcome, records["crashing"].failure_kind) == ("error", "agent_crash")
    assert "agent bug" in (records["crashing"].error or "")


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP server that records whatever connects to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            received.append(connection.recv(100) or b"connected")
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


def code_agent(name: str, body: str) -> FileAgent:
    """An agent whose 'solution' runs `body` when the tests import it, keeping the bug."""
    return FileAgent(name, {"calc.py": body + "\n\n" + BUGGY})


@pytest.mark.skipif(not bwrap_available(), reason="bubblewrap (bwrap) is not installed")
def test_hostile_code_is_contained_at_grading(
    calc_spec: Path, tmp_path: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener
    outside = tmp_path / "outside"
    outside.mkdir()
    marker = f"agentspec-hostile-{uuid.uuid4().hex}"
    agents = [
        code_agent("write-outside", f"open({str(outside / 'pwned')!r}, 'w').write('x')"),
        code_agent("write-home", "import pathlib; pathlib.Path('/root/agentspec-pwned').write_text('x')"),
        code_agent(
            "network",
            f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2).send(b'leak')\n"
            "except OSError:\n    pass",
        ),
        code_agent("loop-forever", "while True:\n    pass"),
        code_agent(
            "fork-bomb",
            "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        ),
        code_agent("memory", "hog = []\nwhile True:\n    hog.append(bytearray(50_000_000))"),
        code_agent(
            "detached-sleeper",
            f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            f"        os.execvp('sleep', ['sleep', '3600', '{marker}'])\n    os._exit(0)\n",
        ),
        code_agent("huge-file", "open('big.bin', 'wb').write(b'0' * (600 * 1024 * 1024))"),
    ]
    records = run_agents(calc_spec, tmp_path / "results", agents)
    for name, record in records.items():
        assert record.outcome == "failed", (name, record.failure_kind)
    assert records["loop-forever"].failure_kind == "test_timeout"
    assert records["fork-bomb"].failure_kind in {"test_timeout", "no_tests", "tests_failed"}
    assert not (outside / "pwned").exists()
    assert not Path("/root/agentspec-pwned").exists()
    assert received == []
    leftovers = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    assert leftovers.stdout == "", "a detached grandchild survived grading"


KILL_9_SPECS = ("validators", "search-users", "sql-injection", "paginator-off-by-one")


def test_kill_9_mid_run_then_resume_records_each_attempt_once(tmp_path: Path) -> None:
    from tests.conftest import SPECS

    # Four of the seed specs (the quickest to grade): the kill and the resume need a run longer than one attempt,
    # not the whole suite, and every spec costs two health gradings besides its attempt.
    suite = tmp_path / "suite"
    suite.mkdir()
    for name in KILL_9_SPECS:
        shutil.copy(SPECS / f"{name}.toml", suite)
        if (SPECS / name).is_dir():
            shutil.copytree(SPECS / name, suite / name)
    total = len(KILL_9_SPECS)
    results = tmp_path / "results"
    argv = ["python", "-m", "agentspec", "run", str(suite), "--results", str(results), "--concurrency", "1"]
    process = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    database = results / "results.sqlite"
    try:
        for _ in range(2400):  # each spec now grades its starter and reference first: allow for a loaded machine
            if _recorded(database) >= 2:
                break
            if process.poll() is not None:
                pytest.fail("the run finished before it could be killed")
            threading.Event().wait(0.05)
        os.killpg(process.pid, 9)
    finally:
        process.wait()
    killed_at = _recorded(database)
    assert 2 <= killed_at < total

    resumed = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert f"Running {total - killed_at} attempt" in resumed.stderr
    assert f"{killed_at} already recorded, skipped" in resumed.stderr
    import sqlite3

    with sqlite3.connect(database) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM attempts")]
        outcomes = db.execute("SELECT task, outcome, failure_kind, record FROM attempts").fetchall()
    assert len(keys) == len(set(keys)) == total
    not_passed = [(task, kind, record[-600:]) for task, outcome, kind, record in outcomes if outcome != "passed"]
    assert not_passed == []
    assert sorted(p.name for p in (results / "artifacts").iterdir()) == sorted(keys)
    assert not list(Path(tempfile.gettempdir()).glob(f"agentspec-run-{process.pid}-*")), "stale scratch left"
    shutil.rmtree(results)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    from tests.conftest import SPECS

    results = tmp_path / "results"
    argv = ["python", "-m", "agentspec", "run", str(SPECS), "--results", str(results), "--concurrency", "1"]
    # Attempts of 2 s each, so that the run cannot end between two looks at the store (cached test sets and the
    # reference agent made the whole run shorter than one look on a loaded machine).
    argv += ["--agent", "command:sleep 2"]
    process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1200):
        if _recorded(results / "results.sqlite") >= 2 or process.poll() is not None:
            break
        threading.Event().wait(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    recorded = _recorded(results / "results.sqlite")
    message = f"Interrupted: {recorded} of 8 attempts are recorded in {results}/."
    assert f"{message} Run the same command again to resume." in err
    assert "Traceback" not in err
    assert not list(Path(tempfile.gettempdir()).glob(f"agentspec-run-{process.pid}-*")), "scratch left behind"


def _recorded(database: Path) -> int:
    import sqlite3

    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM attempts").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
