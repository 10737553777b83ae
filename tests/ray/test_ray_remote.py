"""What travels between driver and worker: artifacts packed as bytes and staged back, never outside their folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentspec.runner.plan import Cell, plan
from agentspec.runner.remote import ShippedAttempt, lost, pack
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS


def test_artifacts_round_trip_and_stay_in_their_folder(tmp_path: Path) -> None:
    (attempt,) = plan(load_specs([SPECS / "validators.toml"]), [Cell("none")])
    source = tmp_path / "worker"
    (source / "files" / "pkg").mkdir(parents=True)
    (source / "diff.patch").write_text("+++ b/x\n")
    (source / "files" / "pkg" / "mod.py").write_bytes(b"\xff binary is fine\n")
    (source / "link").symlink_to(source / "diff.patch")
    packed = pack(source)
    assert packed == {"diff.patch": b"+++ b/x\n", "files/pkg/mod.py": b"\xff binary is fine\n"}

    record = lost(attempt, "WorkerCrashedError after 1 retries: gone", 1.23456)
    assert (record.outcome, record.failure_kind, record.duration_s) == ("error", "worker_lost", 1.235)
    staged_record, staged = ShippedAttempt(record, packed).stage(tmp_path / "driver" / "artifacts")
    assert staged_record is record and pack(staged) == packed

    with pytest.raises(ValueError, match="leaves its folder"):
        ShippedAttempt(record, {"../escape.txt": b"x"}).stage(tmp_path / "elsewhere")
    assert not (tmp_path / "escape.txt").exists()
