"""Hostile workspaces: whatever an agent leaves behind, the attempt is recorded and the run goes on.

Pipes, sockets, devices, symlinks anywhere, deep and locked folders, odd names, huge and countless
files: the one snapshot of the final workspace keeps the regular files it can and lists what it left
out; what it left out is neither graded nor stored. Every step of an attempt is inside its boundary.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import agentspec.runner.attempt as attempt_module
import agentspec.runner.run as run_module
from agentspec.agents.base import Agent, AgentResult, AgentTask
from agentspec.agents.command import CommandAgent
from agentspec.runner.plan import Cell, plan
from agentspec.runner.run import Runner
from agentspec.runner.snapshot import PAST_BOUND, SnapshotLimits, take_snapshot
from agentspec.runner.testset_cache import NO_CACHE_VARIABLE
from agentspec.sandbox import Sandbox
from agentspec.serve import serve_in_thread
from agentspec.spec import load_spec
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import AttemptRecord, Store
from tests.conftest import SPECS, RunCli, report_json
from tests.test_hostile import SPEC

FIXED = "def add(a, b):\n    return a + b\n"


class ShapingAgent(Agent):
    """Shapes the workspace with a Python function, as a model's shell commands would."""

    needs_model = False

    def __init__(self, name: str, shape: Callable[[Path], None]) -> None:
        self.name = name  # type: ignore[misc]
        self.shape = shape

    async def act(self, task: AgentTask) -> AgentResult:
        await asyncio.to_thread(self.shape, task.workspace)
        return AgentResult(turns=1)


PY = shlex.quote(sys.executable)
FIX = "printf 'def add(a, b):\\n    return a + b\\n' > calc.py"
DEEP = """
import os
fd = os.open('.', os.O_RDONLY)
for _ in range(5000):
    os.mkdir('d', dir_fd=fd)
    child = os.open('d', os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = child
"""
NAMES = "import os; open(os.fsdecode(b'bad-\\xff\\xfe.py'), 'w').write('x = 1'); open('new\\nline.py', 'w').write('x')"
MANY = "import os; os.mkdir('many'); [open('many/f' + str(i), 'w').close() for i in range(100_000)]"
SOCKET = "import socket; socket.socket(socket.AF_UNIX).bind('agent.sock')"
# What each hostile command agent leaves in its workspace (run in the agent's sandbox, as `agentspec run` would).
HOSTILE = {
    "fifo": "sh -c 'mkfifo pipe test_calc.py.fifo'",
    "socket": f"{PY} -c {shlex.quote(SOCKET)}",
    "symlinks": "sh -c 'ln -s /etc/passwd passwd; ln -s / root; ln -s loop-b loop-a; ln -s loop-a loop-b;"
    " ln -s self self; mkdir sub; ln -s .. sub/up'",
    "deep": f"{PY} -c {shlex.quote(DEEP)}",
    "locked": "sh -c "
    + shlex.quote(
        f"printf x > secret.txt; chmod 000 secret.txt; mkdir vault; echo 'x = 1' > vault/inside.py; chmod 000 vault;"
        f" {FIX}; chmod 000 calc.py"
    ),
    "names": "sh -c " + shlex.quote(f"{FIX}; {PY} -c {shlex.quote(NAMES)}"),
    # The agent's sandbox caps a file at 256 MB (RLIMIT_FSIZE); a 2 GB one is tested on the capture directly.
    "sparse": "sh -c " + shlex.quote(f"truncate -s 200M huge.bin; {FIX}"),
    "many": f"{PY} -c {shlex.quote(MANY)}",
    "in-git": "sh -c "
    + shlex.quote(
        "mkdir -p .git/impl; printf 'def add(a, b):\\n    return a + b\\n' > .git/impl/real.py;"
        " printf 'import sys\\nsys.path.insert(0, \".git/impl\")\\nfrom real import add\\n' > calc.py"
    ),
    "symlink": "sh -c "
    + shlex.quote(
        "mkdir .git; printf 'def add(a, b):\\n    return a + b\\n' > .git/calc_impl.py;"
        " rm calc.py; ln -s .git/calc_impl.py calc.py"
    ),
}


def hostile(*names: str) -> dict[str, Agent]:
    """The command agents of HOSTILE, by name."""
    return {name: CommandAgent(HOSTILE[name]) for name in names}


def _device(ws: Path) -> None:
    os.mknod(ws / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))


def run(agents: dict[str, Agent], results: Path, spec_path: Path, **runner: object) -> dict[str, AttemptRecord]:
    spec = load_spec(spec_path)
    with Store(results) as store:
        runs = Runner(store, Sandbox("auto"), agents, concurrency=2, **runner)  # type: ignore[arg-type]
        outcome = asyncio.run(runs.run(plan([spec], [Cell(name) for name in agents]), "pytest", {}))
        assert len(outcome.ran) == len(agents)
        return {r.agent: r for r in store.attempts()}


