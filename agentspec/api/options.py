"""Every setting of a run, resolved in one place: the caller's value, else the project config's, else the default.

The command line and the library both come here. For each setting, the first that says something wins:

| setting | 1. caller (flag / argument) | 2. agentspec.toml | 3. environment | 4. default |
| --- | --- | --- | --- | --- |
| agent, models | `--agent`, `--model` | `[[matrix]]` | | `reference`, no model |
| base URL | `--base-url` | `[[matrix]].base_url` | the provider's (`OLLAMA_HOST`...) | the provider's |
| trials | `--trials` | `[[matrix]].trials`, then `[run].trials` | | 1 |
| results folder | `--results` | `[run].results` (beside the config) | | `results/` |
| sandbox | `--sandbox` | `[run].sandbox` | | `auto` |
| executor | `--executor`, or `ray` with `--ray-address` | `[run].executor` | | `local` |
| Ray address | `--ray-address` | `[run].ray_address` | `RAY_ADDRESS` | `auto` |
| concurrency | `--concurrency` | `[run].concurrency` | | the executor's capacity, else one per core |
| per-endpoint cap | `--endpoint-concurrency` | `[run].endpoint_concurrency` | | the concurrency |
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentspec.agents import get_agent
from agentspec.api.project import Project, first
from agentspec.config import config_problem
from agentspec.errors import ConfigError, UsageError
from agentspec.providers import Endpoint
from agentspec.runner.plan import NO_MODEL, Cell
from agentspec.sandbox.command import Mode


@dataclass(frozen=True)
class RunOptions:
    """What the caller of a run says; None (or empty) leaves a setting to the project config and the defaults.

    Attributes:
        agent: An agent name; default `builtin` with a model, `reference` without.
        models: Models as `provider/name`.
        base_url: The model server's URL for every model.
        trials: Attempts per (spec, agent, model).
        concurrency: Attempts at once.
        endpoint_concurrency: Attempts at once against one model server.
        results: The results folder.
        sandbox: `auto`, `bwrap` or `none`.
        executor: `local` or `ray`.
        ray_address: The Ray cluster (implies the `ray` executor).
    """

    agent: str | None = None
    models: Sequence[str] = ()
    base_url: str | None = None
    trials: int | None = None
    concurrency: int | None = None
    endpoint_concurrency: int | None = None
    results: Path | None = None
    sandbox: Mode | None = None
    executor: str | None = None
    ray_address: str | None = None

    def check(self, **more: int | None) -> None:
        """Counts below 1 are a usage error (`more`: other counts the caller takes, such as max_tokens)."""
        counts = {
            "trials": self.trials,
            "concurrency": self.concurrency,
            "endpoint_concurrency": self.endpoint_concurrency,
            **more,
        }
        for name, value in counts.items():
            if value is not None and value < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1")


@dataclass(frozen=True)
class RunSetup:
    """A run's settings after precedence: what runs, where it is stored, how it is confined and executed.

    Attributes:
        cells: The (agent, endpoint) cells, each endpoint parsed once here.
        default_cells: Whether nothing named an agent or a model (the reference runs).
        results: The results folder.
        sandbox: The sandbox mode.
        executor: The executor's name.
        ray_address: The Ray cluster, or None for Ray's own default.
        ray_runtime_env: Ray's runtime_env from the config.
        concurrency: Attempts at once, or None for the executor's capacity (else one per core).
        endpoint_concurrency: Attempts at once per model server, or None for no cap below `concurrency`.
    """

    cells: list[Cell]
    default_cells: bool
    results: Path
    sandbox: Mode
    executor: str
    ray_address: str | None
    ray_runtime_env: dict[str, Any] | None
    concurrency: int | None
    endpoint_concurrency: int | None


def resolve(options: RunOptions, project: Project) -> RunSetup:
    """Apply the precedence (caller, project config, environment, default) to every setting of a run."""
    options.check()
    run = project.config.run
    cells, default = _cells(options, project)
    return RunSetup(
        cells=cells,
        default_cells=default,
        results=project.results_folder(options.results),
        sandbox=project.sandbox_mode(options.sandbox),
        executor=first(options.executor, "ray" if options.ray_address else None, run.executor) or "local",
        ray_address=first(options.ray_address, run.ray_address, os.environ.get("RAY_ADDRESS")),
        ray_runtime_env=run.ray_runtime_env,
        concurrency=first(options.concurrency, run.concurrency),
        endpoint_concurrency=first(options.endpoint_concurrency, run.endpoint_concurrency),
    )


def parse_model(model: str, base_url: str | None) -> Endpoint | None:
    """The endpoint `model` names (None for `-`, no model); the provider supplies the URL when none is given."""
    return None if model == NO_MODEL else Endpoint.parse(model, base_url)


def _cells(options: RunOptions, project: Project) -> tuple[list[Cell], bool]:
    """The (agent, endpoint) cells, and whether the embedded default (the reference, no model) was used."""
    config = project.config
    if options.agent or options.models:
        agent = options.agent or ("builtin" if options.models else "reference")
        trials = first(options.trials, config.run.trials) or 1
        return [Cell(agent, parse_model(m, options.base_url), trials) for m in options.models or [NO_MODEL]], False
    if config.matrix:
        return _matrix_cells(options, project), False
    return [Cell("reference", None, first(options.trials, config.run.trials) or 1)], True


def _matrix_cells(options: RunOptions, project: Project) -> list[Cell]:
    """The config's matrix as cells; every unknown agent or bad model is one located `ConfigError`."""
    path, config = project.path or Path("agentspec.toml"), project.config
    cells, problems = [], []
    for index, entry in enumerate(config.matrix):
        try:
            agent = get_agent(entry.agent)
        except UsageError as exc:
            problems.append(config_problem(path, ("matrix", index, "agent"), str(exc)))
            continue
        if agent.needs_model and not entry.models:
            message = f'agent {entry.agent!r} needs a model: add models = ["ollama/qwen3.5:27b"]'
            problems.append(config_problem(path, ("matrix", index, "agent"), message))
        if not agent.needs_model and not agent.model_optional and entry.models:
            message = f"agent {entry.agent!r} uses no model; drop models"
            problems.append(config_problem(path, ("matrix", index, "models"), message))
        trials = first(options.trials, entry.trials, config.run.trials) or 1
        resources = tuple(sorted(entry.resources.items()))
        for number, model in enumerate(entry.models or [NO_MODEL]):
            try:
                endpoint = parse_model(model, first(options.base_url, entry.base_url))
            except UsageError as exc:
                problems.append(config_problem(path, ("matrix", index, "models", number), str(exc)))
                continue
            cells.append(Cell(entry.agent, endpoint, trials, resources))
    if problems:
        raise ConfigError("\n".join(str(problem) for problem in problems))
    return cells
