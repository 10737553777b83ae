"""`run`: what `agentspec run` does, as a function: plan, preflight, run, grade, review and store the attempts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agentspec.api.cells import backends_by_name, check_cells, make_agents, plan_summary, preflight_endpoints
from agentspec.api.observer import RunObserver
from agentspec.api.options import RunOptions, RunSetup, resolve
from agentspec.api.project import Project
from agentspec.api.reporting import Report
from agentspec.errors import UsageError
from agentspec.providers import ProviderSettings
from agentspec.runner.executors import make_executor
from agentspec.runner.plan import Cell, plan
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.sandbox.command import Mode
from agentspec.selection import selects
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from agentspec.store.bundle import machine
from agentspec.store.sqlite import AttemptRecord, Store
from agentspec.version import __version__

HINT = (
    "No agent or model given: running the reference solutions. To evaluate a model, name it: "
    "--model ollama/qwen3.5:27b (Ollama), --model openai/NAME --base-url http://127.0.0.1:8000/v1 (vLLM), "
    "with --agent claude-code or --agent aider to go through a harness."
)


class RunInterrupted(KeyboardInterrupt):
    """A run was interrupted (Ctrl-C); what finished is recorded and the observer was told how to resume."""


@dataclass(frozen=True)
class RunResult:
    """What a run left: the records of every planned attempt (new and already recorded) and where they are.

    Attributes:
        results: The results folder.
        records: The recorded attempts of the plan, this run's and earlier ones'.
        planned: How many attempts the plan has.
        ran: How many this run ran (0 when all were already recorded).
        run_id: This run's id in the store, None when nothing ran.
    """

    results: Path
    records: list[AttemptRecord]
    planned: int
    ran: int
    run_id: str | None

    @property
    def report(self) -> Report:
        """The plan's records as a report: leaderboard, grid, JSON, Markdown."""
        return Report(self.records)


