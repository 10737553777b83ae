"""One snapshot of the agent's final workspace: what is graded, stored and reviewed, all the same bytes.

Taken once, after the agent has stopped: every regular file, read without following symlinks
(`O_NOFOLLOW`, then `fstat` says it is a regular file before a byte is read), within bounds on
depth, size and count. Refused, and listed with the reason: symlinks (a file behind one is not
the agent's code in the workspace, and following one could read outside it), named pipes, sockets
and devices, hard links, `.git/` (a version-control folder is not part of the solution), unreadable entries,
file names that are not UTF-8 or hold control characters, and whatever lies past a bound.
Build caches (`__pycache__`, `.pytest_cache`) are left out silently.

The grading copy is written from the snapshot, so code that hides behind a symlink or in `.git/`
is absent when the tests run, and what passes is exactly what the artifacts and review show.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The entry that counts the files left out past the bound on their number.
PAST_BOUND = "(past the file bound)"
_IGNORED = frozenset({"__pycache__", ".pytest_cache"})
_REFUSED_FOLDERS = {".git": "a .git folder is not captured (not part of the solution)"}
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISLNK, "a symlink (not followed)"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class SnapshotLimits:
    """Bounds of one snapshot."""

    max_files: int = 5_000
    max_file_bytes: int = 2_000_000
    max_total_bytes: int = 50_000_000
    max_depth: int = 64
    # Past this many entries, what else is left out is counted, not listed.
    max_listed: int = 200


@dataclass
class Snapshot:
    """The regular files of a workspace, by posix path relative to it, and what was left out and why."""

    files: dict[str, bytes] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    # Entries left out past the listing bound: only counted.
    unlisted: int = 0

    def texts(self) -> dict[str, str]:
        """Each file decoded as UTF-8 (undecodable bytes replaced), for diffs and review."""
        return {path: data.decode("utf-8", errors="replace") for path, data in self.files.items()}

    def skipped_list(self) -> list[dict[str, str]]:
        """What was left out, as the record stores it."""
        listed = [{"path": path, "reason": reason} for path, reason in sorted(self.skipped.items())]
        if self.unlisted:
            listed.append({"path": "...", "reason": f"{self.unlisted:,} more entries left out (not listed)"})
        return listed


def take_snapshot(root: Path, limits: SnapshotLimits | None = None) -> Snapshot:
    """Capture the regular files under `root`, breadth first, never following a symlink, never raising for content."""
    limits = limits or SnapshotLimits()
    snapshot = Snapshot()

    def skip(path: str, reason: str) -> None:
        if len(snapshot.skipped) < limits.max_listed:
            snapshot.skipped[path] = reason
        else:
            snapshot.unlisted += 1

    total = past_bound = 0
    queue: deque[tuple[str, int]] = deque([("", 0)])
    while queue:
        folder, depth = queue.popleft()
        try:
            with os.scandir(root / folder if folder else root) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            skip(folder or ".", f"unreadable folder ({exc.strerror})")
            continue
        for entry in entries:
            relative = f"{folder}/{entry.name}" if folder else entry.name
            if entry.name in _IGNORED:
                continue
            if len(snapshot.files) >= limits.max_files and not entry.is_dir(follow_symlinks=False):
                past_bound += 1  # counted from the directory listing alone: no system call per file
                continue
            problem = _name_problem(entry.name)
            if problem:
                skip(_printable(relative), problem)
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                skip(relative, f"unreadable ({exc.strerror})")
                continue
            if stat.S_ISDIR(info.st_mode):
                if entry.name in _REFUSED_FOLDERS:
                    skip(relative + "/", _REFUSED_FOLDERS[entry.name])
                elif depth + 1 > limits.max_depth:
                    skip(relative + "/", f"deeper than {limits.max_depth} folders: not captured")
                else:
                    queue.append((relative, depth + 1))
                continue
            kind = next((label for test, label in _KINDS if test(info.st_mode)), None)
            if kind is not None or not stat.S_ISREG(info.st_mode):
                skip(relative, kind or "not a regular file")
                continue
            if len(snapshot.files) >= limits.max_files:
                past_bound += 1
                continue
            data, problem = _read(root / relative, min(limits.max_file_bytes, limits.max_total_bytes - total))
            if data is None:
                skip(relative, problem)
                continue
            snapshot.files[relative] = data
            total += len(data)
    if past_bound:
        snapshot.skipped[PAST_BOUND] = f"{past_bound:,} files past the bound of {limits.max_files:,}: not captured"
    return snapshot


def _read(path: Path, limit: int) -> tuple[bytes | None, str]:
    """The file's bytes (at most `limit`), opened without following a symlink and checked to be a regular file."""
    try:
        fd = os.open(path, _FILE_FLAGS)
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_nlink > 1:
            # Another name for the same file may lie outside the workspace (a hard link to a secret, say).
            return None, "a hard link (the file has other names): not captured"
        if info.st_size > limit:
            return None, f"too large ({info.st_size:,} bytes; the bound is {limit:,}): not captured"
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return None, f"grew past {limit:,} bytes while read: not captured"
        return b"".join(chunks), ""
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    finally:
        os.close(fd)


def _name_problem(name: str) -> str:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not UTF-8: not captured"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "file name holds a control character: not captured"
    return ""


def _printable(path: str) -> str:
    """The path with undecodable bytes and control characters escaped, for the record."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="backslashreplace").encode("unicode_escape").decode("ascii")


def changed_paths(snapshot: Snapshot, starter: Mapping[str, str]) -> list[str]:
    """Paths whose content differs from the starter's (added, changed or deleted)."""
    paths = snapshot.files.keys() | starter.keys()
    return sorted(p for p in paths if p not in starter or snapshot.files.get(p) != starter[p].encode("utf-8"))
