"""The `command:<template>` agent: any other coding-agent CLI, given as a command-line template.

The template is split like a shell would (``shlex``), then these placeholders are replaced in each
argument (anything else in braces is left alone, so JSON arguments need no escaping):

    {prompt}        the task's instructions, as one argument
    {prompt_file}   a file holding them
    {workspace}     the workspace folder (also the working directory)
    {scratch}       a folder for the CLI's own files (its HOME is in there)
    {model}         the model's name, e.g. qwen3.5:27b
    {provider}      ollama, openai or anthropic
    {base_url}      the model server's URL
    {turns}         the spec's turn limit
    {time_s}        the spec's time limit, in seconds

Options may come before the program: ``--parser=NAME`` reads the CLI's output (``json``: its last JSON line,
with any of turns, tokens_in, tokens_out, error, failure_kind, transcript, details; a harness's name such as
``claude-code`` or ``aider``: that CLI's output; or ``package.module:function``, called with the `Completed`
process and returning an `AgentResult` or a mapping of those keys), ``--stdin`` sends the prompt on standard
input, ``--env=NAME`` passes the user's variable NAME through and ``--env=NAME=VALUE`` sets one. The CLI also
gets ``AGENTSPEC_PROMPT_FILE``, ``AGENTSPEC_WORKSPACE``, ``AGENTSPEC_MODEL``, ``AGENTSPEC_PROVIDER``,
``AGENTSPEC_BASE_URL``, ``AGENTSPEC_MAX_TURNS``, ``AGENTSPEC_TIME_S`` and the provider's usual variable
(``OLLAMA_HOST``, ``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL``). Example::

    --agent 'command:--parser=json mycli --model {model} --url {base_url} --task-file {prompt_file}'
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from agentspec.agents.base import Agent, AgentResult, AgentTask, register_agent_factory
from agentspec.agents.cli import CliLookup, FoundCli, unshimmed
from agentspec.agents.harness import harness_classes
from agentspec.agents.output import clipped
from agentspec.agents.process import as_seen_inside, harness_env, harness_home, harness_route, run_harness, write_prompt
from agentspec.errors import UsageError
from agentspec.failures import FailureKind
from agentspec.sandbox import Completed

PLACEHOLDERS = ("prompt", "prompt_file", "workspace", "scratch", "model", "provider", "base_url", "turns", "time_s")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_SERVER_VARIABLES = {
    "ollama": ("OLLAMA_HOST",),
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    "anthropic": ("ANTHROPIC_BASE_URL",),
}
_RESULT_KEYS = {f.name for f in fields(AgentResult)}
OutputParser = Callable[[Completed, AgentTask], AgentResult]


def json_result(done: Completed) -> AgentResult:
    """The result a CLI printed as its last JSON object line."""
    for line in reversed(done.stdout.strip().splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            return as_result(data)
    return AgentResult(
        error="the command printed no JSON object line for --parser=json", failure_kind=FailureKind.HARNESS_ERROR
    )


def as_result(value: Any) -> AgentResult:
    """An `AgentResult` from a parser's return value: a result, or a mapping of its fields."""
    if isinstance(value, AgentResult):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"an output parser returned {type(value).__name__}, not AgentResult or a mapping")
    return AgentResult(**{k: v for k, v in value.items() if k in _RESULT_KEYS})


def plain_result(done: Completed) -> AgentResult:
    """Without a parser: the output itself is the transcript."""
    return AgentResult(transcript=[{"type": "output", "stdout": clipped(done.stdout), "stderr": clipped(done.stderr)}])


def find_parser(name: str) -> OutputParser:
    """The output parser `--parser=NAME` names."""
    if name == "json":
        return lambda done, _task: json_result(done)
    harnesses = harness_classes()
    if name in harnesses:
        return harnesses[name].parse
    module, sep, attribute = name.partition(":")
    if not sep:
        known = ", ".join(["json", *sorted(harnesses)])
        raise UsageError(f"--parser={name}: use {known}, or package.module:function")
    try:
        function = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"--parser={name}: cannot load it: {exc}") from None
    if not callable(function):
        raise UsageError(f"--parser={name} is not a function")
    return lambda done, _task: as_result(function(done))


def _plain_parser(done: Completed, _task: AgentTask) -> AgentResult:
    return plain_result(done)


