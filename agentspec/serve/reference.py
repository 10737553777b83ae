"""The `reference` scripted model: finds the spec a conversation is about and writes its solution.

It solves with the client's own tools, in this order of preference: a write tool taking a
relative path and the content (agentspec's `write_file`), a shell tool (Claude Code's `Bash`,
agentspec's `run_shell`), a write tool taking an absolute path (Claude Code's `Write`, made
absolute with the working directory its system prompt names). A client that offers none of
these gets every changed file in the "whole file" edit format: the path on its own line, then
a fenced code block (aider's `--edit-format whole`), except a bash-only client (mini-swe-agent's
text-based mode), which gets one fenced command writing them all. Once the conversation shows it has
already answered, it ends the turn, or, for a client that asks for its submit command
(mini-swe-agent's `echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`), runs that. It keeps no state
between requests.
"""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from agentspec.serve.conversation import Conversation, Reply, Tool, ToolCall, estimate_tokens
from agentspec.spec.model import File, Spec

PATH_KEYS = ("path", "file_path", "filepath", "filename", "file", "target_file", "relative_path")
CONTENT_KEYS = ("content", "contents", "file_text", "text", "code", "data")
COMMAND_KEYS = ("command", "cmd")
WRITE_WORDS = ("write", "create", "save")
SHELL_WORDS = ("bash", "shell", "run", "exec", "terminal", "command", "cmd")
# aider picks the first of these fences that no line of the files starts with.
FENCES = ("```", "<source>", "<code>", "<pre>", "<codeblock>", "<sourcecode>")
# aider's whole-file prompt shows its fence right after this example path.
_AIDER_FENCE = re.compile(r"path/to/filename\.js\n(\S+)\n")
# mini-swe-agent (like SWE-agent) ends a run when a command prints this as its first line.
SUBMIT = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
# The fence a bash-only client reads its one command from: mini-swe-agent 2's, then 1's.
_COMMAND_FENCES = ("mswea_bash_command", "bash")
_WORKING_DIRECTORY = re.compile(r"(?:Working directory|cwd)\s*:\s*(/[^\s<>\"']*)", re.IGNORECASE)


def _normal(text: str) -> str:
    return " ".join(text.split())


def find_spec(conversation: Conversation, specs: Sequence[Spec]) -> tuple[Spec, int] | None:
    """The spec whose instructions the conversation quotes, and the index of the last message quoting them.

    The index is -1 when only the system prompt quotes them. Clients wrap the prompt in their
    own text and reflow it, so whitespace is ignored; the longest matching instructions win.
    """
    system = _normal(conversation.system)
    texts = [_normal(m.text) if m.role in {"user", "system"} else "" for m in conversation.messages]
    for spec in sorted(specs, key=lambda s: len(s.instructions), reverse=True):
        needle = _normal(spec.instructions)
        hits = [i for i, text in enumerate(texts) if needle in text]
        if hits:
            return spec, hits[-1]
        if needle in system:
            return spec, -1
    return None


def changed_files(spec: Spec) -> list[File]:
    """The solution files that are new or differ from the starter: what the agent has to write."""
    starter = {f.path: f.text for f in spec.files}
    return [f for f in spec.solution if starter.get(f.path) != f.text]


@dataclass(frozen=True)
class _Writer:
    tool: Tool
    path_key: str
    content_key: str
    absolute: bool


def _key(tool: Tool, keys: Sequence[str]) -> str | None:
    lowered = {k.lower(): k for k in tool.properties}
    return next((lowered[k] for k in keys if k in lowered), None)


def _writer(tool: Tool) -> _Writer | None:
    path_key, content_key = _key(tool, PATH_KEYS), _key(tool, CONTENT_KEYS)
    if path_key is None or content_key is None or not any(w in tool.name.lower() for w in WRITE_WORDS):
        return None
    description = str(tool.properties[path_key].get("description", "")).lower()
    return _Writer(tool, path_key, content_key, absolute="absolute" in description)


def _shell(tool: Tool) -> str | None:
    key = _key(tool, COMMAND_KEYS)
    return key if key is not None and any(w in tool.name.lower() for w in SHELL_WORDS) else None


def shell_command(entry: File) -> str:
    """A POSIX shell command that writes `entry` byte for byte, relative to the current directory."""
    encoded = base64.b64encode(entry.text.encode("utf-8")).decode("ascii")
    path = shlex.quote(entry.path)
    write = f"printf %s {encoded} | base64 -d > {path}"
    parent = str(PurePosixPath(entry.path).parent)
    return write if parent == "." else f"mkdir -p {shlex.quote(parent)} && {write}"


def working_directory(conversation: Conversation) -> str | None:
    """The working directory a client's system prompt names (Claude Code's `Working directory: /x`)."""
    texts = [conversation.system, *(m.text for m in conversation.messages if m.role in {"user", "system"})]
    for text in texts:
        found = _WORKING_DIRECTORY.search(text)
        if found:
            return found.group(1).rstrip(".,;")
    return None


def _prompts(conversation: Conversation) -> list[str]:
    return [conversation.system, *(m.text for m in conversation.messages if m.role in {"user", "system"})]


def submits(conversation: Conversation) -> bool:
    """Whether the client ends a run by a submit command (mini-swe-agent) rather than by a reply without calls."""
    return any(SUBMIT in text for text in _prompts(conversation))


