"""`agentspec new` and `agentspec import` through the CLI: what they write validates and is healthy."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli


def test_new_writes_a_healthy_skeleton(cli: RunCli, tmp_path: Path) -> None:
    made = cli("new", "fix-thing", "--kind", "security-fix", "--dir", tmp_path / "specs")
    assert made.returncode == 0, made.stderr
    spec = tmp_path / "specs" / "fix-thing.toml"
    assert spec.is_file()
    assert cli("validate", spec).returncode == 0
    assert cli("check", spec).returncode == 0
    again = cli("new", "fix-thing", "--dir", tmp_path / "specs")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_import_then_check(cli: RunCli, tmp_path: Path) -> None:
    task = tmp_path / "task"
    (task / "tests").mkdir(parents=True)
    (task / "stack.py").write_text("class Stack:\n    def __init__(self):\n        self.items = []\n")
    (task / "tests" / "test_stack.py").write_text(
        "from stack import Stack\n\n\ndef test_push_pop():\n    s = Stack()\n    s.push(1)\n    assert s.pop() == 1\n"
    )
    solution = tmp_path / "solution"
    solution.mkdir()
    (solution / "stack.py").write_text(
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n"
        "    def push(self, item):\n        self.items.append(item)\n\n"
        "    def pop(self):\n        return self.items.pop()\n"
    )
    out = tmp_path / "specs" / "stack.toml"
    done = cli("import", task, "--id", "stack", "--solution", solution, "--kind", "tdd", "-o", out)
    assert done.returncode == 0, done.stderr
    assert cli("validate", out).returncode == 0
    health = cli("check", out)
    assert health.returncode == 0, health.stdout + health.stderr
    assert "1 healthy" in health.stdout
