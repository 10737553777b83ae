"""Synthetic results for trying the site, for its tests and for its benchmark: plausible attempts in a real store.

Each attempt gets what a real one leaves: final files (the spec's solution, varied), a diff against the
starter, per-test results, review findings at real lines, test output and a transcript with tool calls.
With ``hostile=True`` model-written text also carries markup, fences, template tags and control
characters, each of which sets ``window.__agentspecPwned`` if a browser ever runs it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentspec.failures import FailureKind
from agentspec.review.facts import coverage_data, thread_safety_data
from agentspec.spec.model import Spec
from agentspec.store.sqlite import AttemptRecord, Store

# (agent, model, pass probability, mean seconds, failure kind when failing)
ENTRIES: tuple[tuple[str, str, float, float, FailureKind], ...] = (
    ("claude-code", "ollama/gemma4:31b", 0.95, 65.0, FailureKind.TESTS_FAILED),
    ("claude-code", "ollama/qwen3.5:27b", 0.9, 42.0, FailureKind.TESTS_FAILED),
    ("claude-code", "ollama/qwen3-coder-next:80b", 0.9, 45.0, FailureKind.MAX_TURNS),
    ("claude-code", "openai/minimax-m2.5", 0.92, 48.0, FailureKind.AGENT_TIMEOUT),
    ("claude-code", "ollama/devstral2:123b", 0.0, 20.0, FailureKind.TOOL_FORMAT),
    ("aider", "ollama/qwen3.5:27b", 0.8, 55.0, FailureKind.TESTS_FAILED),
)
HOSTILE = (
    "<script>window.__agentspecPwned = 'script'</script>",
    "</textarea></pre></code></div></details><script>window.__agentspecPwned = 'break-out'</script>",
    "<img src=x onerror=\"window.__agentspecPwned = 'img'\">",
    "[click me](javascript:window.__agentspecPwned='link') <a href=\"javascript:alert(1)\">a</a>",
    "```\n</div><script>window.__agentspecPwned = 'fence'</script>\n```",
    "{% raw %}{{ config.site_name }}{% endraw %} {{ 7 * 7 }} {% include 'base.html' %}",
    '--8<-- "/etc/passwd"',
    "\x02wzxhzdk:0\x03 NUL:\x00 ESC:\x1b[31m",
    "<!-- an unterminated comment",
    "<svg onload=\"window.__agentspecPwned = 'svg'\"></svg>",
    '"><script>window.__agentspecPwned = "attribute"</script>',
    "*emphasis* _under_ # heading | a | table | $$x$$ ==mark== ~~del~~",
)
_TEST = re.compile(r"^\s*def (test_\w+)", re.MULTILINE)
# (starter files, solution files, test ids)
_Files = tuple[dict[str, str], dict[str, str], list[str]]


def _hostile_text(rng: random.Random) -> str:
    return "\n".join(rng.sample(HOSTILE, 4))


def _files(spec: Spec | None, index: int) -> _Files:
    """(starter, solution, test ids) of a spec, or of a made-up task."""
    if spec is not None:
        starter = {f.path: f.text for f in spec.files}
        solution = {**starter, **{f.path: f.text for f in spec.solution}}
        tests = [f"{t.path.rsplit('/', 1)[-1][:-3]}::{name}" for t in spec.tests for name in _TEST.findall(t.text)]
        return starter, solution, tests or ["test_task::test_it"]
    body = "\n".join(f"def step_{n}(items):\n    return [x * {n} for x in items]\n" for n in range(12))
    starter = {f"task{index}.py": '"""A made-up task."""\n\n' + body}
    solution = {f"task{index}.py": '"""A made-up task, solved."""\n\n' + body + "\nDONE = True\n"}
    return starter, solution, [f"test_task{index}::test_case_{n}" for n in range(10)]


def _attempt(rng: random.Random, task: str, files: _Files, hostile: bool) -> dict[str, Any]:
    """Final files, findings and transcript of one attempt."""
    starter, solution, _ = files
    final, findings = dict(solution), []
    path = sorted(p for p in final if p.endswith(".py"))[0]
    lines = final[path].split("\n")
    spot = rng.randrange(1, max(2, len(lines)))
    if rng.random() < 0.3:
        lines.insert(spot, "    # Wait, the tests don't explicitly check this; keep it simple.")
        findings.append(_finding("leaked-reasoning", "warning", path, spot + 1, "the model's reasoning was left in"))
    if hostile:
        lines.insert(spot, "# " + _hostile_text(rng).replace("\n", "\n# ").replace("\x00", "NUL"))
        findings.append(_finding("placeholder", "warning", path, spot + 1, _hostile_text(rng)))
        final["hostile/<img src=x onerror=\"window.__agentspecPwned='path'\">.txt"] = _hostile_text(rng)
    final[path] = "\n".join(lines)
    if "cache" in task:
        safe = rng.random() < 0.5
        message = "class Cache is thread-safe: every mutation holds self._lock"
        if not safe:
            message = "class Cache is not thread-safe: 1 mutation(s) outside self._lock"
        facts = thread_safety_data(
            "Cache",
            thread_safe=safe,
            cause=None if safe else "unguarded-write",
            guards=["self._lock"],
            unguarded=0 if safe else 1,
        )
        findings.append(_finding("thread-safety", "info", path, 1, message, facts))
    documented = rng.randint(2, 6)
    message = f"docstring coverage {documented}/6 ({round(100 * documented / 6)}%)"
    findings.append(_finding("docstrings", "info", path, 1, message, coverage_data(documented, 6)))
    changed = sorted(p for p in final.keys() | starter.keys() if final.get(p) != starter.get(p))
    diff = "".join(
        "".join(difflib.unified_diff(starter.get(p, "").splitlines(True), final.get(p, "").splitlines(True), p, p))
        for p in changed
    )
    return {"final": final, "changed": changed, "findings": findings, "diff": diff}


def _finding(
    rule: str, severity: str, path: str, line: int, message: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    where = {"path": path, "line": line, "column": 1}
    return {"rule": rule, "severity": severity, **where, "message": message, "data": data or {}}


def _transcript(rng: random.Random, instructions: str, final: dict[str, str], hostile: bool) -> list[dict[str, Any]]:
    extra = _hostile_text(rng) if hostile else ""
    messages: list[dict[str, Any]] = [{"role": "user", "content": instructions}]
    for path, text in sorted(final.items()):
        messages += [
            {
                "role": "assistant",
                "content": f"Let me look at {path}. {extra}",
                "thinking": f"The tests want {path} changed. I should read it first. {extra}",
                "tool_calls": [{"id": "c1", "name": "read_file", "arguments": {"path": path}}],
            },
            {"role": "tool", "tool_name": "read_file", "content": text[:3000]},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": "c2", "name": "write_file", "arguments": {"path": path, "content": text}}],
            },
            {"role": "tool", "tool_name": "write_file", "content": f"wrote {len(text)} bytes"},
        ]
    messages.append({"role": "assistant", "content": f"All tests pass now. {extra}", "usage": {"output_tokens": 321}})
    return messages


def _entries(count: int) -> list[tuple[str, str, float, float, FailureKind]]:
    """The first `count` sample entries; past `ENTRIES`, made-up models through the builtin agent."""
    extra = range(count - len(ENTRIES))
    made_up = [("builtin", f"ollama/sample-model-{n}:7b", 0.5, 30.0, FailureKind.TESTS_FAILED) for n in extra]
    return [*ENTRIES, *made_up][:count]


def write_sample(
    results: Path,
    specs: Sequence[Spec] = (),
    *,
    tasks: int = 8,
    entries: int = 5,
    trials: int = 1,
    hostile: bool = False,
    seed: int = 0,
) -> int:
    """Record synthetic attempts (tasks x entries x trials) into a results folder; return how many."""
    rng = random.Random(seed)
    chosen = list(specs)[:tasks]
    task_files: list[tuple[str, Spec | None, _Files]] = [(s.id, s, _files(s, i)) for i, s in enumerate(chosen)]
    task_files += [(f"made-up-{i}", None, _files(None, i)) for i in range(len(chosen), tasks)]
    command = "agentspec run specs/ --trials " + str(trials) + (" " + HOSTILE[0] if hostile else "")
    with Store(results) as store:
        run = store.start_run(command, {"specs": {t: (s.content_hash() if s else "0" * 16) for t, s, _ in task_files}})
        staging = results / ".staging"
        count = 0
        for task, spec, files in task_files:
            instructions = spec.instructions if spec else f"Solve made-up task {task}."
            for agent, model, rate, mean, failure in _entries(entries):
                for trial in range(1, trials + 1):
                    _record(
                        store,
                        staging,
                        rng,
                        run.id,
                        (task, spec, files),
                        (agent, model, rate, mean, failure),
                        trial,
                        instructions,
                        hostile,
                    )
                    count += 1
        store.finish_run(run.id, {"ran": count, "sandbox": "bwrap"})
    return count


def _record(
    store: Store,
    staging: Path,
    rng: random.Random,
    run_id: str,
    task_info: tuple[str, Spec | None, _Files],
    entry: tuple[str, str, float, float, FailureKind],
    trial: int,
    instructions: str,
    hostile: bool,
) -> None:
    task, spec, files = task_info
    agent, model, rate, mean, failure = entry
    passed = rng.random() < rate
    made = _attempt(rng, task, files, hostile)
    tests = [
        {
            "id": t,
            "outcome": "passed" if passed or rng.random() < 0.6 else "failed",
            "message": "" if passed else "AssertionError: assert 3 == 4" + (_hostile_text(rng) if hostile else ""),
        }
        for t in files[2]
    ]
    key = f"{task}-{agent}-{model}-{trial}".replace("/", "_").replace(":", "_")
    folder = staging / key
    (folder / "files").mkdir(parents=True, exist_ok=True)
    for path in made["changed"]:
        if path in made["final"]:
            target = folder / "files" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(made["final"][path], encoding="utf-8")
    (folder / "diff.patch").write_text(made["diff"], encoding="utf-8")
    output = f"{'.' * len(tests)}\n{sum(t['outcome'] == 'passed' for t in tests)} passed in 0.12s\n"
    (folder / "test-output.txt").write_text(output + (_hostile_text(rng) if hostile else ""), encoding="utf-8")
    transcript = _transcript(rng, instructions, made["final"], hostile)
    (folder / "transcript.json").write_text(json.dumps(transcript, indent=1), encoding="utf-8")
    duration = max(0.5, rng.lognormvariate(0, 0.35) * mean)
    store.record(
        AttemptRecord(
            key=key,
            task=task,
            spec_hash=spec.content_hash() if spec else "0" * 16,
            agent=agent,
            model=model,
            trial=trial,
            outcome="passed" if passed else ("error" if failure == FailureKind.TOOL_FORMAT else "failed"),
            failure_kind=None if passed else failure,
            tests_passed=sum(t["outcome"] == "passed" for t in tests),
            tests_total=len(tests),
            duration_s=round(duration, 3),
            run_id=run_id,
            agent_duration_s=round(duration * 0.9, 3),
            grade_duration_s=round(duration * 0.1, 3),
            turns=rng.randint(4, 30),
            tokens_in=rng.randint(5_000, 60_000),
            tokens_out=rng.randint(500, 6_000),
            error=None if passed or not hostile else _hostile_text(rng),
            tests=tests,
            changed_files=made["changed"],
            findings=made["findings"],
            backend={
                "server": "ollama" if model.startswith("ollama") else "vllm",
                "server_version": "0.12.3" + (" " + HOSTILE[2] if hostile else ""),
                "model_digest": "sha256:" + hashlib.sha256(model.encode()).hexdigest()[:12],
            },
            finished_at=time.time(),
        ),
        folder,
    )
