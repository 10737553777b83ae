"""What a sandboxed command sees of the host: the system's runtime, this Python, and what its caller names.

Nothing else is there: no /root, /home, /work, /opt, /var, /srv, /mnt, so no spec suite, hidden test,
reference solution, results store or project checkout, wherever they are. The view is built from:

- `SYSTEM_DIRS` (``/usr``, ``/bin``, ``/lib*``, ...; a merged-usr symlink stays a symlink) and a
  minimal ``/etc`` (`ETC_ENTRIES`: users, name resolution, TLS certificates, the loader's cache, ...);
- `python_paths`: this Python's installation (prefixes and site-packages, also under /root or /tmp),
  never a folder merely on ``sys.path`` (an editable checkout);
- `program_paths`, which a harness or a ``command:`` template passes as ``readonly``: its program
  and the install it belongs to (a virtual environment, the interpreter its ``#!`` line names), and
  every absolute path its command line names.
"""

from __future__ import annotations

import functools
import site
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_ENTRIES = (
    "passwd",
    "group",
    "hosts",
    "host.conf",
    "resolv.conf",
    "nsswitch.conf",
    "gai.conf",
    "protocols",
    "services",
    "ssl",
    "pki",
    "ca-certificates",
    "ca-certificates.conf",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "alternatives",
    "mime.types",
    "os-release",
    "debian_version",
    "terminfo",
)
# Never bound as a whole, even when a caller names them: they hold other users' and the operator's files.
_TOO_WIDE = frozenset(Path(p) for p in ("/", "/root", "/home", "/work", "/opt", "/var", "/srv", "/mnt", "/tmp", "/etc"))


def _outermost(paths: Iterable[Path]) -> tuple[Path, ...]:
    """Existing paths, without those inside another one of them."""
    found = {p for p in paths if p.exists()}
    return tuple(sorted(p for p in found if not any(p != q and p.is_relative_to(q) for q in found)))


def _covered(path: Path) -> bool:
    """Whether the system folders already show `path`."""
    shown = [Path(d) for d in SYSTEM_DIRS if Path(d).exists()] + [Path(d).resolve() for d in SYSTEM_DIRS]
    return any(path.is_relative_to(d) for d in shown)


@functools.cache
def python_paths() -> tuple[Path, ...]:
    """This Python's installation: its prefixes, its site-packages and its executable's real folder."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    found = {Path(c).resolve() for c in candidates if c}
    found.add(Path(sys.executable).resolve().parent)
    found |= {Path(sys.executable).absolute().parent}
    return _outermost(p for p in found if p not in _TOO_WIDE and not _covered(p))


def program_paths(argv: Sequence[str]) -> tuple[Path, ...]:
    """Read-only paths a command needs beyond the system's: its program's install and the paths it names.

    For the program (``argv[0]``, an absolute path): the file, its real location, the virtual
    environment it sits in (a ``pyvenv.cfg`` beside its ``bin/``), and the installation of the
    interpreter its ``#!`` line names. For every other word that is an existing absolute path: that path.
    """
    found: set[Path] = set()
    words = [w for w in argv if w.startswith("/")]
    for word in words:
        path = Path(word)
        if path.exists():
            found |= {path.absolute(), path.resolve()}
    if argv and argv[0].startswith("/"):
        found |= _install_of(Path(argv[0]))
        interpreter = _shebang(Path(argv[0]))
        if interpreter is not None:
            found |= _install_of(interpreter)
    return _outermost(p for p in found if p not in _TOO_WIDE and not _covered(p))


def _install_of(program: Path) -> set[Path]:
    """The folders a program runs from: its own and its real one, widened to a venv or prefix holding ``bin/``."""
    found = set()
    for path in {program.absolute(), program.resolve()}:
        if not path.exists():
            continue
        folder = path.parent
        if folder.name == "bin" and folder.parent not in _TOO_WIDE:
            found.add(folder.parent)  # a venv or an install prefix: its lib/ comes with it
        else:
            found.add(path)
    return found


def _shebang(program: Path) -> Path | None:
    """The interpreter a script's ``#!`` line names (``/usr/bin/env`` lines name none of their own)."""
    try:
        with program.open("rb") as handle:
            first = handle.readline(256)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", errors="replace").split()
    if not words or words[0].endswith("/env"):
        return None
    return Path(words[0])
