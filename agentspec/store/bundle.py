"""Bundles: a self-contained zip of recorded attempts that another results store can merge.

A bundle holds `bundle.json` (format, agentspec version, the exporting machine, the runs, the spec
versions the attempts ran, and each attempt's record with the SHA-256 of every artifact file),
`bundle.sha256` (the digest of `bundle.json`) and `artifacts/<key>/<path>` files.

Merging checks everything before it writes anything: the format and version, the manifest's digest,
every member's name (no absolute paths, no `..`, no links, nothing outside the manifest) and digest, and
the total size. Merging is idempotent: an attempt already in the store with the same content is left
alone; an attempt whose key is taken by different content is kept apart under `<key>@<digest>` and
reported, never overwritten. The digests catch corruption and edits that did not recompute them; a
bundle is not signed, so they do not prove who made it.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import socket
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

from agentspec.errors import UsageError
from agentspec.store.sqlite import AttemptRecord, Run, Store
from agentspec.version import __version__

FORMAT = "agentspec-bundle"
FORMAT_VERSION = 1
MANIFEST = "bundle.json"
CHECKSUM = "bundle.sha256"
# A bundle that unpacks past this is refused (a zip bomb, or not what agentspec writes).
MAX_UNPACKED_BYTES = 4 * 1024**3
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
# Fields that describe where a record sits, not what happened: they may differ between two stores.
_LOCAL_FIELDS = ("run_id", "origin", "key")


class BundleError(UsageError):
    """A bundle that cannot be merged (bad format, tampered, unsafe names); nothing was written."""


@dataclass
class MergeReport:
    """What merging one bundle did."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)


def machine() -> dict[str, str]:
    """The machine an attempt ran on, as recorded in bundles and on merged attempts."""
    return {"hostname": socket.gethostname(), "platform": platform.platform(), "python": platform.python_version()}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_digest(record: dict[str, Any], artifacts: dict[str, str]) -> str:
    """A digest of what an attempt is (its record less where it sits, and its artifacts' digests)."""
    kept = {k: v for k, v in record.items() if k not in _LOCAL_FIELDS}
    return _digest(json.dumps([kept, artifacts], sort_keys=True).encode())


def _artifact_digests(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): _digest(p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def export(store: Store, records: Sequence[AttemptRecord], out: Path) -> int:
    """Write `records` (with their artifacts, runs and spec versions) to the bundle `out`; return how many."""
    run_ids = {r.run_id for r in records}
    runs = [vars(run) for run in store.runs() if run.id in run_ids]
    specs = {r.spec_hash: spec for r in records if (spec := store.spec(r.spec_hash)) is not None}
    entries = []
    for record in records:
        artifacts = _artifact_digests(store.artifact_dir(record.key))
        entries.append({"record": record.as_dict(), "artifacts": artifacts})
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "agentspec_version": __version__,
        "created_at": time.time(),
        "machine": machine(),
        "runs": runs,
        "specs": specs,
        "attempts": entries,
    }
    data = json.dumps(manifest, sort_keys=True, indent=1).encode()
    partial = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, data)
        archive.writestr(CHECKSUM, _digest(data) + "\n")
        for entry in entries:
            key = entry["record"]["key"]
            for path in entry["artifacts"]:
                archive.write(store.artifact_dir(key) / path, f"artifacts/{key}/{path}")
    partial.replace(out)
    return len(entries)


@dataclass(frozen=True)
class _Bundle:
    path: Path
    manifest: dict[str, Any]


def _refuse(path: Path, why: str) -> BundleError:
    return BundleError(f"{path}: not merged: {why}")


def _safe_member(name: str) -> bool:
    if "\\" in name or "\0" in name or name.startswith("/"):
        return False
    parts = PurePosixPath(name).parts
    return bool(parts) and all(part not in ("", ".", "..") for part in parts)


