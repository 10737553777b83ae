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

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentspec.errors import ConfigError, Problem
from agentspec.spec.load import format_field, parse_toml, read_toml_text, validation_problems
from agentspec.spec.locate import Key, KeyPositions, locate_keys
from agentspec.spec.model import MAX_INT

PYPROJECT_SECTION: Key = ("tool", "agentspec")

ExecutorName = Literal["local", "ray"]
EXECUTORS: tuple[str, ...] = get_args(ExecutorName)


class _Strict(BaseModel):
    # strict: `concurrency = "4"` is a mistake to report, not a string to convert.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Count = Annotated[int, Field(gt=0, le=MAX_INT)]


class MatrixEntry(_Strict):
    """One agent with the models it runs."""

    agent: str = Field(description="An agent name: builtin, claude-code, aider, reference, none, command:<template>.")
    models: list[str] = Field(default_factory=list, description="Models as provider/name; empty for model-less agents.")
    base_url: str | None = Field(default=None, description="The model server's URL, if not the provider's default.")
    trials: Count | None = Field(default=None, description="Trials for this entry; default: [run].trials.")
    resources: dict[str, float] = Field(
        default_factory=dict,
        description="Ray resources a node must offer to run this entry's attempts, e.g. {claude = 1}; "
        "used by the ray executor only.",
    )


class RunSettings(_Strict):
    """Defaults for `agentspec run`; command-line flags win."""

    trials: Count = Field(default=1, description="Attempts per (spec, agent, model).")
    concurrency: Count | None = Field(default=None, description="Attempts at once; default: one per core.")
    endpoint_concurrency: Count | None = Field(default=None, description="Attempts at once per model server.")
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
            data, positions = _read(pyproject)
            tool = data.get("tool")
            if tool is None:
                continue
            if not isinstance(tool, dict):
                raise ConfigError(str(config_problem(pyproject, ("tool",), "must be a table: [tool.NAME] sections")))
            section = tool.get("agentspec")
            if section is not None:
                return pyproject, _validate(pyproject, positions, section, PYPROJECT_SECTION)
    return None


def load_config(path: Path) -> ProjectConfig:
    """Load and validate an `agentspec.toml`."""
    data, positions = _read(path)
    return _validate(path, positions, data, ())


def config_problem(path: Path, key: Key, message: str) -> Problem:
    """A problem at `key` of the config in `path` (inside [tool.agentspec] for a pyproject.toml)."""
    prefix = PYPROJECT_SECTION if path.name == "pyproject.toml" and key[:1] != ("tool",) else ()
    text, _ = read_toml_text(path, "config")
    line, column = locate_keys(text or "").find((*prefix, *key))
    return Problem(path, line, column, format_field((*prefix, *key)), message)


def _read(path: Path) -> tuple[dict[str, Any], KeyPositions]:
    text, problem = read_toml_text(path, "config")
    if text is None:
        raise ConfigError(str(problem))
    positions = locate_keys(text)
    data, problem = parse_toml(path, text, positions)
    if data is None:
        raise ConfigError(str(problem))
    return data, positions


def _validate(path: Path, positions: KeyPositions, data: Any, prefix: Key) -> ProjectConfig:
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = validation_problems(path, positions, exc, ProjectConfig, prefix)
        raise ConfigError("\n".join(str(p) for p in problems)) from None