def command_fence(conversation: Conversation) -> str | None:
    """The fence a bash-only client (mini-swe-agent's text-based mode) reads its one command from, if it is one."""
    if not submits(conversation):
        return None
    texts = _prompts(conversation)
    return next((f for f in _COMMAND_FENCES if any(f"```{f}\n" in text for text in texts)), None)


def _shell_call(conversation: Conversation, command: str) -> ToolCall | None:
    for tool in conversation.tools:
        command_key = _shell(tool)
        if command_key is not None:
            return ToolCall(tool.name, {command_key: command})
    return None


def finish(conversation: Conversation, text: str) -> Reply:
    """A reply that ends the client's run: `text`, plus the submit command for a client that needs one."""
    prompt = conversation.prompt_tokens
    if submits(conversation):
        command = f"echo {SUBMIT}"
        call = _shell_call(conversation, command)
        if call is not None:
            return Reply(text=text, tool_calls=[call], stop="tool_use", prompt_tokens=prompt, completion_tokens=20)
        fence = command_fence(conversation)
        if fence is not None:
            text = f"{text}\n\n```{fence}\n{command}\n```\n"
    return Reply(text=text, prompt_tokens=prompt, completion_tokens=estimate_tokens(text))


def tool_calls(conversation: Conversation, files: Sequence[File]) -> list[ToolCall] | None:
    """Calls that write `files` with the client's tools, or None when it offers no usable tool."""
    writers = [w for w in map(_writer, conversation.tools) if w is not None]
    relative = next((w for w in writers if not w.absolute), None)
    if relative is not None:
        return [ToolCall(relative.tool.name, {relative.path_key: f.path, relative.content_key: f.text}) for f in files]
    for tool in conversation.tools:
        command_key = _shell(tool)
        if command_key is not None:
            calls = []
            for entry in files:
                arguments: dict[str, Any] = {command_key: shell_command(entry)}
                if "description" in tool.properties:
                    arguments["description"] = f"Write {entry.path}"
                calls.append(ToolCall(tool.name, arguments))
            return calls
    if writers:
        writer, root = writers[0], working_directory(conversation)
        return [
            ToolCall(
                writer.tool.name,
                {writer.path_key: f"{root.rstrip('/')}/{f.path}" if root else f.path, writer.content_key: f.text},
            )
            for f in files
        ]
    return None


def choose_fence(conversation: Conversation, files: Sequence[File]) -> tuple[str, str]:
    """The fence to wrap whole files in: the one the client's prompt shows, else aider's choice."""
    found = _AIDER_FENCE.search(conversation.system) or next(
        (m for m in (_AIDER_FENCE.search(x.text) for x in conversation.messages) if m), None
    )
    candidates = (found.group(1),) if found else FENCES
    lines = [line for f in files for line in f.text.splitlines()]
    for fence in candidates:
        closing = "</" + fence[1:] if fence.startswith("<") else fence
        if not any(line.startswith(fence) or line.startswith(closing) for line in lines):
            return fence, closing
    fence = candidates[0]
    return fence, "</" + fence[1:] if fence.startswith("<") else fence


def whole_files(conversation: Conversation, files: Sequence[File]) -> str:
    """Every file as its path on one line, then a fenced block holding its entire content."""
    opening, closing = choose_fence(conversation, files)
    parts = ["Here is the complete new content of each file I changed.\n"]
    for entry in files:
        body = entry.text if entry.text.endswith("\n") or not entry.text else entry.text + "\n"
        parts.append(f"{entry.path}\n{opening}\n{body}{closing}\n")
    return "\n".join(parts)


def answered(conversation: Conversation, after: int) -> bool:
    """True when an assistant message follows message `after`: this model has already acted."""
    return any(m.role == "assistant" for m in conversation.messages[after + 1 :])


def reference_reply(conversation: Conversation, specs: Sequence[Spec]) -> Reply:
    """Solve the spec the conversation is about with the client's tools, or end the turn if done."""
    prompt = conversation.prompt_tokens
    found = find_spec(conversation, specs)
    if found is None:
        text = (
            f"The reference model found none of the {len(specs)} specs this server knows in the prompt, "
            "so it changes nothing. Start `agentspec serve` with the spec files you run."
        )
        return Reply(text=text, prompt_tokens=prompt, completion_tokens=estimate_tokens(text))
    spec, index = found
    files = changed_files(spec)
    if answered(conversation, index) or not files:
        names = ", ".join(f.path for f in files) or "nothing"
        return finish(conversation, f"Done: the reference solution of {spec.id} is in place (changed {names}).")
    written = sum(estimate_tokens(f.text) for f in files)
    thinking = f"This is the task {spec.id}; I will write {', '.join(f.path for f in files)}."
    calls = tool_calls(conversation, files) if conversation.tools else None
    if calls is not None:
        return Reply(
            tool_calls=calls,
            stop="tool_use",
            prompt_tokens=prompt,
            completion_tokens=written + 10 * len(calls),
            thinking=thinking,
        )
    fence = command_fence(conversation)
    if fence is not None:
        command = " && ".join(shell_command(f) for f in files)
        text = f"THOUGHT: {thinking}\n\n```{fence}\n{command}\n```\n"
    else:
        text = whole_files(conversation, files)
    return Reply(text=text, prompt_tokens=prompt, completion_tokens=estimate_tokens(text), thinking=thinking)