def read_bundle(path: Path) -> _Bundle:
    """Open and check a bundle completely; raise BundleError saying why it cannot be merged."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise _refuse(path, "no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(path, f"not a readable bundle (truncated or not a zip file: {exc})") from None
    with archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        if MANIFEST not in names or CHECKSUM not in names:
            raise _refuse(path, f"no {MANIFEST} (not a bundle written by `agentspec export`)")
        if len(set(names)) != len(names):
            raise _refuse(path, "a member name appears twice")
        if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise _refuse(path, f"it unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        for info in infos:
            if not _safe_member(info.filename) or (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise _refuse(path, f"unsafe member name {info.filename!r} (absolute, '..', or a link)")
        try:
            data = archive.read(MANIFEST)
            expected = archive.read(CHECKSUM).decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _refuse(path, f"truncated or corrupt ({exc})") from None
        if _digest(data) != expected:
            raise _refuse(path, f"{MANIFEST} does not match {CHECKSUM} (the bundle was changed after export)")
        try:
            manifest = json.loads(data)
        except ValueError:
            raise _refuse(path, f"{MANIFEST} is not JSON") from None
        _check_manifest(path, manifest)
        listed = {
            f"artifacts/{entry['record']['key']}/{name}": digest
            for entry in manifest["attempts"]
            for name, digest in entry["artifacts"].items()
        }
        extra = set(names) - set(listed) - {MANIFEST, CHECKSUM}
        if extra:
            raise _refuse(path, f"members not in the manifest: {', '.join(sorted(extra)[:3])}")
        for name, digest in listed.items():
            if name not in names:
                raise _refuse(path, f"artifact {name} is listed but missing")
            try:
                content = archive.read(name)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise _refuse(path, f"artifact {name} is corrupt ({exc})") from None
            if _digest(content) != digest:
                raise _refuse(path, f"artifact {name} does not match its digest (changed after export)")
    return _Bundle(path, manifest)


def _check_manifest(path: Path, manifest: Any) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(path, f"not an {FORMAT}")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise _refuse(
            path,
            f"bundle format {version!r} (agentspec {manifest.get('agentspec_version', '?')}); this agentspec "
            f"reads format {FORMAT_VERSION}: merge it with the agentspec version that wrote it",
        )
    known = {f.name for f in fields(AttemptRecord)}
    attempts = manifest.get("attempts")
    if not isinstance(attempts, list) or not isinstance(manifest.get("runs"), list):
        raise _refuse(path, "the manifest has no attempts or runs list")
    for entry in attempts:
        record = entry.get("record") if isinstance(entry, dict) else None
        if not isinstance(record, dict) or not isinstance(entry.get("artifacts"), dict):
            raise _refuse(path, "an attempt entry is not a record with artifacts")
        unknown = set(record) - known
        if unknown:
            raise _refuse(
                path,
                f"records carry fields this agentspec does not know ({', '.join(sorted(unknown))}); "
                f"it was written by agentspec {manifest.get('agentspec_version', '?')}: upgrade to merge it",
            )
        key = record.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise _refuse(path, f"unsafe attempt key {key!r}")
        if not all(isinstance(name, str) and _safe_member(name) for name in entry["artifacts"]):
            raise _refuse(path, f"unsafe artifact name in attempt {key}")
        try:
            AttemptRecord(**record)
        except TypeError as exc:
            raise _refuse(path, f"attempt {key} is not a complete record ({exc})") from None


def merge(store: Store, path: Path) -> MergeReport:
    """Add a bundle's attempts to `store` (see the module docstring); raise BundleError before writing if bad."""
    bundle = read_bundle(path)
    manifest = bundle.manifest
    report = MergeReport()
    origin = {"machine": manifest.get("machine", {}), "bundle": path.name}
    for run in manifest["runs"]:
        store.add_run(Run(run["id"], run["started_at"], run.get("finished_at"), run["command"], run["details"]))
    for spec_hash, spec in manifest.get("specs", {}).items():
        store.save_spec(spec_hash, spec)
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory(dir=store.folder) as staging:
        for entry in manifest["attempts"]:
            record = AttemptRecord(**entry["record"])
            digest = content_digest(entry["record"], entry["artifacts"])
            key = _free_key(store, record.key, digest)
            if key is None:
                report.unchanged.append(record.key)
                continue
            if key != record.key:
                report.conflicts.append((record.key, key))
            staged = Path(staging) / key
            staged.mkdir()
            for name in entry["artifacts"]:
                target = staged / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(f"artifacts/{record.key}/{name}"))
            record.key = key
            record.origin = {**origin, **record.origin, "bundle": path.name}
            store.record(record, staged)
            report.added.append(key)
    return report


def _free_key(store: Store, key: str, digest: str) -> str | None:
    """Where an incoming attempt goes: its key, `key@digest` when taken by other content, None when present."""
    for candidate in (key, f"{key}@{digest[:12]}"):
        existing = store.get(candidate)
        if existing is None:
            return candidate
        if content_digest(existing.as_dict(), _artifact_digests(store.artifact_dir(candidate))) == digest:
            return None
    raise BundleError(f"attempt {key}: both {key} and {key}@{digest[:12]} hold other content; not merged")
