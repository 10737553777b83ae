"""The harness agent: a coding-agent CLI run as a program, described by one small class per harness.

A harness module defines one `HarnessAgent` subclass decorated with `register_agent` and says only what
differs between CLIs: how to find it (`cli`), which protocol and URL it speaks to (`protocol`,
`server_url`), its command line (`command`), how it is pointed at the endpoint (`settings`: environment
variables, and config files written into its fresh HOME), and how to read turns, tokens, cost and errors
from its output (`parse`). `act` is shared: check the endpoint, run the CLI in the sandbox (where its
only network is a relay to the endpoint, so `command` and `settings` get the endpoint with the URL it
is reached by from there), read its output, record its version, protocol and the context window it
was told. `agentspec.agents` imports
every module of its package, so a new harness needs no edit anywhere else.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from agentspec.agents.base import Agent, AgentResult, AgentTask, Endpoint
from agentspec.agents.cli import CliLookup, FoundCli, cli_version, extra_args, install_folder
from agentspec.agents.process import (
    as_seen_inside,
    harness_env,
    harness_home,
    harness_route,
    home_env,
    run_harness,
)
from agentspec.failures import FailureKind
from agentspec.sandbox import Completed, default_env

_HARNESSES: dict[str, type[HarnessAgent]] = {}

# For CLIs that speak only OpenAI's chat completions: an `anthropic/` model names an Anthropic Messages server.
_OPENAI_CHAT_ONLY = {
    "anthropic": "it speaks OpenAI chat completions, not Anthropic Messages; use --model openai/NAME with the "
    "server's /v1 URL (llama.cpp, vLLM and agentspec serve speak both), or --agent claude-code or aider",
}


class HarnessAgent(FoundCli, Agent):
    """An agent that runs a known harness CLI; subclasses describe the CLI (see the module docstring)."""

    # The harness's name in messages, e.g. "Claude Code".
    title: ClassVar[str]
    cli: ClassVar[CliLookup]
    # The environment variable whose (shell-split) words are added to the CLI's flags.
    args_variable: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Remember every concrete harness by name, for `harness_classes` (and `command:`'s parsers)."""
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            _HARNESSES[cls.name] = cls

    def __init__(
        self, executable: str | None = None, args: Sequence[str] = (), env: Mapping[str, str] | None = None
    ) -> None:
        """Find the CLI now, so that a missing one stops the run before any attempt.

        Args:
            executable: The program; default: found as the class's `cli` says (its variable, PATH, fallbacks).
            args: More command-line flags (after them come those in the class's `args_variable`).
            env: More environment variables for the CLI (they win over agentspec's).

        Raises:
            UsageError: The CLI is not installed.
        """
        self.cli_lookup = None if executable else self.cli
        self.executable = executable or self.cli.find()
        self.args = extra_args(self.args_variable, args)
        self.env = dict(env or {})

    def install_paths(self) -> list[Path]:
        """What the sandbox must show read-only for the CLI to run: its install folder."""
        return [install_folder(self.executable)]

    def protocol(self, endpoint: Endpoint) -> str:
        """The wire protocol the CLI speaks to this endpoint (recorded on the attempt)."""
        return endpoint.provider

    def server_url(self, endpoint: Endpoint) -> str:
        """The URL the CLI is pointed at (checked for a listener before it starts)."""
        return endpoint.base_url

    @abstractmethod
    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line, its program `self.executable`."""

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """Environment variables pointing the CLI at the endpoint; may write config files into `home`."""
        return {}

    def environment(self, task: AgentTask, endpoint: Endpoint) -> dict[str, str]:
        """The CLI's whole environment for this attempt: a fresh HOME, its settings, then the user's `env`."""
        home = harness_home(task)
        return harness_env(task, home, {**self.settings(task, endpoint, home), **self.env}, self.executable)

    def stdin(self, task: AgentTask) -> str | None:
        """What the CLI reads on standard input (None: nothing)."""
        return None

    @staticmethod
    @abstractmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """Read the finished process's output: transcript, turns, tokens, and why it stopped.

        Static, so that `command:--parser=NAME` reads a CLI's output with no CLI installed.
        """

    def context_window(self, task: AgentTask) -> int | None:
        """The context window the server reported for the model (from preflight), when known."""
        for holder in (task, task.endpoint):
            value = getattr(holder, "context_window", None)
            if isinstance(value, int) and value > 0:
                return value
        return None

    async def act(self, task: AgentTask) -> AgentResult:
        """Run the CLI on the workspace until it answers, runs out of turns, or its time is up."""
        if task.endpoint is None:
            return AgentResult(
                error=f"{self.name} needs a model, e.g. --model ollama/qwen3.5:27b",
                failure_kind=FailureKind.HARNESS_ERROR,
            )
        try:
            route = harness_route(task)
        except ValueError as exc:
            return AgentResult(error=str(exc), failure_kind=FailureKind.BACKEND_ERROR)
        # The CLI is given the URL it reaches the endpoint by from its sandbox; the attempt keeps the real one.
        inside = as_seen_inside(task, route)
        endpoint = inside.endpoint
        assert endpoint is not None
        result = await run_harness(
            task,
            self.title,
            self.command(inside, endpoint),
            self.environment(inside, endpoint),
            lambda done: self.parse(done, task),
            server_url=self.server_url(task.endpoint),
            stdin=self.stdin(task),
            route=route,
        )
        result.details = {
            "harness": self.name,
            "version": await self.version(task),
            "protocol": self.protocol(endpoint),
            "context_window": self.context_window(task),
            **result.details,
        }
        return result

    async def version(self, task: AgentTask) -> str:
        """The CLI's version: the first line of its `--version` (asked once per program)."""
        return await cli_version(self.executable, self._version_env(task))

    def _version_env(self, task: AgentTask) -> dict[str, str]:
        # Even `--version` writes dot-folders into HOME: give it a throwaway one.
        home = task.scratch / "version-home"
        home.mkdir(parents=True, exist_ok=True)
        env = default_env()
        env["PATH"] += f":{Path(self.executable).parent}"
        return env | home_env(home)


def chat_base_url(endpoint: Endpoint) -> str:
    """The OpenAI-style base (ending in `/v1`) a chat-completions CLI sends `/chat/completions` to."""
    return endpoint.base_url + "/v1" if endpoint.provider == "ollama" else endpoint.base_url


class OpenAIChatHarness(HarnessAgent):
    """A harness that speaks only OpenAI chat completions: Ollama through its `/v1`, no `anthropic/` models."""

    refused_providers = _OPENAI_CHAT_ONLY

    def protocol(self, endpoint: Endpoint) -> str:
        """Chat completions, whatever the provider."""
        return "openai-chat"

    def server_url(self, endpoint: Endpoint) -> str:
        """Where the CLI sends `/chat/completions`."""
        return chat_base_url(endpoint)


def harness_classes() -> dict[str, type[HarnessAgent]]:
    """Every harness defined so far, by agent name."""
    return dict(_HARNESSES)