def run(
    paths: Sequence[str | Path],
    *,
    agent: str | None = None,
    model: str | Sequence[str] | None = None,
    base_url: str | None = None,
    trials: int | None = None,
    concurrency: int | None = None,
    endpoint_concurrency: int | None = None,
    results: str | Path | None = None,
    tasks: Sequence[str] = (),
    rerun: bool = False,
    retry_errors: bool = False,
    sandbox: Mode | None = None,
    executor: str | None = None,
    ray_address: str | None = None,
    stream: bool = True,
    check_endpoints: bool = True,
    max_tokens: int | None = None,
    project: Project | None = None,
    observer: RunObserver | None = None,
    command: str | None = None,
) -> RunResult:
    """Run specs against agents and models, grade, review and store the attempts, as `agentspec run` does.

    A setting left None comes from the project config (`agentspec.toml` or `[tool.agentspec]` found from the
    current folder), else its default; see `agentspec.api.options` for the whole table. With no agent and
    no model, the config's matrix runs, else the reference solutions. Attempts already recorded are skipped.

    Args:
        paths: Spec files or folders.
        agent: An agent name; default `builtin` with a model.
        model: One model or several, as `provider/name`.
        base_url: The model server's URL (default: the provider's variable, then its usual address).
        trials: Attempts per (spec, agent, model).
        concurrency: Attempts at once.
        endpoint_concurrency: Attempts at once against one model server.
        results: The results folder.
        tasks: Task selectors (id globs, `tag:NAME`, `kind:NAME`); empty selects every spec.
        rerun: Run attempts again even if recorded.
        retry_errors: Run again recorded attempts that ended in an infrastructure error.
        sandbox: `auto`, `bwrap` or `none`.
        executor: `local` or `ray`.
        ray_address: The Ray cluster.
        stream: Stream model replies.
        check_endpoints: Preflight each model server first (False: the builtin agent asks it nothing either).
        max_tokens: Most tokens per model reply.
        project: The project config to apply; default: the one governing the current folder.
        observer: Told what happens as it happens; default: nothing is told.
        command: How the run is described in the store (the command line); default: this call.

    Raises:
        UserError: A bad spec, flag or config, or a model server that fails its preflight.
        RunInterrupted: Ctrl-C while attempts ran; every finished one is recorded and the same call resumes.
    """
    models = [model] if isinstance(model, str) else list(model or [])
    options = RunOptions(
        agent,
        models,
        base_url,
        trials,
        concurrency,
        endpoint_concurrency,
        Path(results) if results is not None else None,
        sandbox,
        executor,
        ray_address,
    )
    options.check(max_tokens=max_tokens)
    specs = [s for s in load_specs([Path(p) for p in paths]) if selects(tasks, s.id, s.tags, s.kind)]
    if not specs:
        raise UsageError(f"no spec matches --task {' '.join(tasks)}")
    setup = resolve(options, project or Project.find())
    check_cells(setup.cells)
    observer = observer or RunObserver()
    settings = ProviderSettings(stream=stream)
    if max_tokens is not None:
        settings = replace(settings, max_tokens=max_tokens)
    others = sorted({cell.agent for cell in setup.cells if cell.agent != "builtin" and cell.endpoint is not None})
    if max_tokens is not None and others:
        observer.message(
            f"--max-tokens applies to the builtin agent only: {', '.join(others)} "
            f"{'use their' if len(others) > 1 else 'uses its'} own reply limit (not recorded as max_tokens)"
        )
    backends = preflight_endpoints(setup.cells, settings, observer.message) if check_endpoints else {}
    agents = make_agents(setup.cells, settings, backends, check_backend=check_endpoints)
    runner_executor = make_executor(setup.executor, address=setup.ray_address, runtime_env=setup.ray_runtime_env)
    confinement = Sandbox(setup.sandbox)
    if setup.default_cells:
        observer.message(HINT)
    attempts = plan(specs, setup.cells)
    with Store(setup.results) as store:
        runner = Runner(
            store,
            confinement,
            agents,
            rerun=rerun,
            retry_errors=retry_errors,
            on_progress=observer.finished,
            endpoint_cap=setup.endpoint_concurrency,
            backends={endpoint: info.as_dict() for endpoint, info in backends.items()},
            executor=runner_executor,
        )
        todo = runner.pending(attempts)
        run_id = None
        if not todo:
            observer.message(
                f"Nothing new to run: all {len(attempts)} attempts are already recorded in {setup.results}/ "
                "(use --rerun to run them again)."
            )
        else:
            runner_executor.connect()
            runner.concurrency = setup.concurrency or runner_executor.capacity() or runner.concurrency
            skipped = len(attempts) - len(todo)
            observer.message(
                f"Running {len(todo)} attempt{'s' * (len(todo) != 1)} ({plan_summary(len(specs), setup.cells)}), "
                f"concurrency {runner.concurrency}, sandbox {confinement.mode}"
                + (f", executor {runner_executor.name}" if runner_executor.name != "local" else "")
                + (f"; {skipped} already recorded, skipped" if skipped else "")
            )
            details = run_manifest(
                specs=specs,
                cells=setup.cells,
                sandbox=confinement.mode,
                stream=stream,
                executor=runner_executor.name,
                backends=backends_by_name(backends),
            )
            described = command or _call(paths, setup)
            try:
                with observer.running(len(todo)):
                    outcome = asyncio.run(runner.run(todo, described, details))
                run_id = outcome.run_id
            except KeyboardInterrupt:
                recorded = len(store.finished_keys([a.key for a in attempts]))
                # Under rerun the same command would start every attempt over, so say what resumes.
                again = "Run it again without --rerun" if rerun else "Run the same command again"
                observer.message(
                    f"Interrupted: {recorded} of {len(attempts)} attempts are recorded in {setup.results}/. "
                    f"{again} to resume."
                )
                raise RunInterrupted from None
            finally:
                runner_executor.close()
        keys = {a.key for a in attempts}
        records = [r for r in store.attempts() if r.key in keys]
    return RunResult(setup.results, records, len(attempts), len(todo), run_id)


def run_manifest(*, specs: Sequence[Spec], cells: Sequence[Cell], **settings: Any) -> dict[str, Any]:
    """What a reader needs to reproduce a run: versions, specs, agents and models, limits, settings, machine."""
    return {
        "agentspec_version": __version__,
        "machine": machine(),
        "specs": {s.id: s.content_hash() for s in specs},
        "limits": {s.id: s.limits.model_dump(mode="json") for s in specs},
        "cells": [
            {"agent": c.agent, "model": c.model, "base_url": c.endpoint and c.endpoint.base_url, "trials": c.trials}
            for c in cells
        ],
        **settings,
    }


def _call(paths: Sequence[str | Path], setup: RunSetup) -> str:
    """A run started from Python, described as the call a reader could repeat."""
    cells = ", ".join(f"{c.agent}:{c.model}" for c in setup.cells)
    return f"agentspec.run({[str(p) for p in paths]!r}) [{cells}]"