@pytest.fixture(scope="module")
def calc_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "calc.toml"
    # Generous limits: this machine may be loaded, and no case here is about time.
    path.write_text(SPEC.replace("time_s = 1\n", "time_s = 600\n").replace("timeout_s = 6\n", "timeout_s = 300\n"))
    return path


def _skipped(record: AttemptRecord) -> dict[str, str]:
    return {entry["path"]: entry["reason"] for entry in record.skipped_files}


def test_whatever_the_workspace_holds_each_attempt_is_recorded(calc_spec: Path, tmp_path: Path) -> None:
    agents = hostile("fifo", "socket", "symlinks", "deep", "locked", "names", "sparse")
    records = run(agents, tmp_path / "results", calc_spec)
    for name, record in records.items():
        assert record.outcome != "error", (name, record.failure_kind, record.error)
    skipped = {name: _skipped(record) for name, record in records.items()}
    assert skipped["fifo"] == {"pipe": "a named pipe", "test_calc.py.fifo": "a named pipe"}
    assert skipped["socket"] == {"agent.sock": "a socket"}
    assert skipped["symlinks"] == {
        name: "a symlink (not followed)" for name in ("loop-a", "loop-b", "passwd", "root", "self", "sub/up")
    }
    assert skipped["deep"] == {"/".join(["d"] * 65) + "/": "deeper than 64 folders: not captured"}
    assert skipped["names"] == {
        "bad-\\\\xff\\\\xfe.py": "file name is not UTF-8: not captured",
        "new\\nline.py": "file name holds a control character: not captured",
    }
    assert skipped["sparse"]["huge.bin"].startswith("too large (209,715,200 bytes")
    # Root reads mode-000 files: the fixed code behind it is graded (the snapshot is not fooled by permissions).
    locked = records["locked"]
    assert locked.outcome == "passed" or "calc.py" in _skipped(locked), (locked.failure_kind, locked.unmet)
    for name in ("names", "sparse"):
        assert records[name].outcome == "passed", (name, records[name].unmet)
    for name in ("fifo", "socket", "symlinks", "deep"):
        assert (records[name].outcome, records[name].failure_kind) == ("failed", "tests_failed"), name
    assert "passwd" not in records["symlinks"].changed_files


def test_100_000_files_are_bounded(calc_spec: Path, tmp_path: Path) -> None:
    record = run(hostile("many"), tmp_path / "results", calc_spec)["many"]
    assert (record.outcome, record.failure_kind) == ("failed", "tests_failed"), record.error
    # calc.py and test_calc.py come first (breadth first), then 4,998 of many/, then only a count.
    assert _skipped(record) == {PAST_BOUND: "95,002 files past the bound of 5,000: not captured"}
    assert len(record.changed_files) == 4_998


def test_an_implementation_behind_a_symlink_or_in_git_is_not_graded(calc_spec: Path, tmp_path: Path) -> None:
    records = run(hostile("in-git", "symlink"), tmp_path / "results", calc_spec)
    git = records["in-git"]
    assert (git.outcome, git.failure_kind) == ("failed", "tests_failed")
    assert _skipped(git) == {".git/": "a .git folder is not captured (not part of the solution)"}
    assert "No module named 'real'" in git.unmet[0]["reason"]
    link = records["symlink"]
    assert (link.outcome, link.failure_kind) == ("failed", "tests_failed")
    assert _skipped(link) == {
        ".git/": "a .git folder is not captured (not part of the solution)",
        "calc.py": "a symlink (not followed)",
    }
    # What was graded is what is stored: the stored files are the snapshot's, and calc.py is gone from both.
    artifacts = tmp_path / "results" / "artifacts" / link.key
    assert not (artifacts / "files" / "calc.py").exists()
    assert "-def add(a, b):" in (artifacts / "diff.patch").read_text()


