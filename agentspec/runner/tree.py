"""Removing a folder an agent may have shaped: any depth, any permissions, never following a symlink.

`shutil.rmtree` recurses on Python's stack (a 5,000-deep folder raises RecursionError on Python 3.11)
and works with full paths (past 4,096 bytes the kernel refuses them). `remove_tree` walks with one
directory descriptor at a time, relative to it, so neither depth nor path length matters, and a
failure to remove one entry is reported, not raised.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def remove_tree(root: Path) -> list[str]:
    """Remove `root` and everything under it; return what could not be removed, one line each.

    A symlink is removed, never followed (`root` itself included). Folders without permissions are
    given them first. Never raises for what it finds in the tree.
    """
    try:
        mode = os.lstat(root).st_mode
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [f"{root}: {exc.strerror}"]
    if not stat.S_ISDIR(mode):
        return _unlink(root, None, str(root))
    problems: list[str] = []
    try:
        os.chmod(root, 0o700)
        fd = os.open(root, _DIR_FLAGS)
    except OSError as exc:
        return [f"{root}: {exc.strerror}"]
    # (name, identity of the folder that holds it): the way back up, checked at each step.
    trail: list[tuple[str, tuple[int, int]]] = []
    stuck: set[tuple[int, int]] = set()
    while True:
        child = _clear_files_and_find_folder(fd, root, trail, stuck, problems)
        if child is not None:
            name, child_fd = child
            trail.append((name, _identity(fd)))
            os.close(fd)
            fd = child_fd
            continue
        if not trail:
            os.close(fd)
            break
        name, parent_identity = trail.pop()
        parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
        os.close(fd)
        fd = parent
        if _identity(fd) != parent_identity:
            os.close(fd)
            return [*problems, f"{root}: the tree moved while it was being removed; stopped"]
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError as exc:
            stuck.add(_identity_of(fd, name))
            problems.append(f"{_shown(root, trail, name)}: {exc.strerror}")
    try:
        os.rmdir(root)
    except OSError as exc:
        problems.append(f"{root}: {exc.strerror}")
    return problems


def _clear_files_and_find_folder(
    fd: int, root: Path, trail: list[tuple[str, tuple[int, int]]], stuck: set[tuple[int, int]], problems: list[str]
) -> tuple[str, int] | None:
    """Unlink every non-folder entry of `fd`; return the first folder still to empty, opened, if any."""
    with os.scandir(fd) as entries:
        listed = list(entries)
    for entry in listed:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in stuck:
            continue
        if not stat.S_ISDIR(info.st_mode):
            failed = _unlink(entry.name, fd, _shown(root, trail, entry.name))
            if failed:
                stuck.add((info.st_dev, info.st_ino))
                problems.extend(failed)
            continue
        try:
            if info.st_mode & 0o700 != 0o700:
                os.chmod(entry.name, 0o700, dir_fd=fd)
            return entry.name, os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
        except OSError as exc:
            stuck.add((info.st_dev, info.st_ino))
            problems.append(f"{_shown(root, trail, entry.name)}: {exc.strerror}")
    return None


def _unlink(name: str | Path, dir_fd: int | None, shown: str) -> list[str]:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [f"{shown}: {exc.strerror}"]
    return []


def _identity(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _identity_of(dir_fd: int, name: str) -> tuple[int, int]:
    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    return info.st_dev, info.st_ino


def _shown(root: Path, trail: list[tuple[str, tuple[int, int]]], name: str) -> str:
    """A readable path for a message, shortened in the middle when the tree is deep."""
    parts = [name for name, _ in trail]
    middle = "/".join(parts) if len(parts) <= 6 else "/".join([*parts[:3], "...", *parts[-2:]])
    return f"{root}/{middle}/{name}" if middle else f"{root}/{name}"