class CommandAgent(FoundCli, Agent):
    """Runs a command-line template as the agent; see the module docstring."""

    name = "command"
    uses_tools = False  # an unknown CLI may edit from plain text; preflight does not require tool calling
    model_optional = True

    def __init__(self, template: str) -> None:
        """Parse the template and find its program now, so that mistakes stop the run before any attempt.

        Raises:
            UsageError: An empty template, an unknown option or parser, or a program that is not installed.
        """
        try:
            words = shlex.split(template)
        except ValueError as exc:
            raise UsageError(f"command:{template}: {exc}") from None
        self.template = template
        self.parser: OutputParser = _plain_parser
        self.stdin = False
        self.env: dict[str, str] = {}
        while words and words[0].startswith("--"):
            self._option(words.pop(0))
        if not words:
            raise UsageError("command: give the command to run, e.g. command:mycli --task-file {prompt_file}")
        self.cli_lookup: CliLookup | None = None
        if not _PLACEHOLDER.search(words[0]):
            found = shutil.which(words[0])
            if found is None:
                raise UsageError(f"command:{template}: the program {words[0]!r} is not installed (not on PATH)")
            self.cli_lookup = CliLookup(f"the program {words[0]!r}", None, (words[0],), "install it on this node")
            words[0] = unshimmed(str(Path(found).absolute()))
        self.executable, *self.arguments = words
        # A template that names the model server cannot run without one; any other may run with or without.
        self.needs_model = any(f"{{{name}}}" in template for name in ("model", "provider", "base_url"))  # type: ignore[misc]

    def _option(self, word: str) -> None:
        key, _, value = word.partition("=")
        if key == "--parser" and value:
            self.parser = find_parser(value)
        elif key == "--stdin" and not value:
            self.stdin = True
        elif key == "--env" and value:
            name, sep, text = value.partition("=")
            if sep:
                self.env[name] = text
            elif name in os.environ:
                self.env[name] = os.environ[name]
        else:
            raise UsageError(
                f"command: unknown option {word!r}; options are --parser=NAME, --stdin, --env=NAME[=VALUE]"
            )

    @property
    def label(self) -> str:
        """How the agent appears in reports: the whole template."""
        return f"command:{self.template}"

    def values(self, task: AgentTask) -> dict[str, str]:
        """What each placeholder stands for in this attempt."""
        endpoint = task.endpoint
        return {
            "prompt": task.instructions,
            "prompt_file": str(write_prompt(task)),
            "workspace": str(task.workspace),
            "scratch": str(task.scratch),
            "model": endpoint.name if endpoint else "",
            "provider": endpoint.provider if endpoint else "",
            "base_url": endpoint.base_url if endpoint else "",
            "turns": str(task.limits.turns),
            "time_s": f"{task.limits.time_s:g}",
        }

    def command(self, task: AgentTask) -> list[str]:
        """The command line with the placeholders filled in."""
        values = self.values(task)
        return [_PLACEHOLDER.sub(lambda m: values[m.group(1)], word) for word in [self.executable, *self.arguments]]

    def environment(self, task: AgentTask) -> dict[str, str]:
        """The command's whole environment."""
        values = self.values(task)
        extra = {f"AGENTSPEC_{k.upper()}": values[k] for k in ("prompt_file", "workspace", "model", "provider")}
        extra |= {"AGENTSPEC_BASE_URL": values["base_url"], "AGENTSPEC_MAX_TURNS": values["turns"]}
        extra["AGENTSPEC_TIME_S"] = values["time_s"]
        if task.endpoint is not None:
            variables = _SERVER_VARIABLES.get(task.endpoint.provider, _SERVER_VARIABLES["openai"])
            extra |= dict.fromkeys(variables, task.endpoint.base_url)
        return harness_env(task, harness_home(task), extra | self.env, self.executable)

    async def act(self, task: AgentTask) -> AgentResult:
        """Run the command on the workspace; its exit status, output and parser say what happened."""
        try:
            route = harness_route(task)
        except ValueError as exc:
            return AgentResult(error=str(exc), failure_kind=FailureKind.BACKEND_ERROR)
        inside = as_seen_inside(task, route)
        result = await run_harness(
            task,
            f"the command {Path(self.executable).name!r}",
            self.command(inside),
            self.environment(inside),
            lambda done: self.parser(done, task),
            server_url=task.endpoint.base_url if task.endpoint else None,
            stdin=task.instructions if self.stdin else None,
            route=route,
        )
        result.details = {"harness": "command", "template": self.template, **result.details}
        return result


# `get_agent("command:")` passes the whole name when nothing follows the colon.
register_agent_factory("command", lambda template: CommandAgent("" if template == "command:" else template))