def test_a_device_node_is_left_out(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    try:
        _device(workspace)
        root, name = workspace, "null"
    except PermissionError:  # no CAP_MKNOD here: the capture function on a real device folder instead
        root, name = Path("/dev"), "null"
    snapshot = take_snapshot(root, SnapshotLimits(max_depth=1))
    assert snapshot.skipped[name] == "a character device"
    assert name not in snapshot.files


def test_a_2_gb_sparse_file_is_left_out_unread(tmp_path: Path) -> None:
    with open(tmp_path / "huge.bin", "wb") as out:
        out.truncate(2 * 1024**3)
    snapshot = take_snapshot(tmp_path)
    assert snapshot.skipped == {"huge.bin": "too large (2,147,483,648 bytes; the bound is 2,000,000): not captured"}


def test_a_hard_link_is_left_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.link(outside, workspace / "leak.txt")
    snapshot = take_snapshot(workspace)
    assert snapshot.skipped == {"leak.txt": "a hard link (the file has other names): not captured"}


def test_a_file_that_changes_while_it_is_copied(tmp_path: Path) -> None:
    target = tmp_path / "moving.py"
    target.write_bytes(b"a" * 1000)
    stop = threading.Event()

    def churn() -> None:
        size = 1000
        while not stop.is_set():
            size = size + 1000 if size < 3_000_000 else 1000
            target.write_bytes(b"b" * size)

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        for _ in range(20):
            snapshot = take_snapshot(tmp_path, SnapshotLimits(max_file_bytes=2_000_000))
            if "moving.py" in snapshot.files:
                data = snapshot.files["moving.py"]
                assert len(data) <= 2_000_000 and set(data) <= {ord("a"), ord("b")}
            else:
                assert "moving.py" in snapshot.skipped
    finally:
        stop.set()
        writer.join()


class Boom(Exception):
    """A bug in one step."""


def test_a_step_that_raises_is_that_attempts_error(
    calc_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_reviewer(attempt: object, files: object) -> list[dict[str, object]]:
        raise Boom("reviewer bug")

    records = run(
        {"fix": ShapingAgent("fix", lambda ws: (ws / "calc.py").write_text(FIXED))},
        tmp_path / "r1",
        calc_spec,
        reviewer=broken_reviewer,
    )
    assert (records["fix"].outcome, records["fix"].failure_kind) == ("error", "review_error")
    error = records["fix"].error or ""
    assert error.startswith("review: ") and error.endswith("Boom: reviewer bug"), error
    assert records["fix"].tests_passed == 2  # the grade stands; only the review is missing

    async def broken_grading(*args: object) -> None:
        raise Boom("grader bug")

    monkeypatch.setattr(attempt_module, "grade_snapshot", broken_grading)
    records = run({"fix": ShapingAgent("fix", lambda ws: None)}, tmp_path / "r2", calc_spec)
    assert (records["fix"].outcome, records["fix"].failure_kind) == ("error", "grading_error")
    assert "grader bug" in (records["fix"].error or "")


def test_a_spec_whose_test_set_cannot_be_graded_records_its_attempts(
    calc_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> None:
        raise Boom("sandbox gone")

    monkeypatch.setattr(run_module, "grade_starter_and_reference", broken)
    monkeypatch.setenv(NO_CACHE_VARIABLE, "1")  # an earlier test's test set for this spec would spare the grading
    agents: dict[str, Agent] = {"a": ShapingAgent("a", lambda ws: None), "b": ShapingAgent("b", lambda ws: None)}
    records = run(agents, tmp_path / "results", calc_spec)
    for record in records.values():
        assert (record.outcome, record.failure_kind) == ("error", "grading_error")
        assert (record.error or "").endswith("Boom: sandbox gone"), record.error


def test_an_attempt_whose_artifacts_cannot_be_stored_is_a_store_error(
    calc_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Store.record

    def refuse_artifacts(self: Store, record: AttemptRecord, staged: Path | None = None) -> None:
        if staged is not None:
            raise OSError(28, "No space left on device")
        original(self, record, staged)

    monkeypatch.setattr(Store, "record", refuse_artifacts)
    agents: dict[str, Agent] = {"a": ShapingAgent("a", lambda ws: None), "b": ShapingAgent("b", lambda ws: None)}
    records = run(agents, tmp_path / "results", calc_spec)
    for record in records.values():
        assert (record.outcome, record.failure_kind) == ("error", "store_error")
        assert record.error == "storing the attempt's artifacts: OSError: [Errno 28] No space left on device"


def test_mkfifo_through_a_command_agent_records_every_spec(cli: RunCli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    # A command agent is given a model; `agentspec serve` stands in for it (the command never calls it).
    with serve_in_thread(load_specs([SPECS])) as server:
        done = cli(
            "run",
            SPECS,
            "--results",
            results,
            "--agent",
            "command:mkfifo pipe",
            "--model",
            "ollama/nop",
            "--base-url",
            server.url,
        )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    attempts = report_json(cli, results)
    assert len(attempts) == 8
    for attempt in attempts:
        assert (attempt["outcome"], attempt["failure_kind"]) == ("failed", "tests_failed"), attempt["error"]
        assert {"path": "pipe", "reason": "a named pipe"} in attempt["skipped_files"]


def test_a_command_agent_without_a_model_leaving_a_pipe_is_recorded(cli: RunCli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = cli("run", SPECS, "--task", "merge-*", "--task", "validators", "--agent", "command:mkfifo pipe",
               "--results", results)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    attempts = report_json(cli, results)
    assert sorted(a["task"] for a in attempts) == ["merge-sorted-lists", "validators"]
    for attempt in attempts:
        assert (attempt["outcome"], attempt["failure_kind"]) == ("failed", "tests_failed")
        assert {"path": "pipe", "reason": "a named pipe"} in attempt["skipped_files"]
