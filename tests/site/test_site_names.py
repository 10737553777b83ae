"""Short display names, distinct approaches and the comparison's attribution: small pure functions."""

from __future__ import annotations

from agentspec.publish.approaches import group, shape, summary
from agentspec.publish.compare import TrialFacts, changed_lines, starter_problems
from agentspec.publish.names import short_agent, short_model
from agentspec.spec.model import Spec
from agentspec.store.sqlite import AttemptRecord


def test_a_command_agent_is_named_by_its_program_and_a_hash() -> None:
    long = "command:--parser=json /opt/tools/bin/mycli --model {model} --url {base_url} --task-file {prompt_file}"
    name = short_agent(long)
    assert name.startswith("cmd:mycli·") and len(name) < 20
    assert short_agent(long + " --fast") != name
    assert short_agent('command:python3 -c "print(1)"').startswith("cmd:python3·")
    assert short_agent("command:uvx my-agent --yes").startswith("cmd:uvx my-agent·")
    assert short_agent("claude-code") == "claude-code"
    assert short_agent(long, {long: "mycli"}) == "mycli"


def test_a_long_model_name_keeps_both_ends() -> None:
    model = "openai/Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8-dynamic"
    short = short_model(model)
    assert len(short) <= 30 and short.startswith("openai/") and short.endswith("dynamic")
    assert short_model("ollama/qwen3.5:27b") == "ollama/qwen3.5:27b"
    assert short_model(model, {model: "qwen3-coder"}) == "qwen3-coder"


def test_renaming_and_rewording_keep_the_approach_but_a_lock_changes_it() -> None:
    plain = 'class Cache:\n    """Doc."""\n\n    def get(self, key):\n        return self._data.get(key, "x")\n'
    renamed = "# a comment\nclass Store:\n    def fetch(self, k):\n        return self._items.get(k, 'y')\n"
    locked = (
        "class Cache:\n    def get(self, key):\n        with self._lock:\n            return self._data.get(key, 'x')\n"
    )
    assert shape({"cache.py": plain}) == shape({"cache.py": renamed}) != shape({"cache.py": locked})
    found = group([("a", {"c.py": plain}), ("b", {"c.py": renamed}), ("c", {"c.py": locked})])
    assert [(g.letter, g.members) for g in found] == [("A", ["a", "b"]), ("B", ["c"])]
    assert summary(found) == "2 distinct approaches: A (2 models), B (1)"
    assert shape({"notes.txt": "x"}) is None


def test_changed_lines_are_those_the_agent_added_or_rewrote() -> None:
    starter = "a\nb\nc\n"
    final = "a\nB\nc\nd\n"
    assert changed_lines(starter, final) == {2, 4}


def _record(task: str, changed: list[str], **extra: object) -> AttemptRecord:
    return AttemptRecord(
        key="k", task=task, spec_hash="h", agent="none", model="-", trial=1, outcome="failed",
        failure_kind="tests_failed", tests_passed=0, tests_total=1, duration_s=1.0, changed_files=changed,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_starters_defects_left_in_place_are_not_fixed_not_written(seed_specs: list[Spec]) -> None:
    specs = {s.id: s for s in seed_specs}
    sql = specs["sql-injection"]
    untouched = TrialFacts(_record("sql-injection", []), sql, {}, "", starter_problems(sql))
    mark = untouched.sql()
    assert mark is not None and (mark.good, mark.words) == (False, "not fixed")
    measured = {"function": "records:find_duplicates", "growth": "quadratic", "passed": False, "max_class": "linear"}
    dupes = specs["find-duplicates"]
    slow = TrialFacts(_record("find-duplicates", [], scaling=[measured]), dupes, {}, "", starter_problems(dupes))
    growth = slow.growth()
    assert growth is not None and (growth.good, growth.words) == (False, "quadratic, not fixed")
    fast = TrialFacts(
        _record("find-duplicates", ["records.py"], scaling=[{**measured, "growth": "linear", "passed": True}]),
        dupes, {}, "", starter_problems(dupes),
    )  # fmt: skip
    growth = fast.growth()
    assert growth is not None and (growth.good, growth.words) == (True, "linear")
