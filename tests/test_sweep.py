"""The stale-run sweep and tree removal: only agentspec's own dead folders, any depth, never following a link."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from agentspec.runner.sweep import WORK_PREFIX, sweep_stale_work_dirs
from agentspec.runner.tree import remove_tree
from agentspec.sandbox.relay import RELAY_PREFIX, EndpointRelay
from agentspec.sandbox.routes import route_endpoint


def dead_pid() -> int:
    """The id of a process that has exited (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def deep_tree(root: Path, depth: int) -> None:
    """`root/d/d/.../d` `depth` levels deep (past PATH_MAX as a path), a file at every 1,000th level."""
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for level in range(depth):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
        if level % 1000 == 0:
            os.close(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.symlink("/etc/passwd", "passwd", dir_fd=fd)
    os.close(fd)


def test_a_dead_runs_5000_deep_folder_is_swept_and_nothing_else(tmp_path: Path) -> None:
    pid = dead_pid()
    dead = tmp_path / f"{WORK_PREFIX}{pid}-abc"
    deep_tree(dead, 5_000)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    (dead / "link-out").symlink_to(outside)
    (dead / "locked").mkdir()
    (dead / "locked" / "x").write_text("y")
    (dead / "locked").chmod(0)
    alive = tmp_path / f"{WORK_PREFIX}{os.getpid()}-xyz"
    alive.mkdir()
    parent = tmp_path / f"{WORK_PREFIX}{os.getppid()}-xyz"
    parent.mkdir()
    linked = tmp_path / f"{WORK_PREFIX}{dead_pid()}-link"
    linked.symlink_to(outside)
    other = tmp_path / f"someone-else-{pid}-abc"
    other.mkdir()

    assert sweep_stale_work_dirs(tmp_path) == [dead]
    assert not dead.exists()
    assert (outside / "keep.txt").read_text() == "mine"
    assert alive.is_dir() and parent.is_dir() and other.is_dir()
    assert linked.is_symlink()  # not ours to follow, nor to remove
    assert Path("/etc/passwd").is_file()


def test_what_cannot_be_removed_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = tmp_path / f"{WORK_PREFIX}{dead_pid()}-abc"
    (dead / "sub").mkdir(parents=True)
    (dead / "sub" / "f").write_text("x")

    def refuse(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "unlink", refuse)
    with pytest.warns(RuntimeWarning, match="could not remove a dead run's scratch folder: .*Operation not permitted"):
        assert sweep_stale_work_dirs(tmp_path) == []
    monkeypatch.undo()
    assert (dead / "sub" / "f").is_file()


def test_remove_tree_on_a_symlink_removes_the_link_only(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert remove_tree(link) == []
    assert not link.is_symlink() and (target / "keep").is_file()
    assert remove_tree(tmp_path / "absent") == []


def test_a_killed_runs_relay_folder_is_swept_and_a_live_ones_kept(tmp_path: Path) -> None:
    # A harness's relay folder holds Unix sockets; agentspec killed with -9 leaves it behind.
    async def live_folder() -> Path:
        relay = EndpointRelay([route_endpoint("http://127.0.0.1:8080/v1")])
        async with relay:
            assert relay.folder is not None and list((relay.folder / "sockets").iterdir())
            return relay.folder

    made = asyncio.run(live_folder())
    assert made.name.startswith(f"{RELAY_PREFIX}{os.getpid()}-") and not made.exists()
    dead = tmp_path / f"{RELAY_PREFIX}{dead_pid()}-abc"
    (dead / "sockets").mkdir(parents=True)
    short = Path(tempfile.mkdtemp())  # a socket's path must fit in 108 bytes; it is made there and moved in
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(short / "0.sock"))
    (short / "0.sock").rename(dead / "sockets" / "0.sock")
    short.rmdir()
    (dead / "hosts").write_text("127.0.0.1 localhost\n")
    alive = tmp_path / f"{RELAY_PREFIX}{os.getpid()}-xyz"
    alive.mkdir()
    assert sweep_stale_work_dirs(tmp_path) == [dead]
    assert alive.is_dir()
