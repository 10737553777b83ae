"""The project config: `agentspec.toml`, or `[tool.agentspec]` in `pyproject.toml`.

It declares the matrix `agentspec run` runs when no agent or model is given on the command line:

    [run]
    trials = 3
    concurrency = 2

    [[matrix]]
    agent = "claude-code"
    models = ["ollama/qwen3.5:27b", "ollama/gemma4:31b"]
    resources = {claude = 1}    # on a Ray cluster: only nodes offering this resource run these attempts

and where attempts run: `executor = "ray"` with `ray_address = "head:6379"` in `[run]` (docs/ray.md).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentspec.errors import ConfigError, Problem
from agentspec.spec.load import validation_problems
from agentspec.spec.locate import locate_keys

ExecutorName = Literal["local", "ray"]
EXECUTORS: tuple[str, ...] = get_args(ExecutorName)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatrixEntry(_Strict):
    """One agent with the models it runs."""

    agent: str = Field(description="An agent name: builtin, claude-code, aider, reference, none, command:<template>.")
    models: list[str] = Field(default_factory=list, description="Models as provider/name; empty for model-less agents.")
    base_url: str | None = Field(default=None, description="The model server's URL, if not the provider's default.")
    trials: int | None = Field(default=None, gt=0, description="Trials for this entry; default: [run].trials.")
    resources: dict[str, float] = Field(
        default_factory=dict,
        description="Ray resources a node must offer to run this entry's attempts, e.g. {claude = 1}; "
        "used by the ray executor only.",
    )


class RunSettings(_Strict):
    """Defaults for `agentspec run`; command-line flags win."""

    trials: int = Field(default=1, gt=0, description="Attempts per (spec, agent, model).")
    concurrency: int | None = Field(default=None, gt=0, description="Attempts at once; default: one per core.")
    endpoint_concurrency: int | None = Field(default=None, gt=0, description="Attempts at once per model server.")
    results: str = Field(default="results", description="The results folder, relative to the config file.")
    sandbox: Literal["auto", "bwrap", "none"] = Field(default="auto", description="How attempts are confined.")
    executor: ExecutorName = Field(default="local", description="Where attempts run: here, or on Ray.")
    ray_address: str | None = Field(
        default=None, description="The Ray cluster (HOST:PORT, ray://HOST:10001, auto); default: $RAY_ADDRESS or auto."
    )
    ray_runtime_env: dict[str, Any] | None = Field(
        default=None, description="Ray's runtime_env for the workers (pip, py_modules, env_vars...); see docs/ray.md."
    )


class ProjectConfig(_Strict):
    """The whole project config."""

    run: RunSettings = Field(default_factory=RunSettings)
    matrix: list[MatrixEntry] = Field(default_factory=list)


def find_config(start: Path) -> tuple[Path, ProjectConfig] | None:
    """The config governing `start` (a folder): `agentspec.toml`, else pyproject's [tool.agentspec]."""
    for folder in (start, *start.parents):
        candidate = folder / "agentspec.toml"
        if candidate.is_file():
            return candidate, load_config(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            data = _read(pyproject)
            section = data.get("tool", {}).get("agentspec")
            if section is not None:
                return pyproject, _validate(pyproject, section, ("tool", "agentspec"))
    return None


def load_config(path: Path) -> ProjectConfig:
    """Load and validate an `agentspec.toml`."""
    return _validate(path, _read(path), ())


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config: {exc}") from None


def _validate(path: Path, data: Any, prefix: tuple[str, ...]) -> ProjectConfig:
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        positions = locate_keys(path.read_text(encoding="utf-8"))
        problems: list[Problem] = validation_problems(path, positions, exc, ProjectConfig, prefix)
        raise ConfigError("\n".join(str(p) for p in problems)) from None
