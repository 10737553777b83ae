"""The project a command runs in: its config, and the settings every command reads from it (results, sandbox).

Part of the one place where precedence is decided (`agentspec.api.options` has the whole table): a value
the caller gives wins, then the config's, then the default. Light to import: `report`, `export` and
the other commands that only read a results store come here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from agentspec.config import ProjectConfig, find_config
from agentspec.sandbox.command import Mode

T = TypeVar("T")


def first(*values: T | None) -> T | None:
    """The first value that is not None: the precedence rule itself."""
    return next((value for value in values if value is not None), None)


@dataclass(frozen=True)
class Project:
    """The project config governing a folder (`agentspec.toml` or `[tool.agentspec]`), if there is one."""

    path: Path | None = None
    config: ProjectConfig = field(default_factory=ProjectConfig)

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The project governing `start` (default: the current folder); an empty one when no config is found."""
        found = find_config(start or Path.cwd())
        return cls(*found) if found else cls()

    def results_folder(self, given: Path | None = None) -> Path:
        """`given`, else `[run].results` beside the config file, else `results/`."""
        if given is not None:
            return given
        return self.path.parent / self.config.run.results if self.path else Path("results")

    def sandbox_mode(self, given: Mode | None = None) -> Mode:
        """`given`, else `[run].sandbox`, else `auto`."""
        return first(given, self.config.run.sandbox) or "auto"


def results_folder(given: Path | None, project: Project | None = None) -> Path:
    """`given`, else the project's (found only when needed: a broken config does not stop `--results DIR`)."""
    return given if given is not None else (project or Project.find()).results_folder()


def sandbox_mode(given: Mode | None, project: Project | None = None) -> Mode:
    """`given`, else the project's (found only when needed), else `auto`."""
    return given if given is not None else (project or Project.find()).sandbox_mode()
