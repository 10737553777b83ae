"""Short display names for agents and models: a `command:` agent's template or a long model name fits no table.

A name from the config wins (mkdocs.yml ``extra: agentspec: names: {"command:...": my-cli}``); otherwise one
is derived: ``cmd:<program>·<hash>`` for a command template, the two ends of a long model name.
The full command stays on the agent and model's page.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import shlex
from collections.abc import Mapping

MODEL_LIMIT = 30
_WORD = re.compile(r"[\w./@:-]{1,40}")
# Interpreters and launchers: the word after them names the tool better than they do.
_LAUNCHERS = frozenset({"python", "python3", "node", "npx", "uvx", "pipx", "sh", "bash", "env", "uv", "deno", "bun"})


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:4]


def short_agent(agent: str, names: Mapping[str, str] | None = None) -> str:
    """The agent's display name: configured, else `cmd:<program>·<hash>` for a command template, else as is."""
    if names and agent in names:
        return str(names[agent])
    if not agent.startswith("command:"):
        return agent
    template = agent.removeprefix("command:")
    try:
        words = shlex.split(template)
    except ValueError:
        words = template.split()
    words = [w for w in words if not w.startswith("-")]
    program = posixpath.basename(words[0]) if words else "command"
    if program in _LAUNCHERS and len(words) > 1 and _WORD.fullmatch(words[1]):
        program = f"{program} {posixpath.basename(words[1])}"
    return f"cmd:{program[:24]}·{_hash(agent)}"


def short_model(model: str, names: Mapping[str, str] | None = None) -> str:
    """The model's display name: configured, else the name itself, its middle elided past `MODEL_LIMIT`."""
    if names and model in names:
        return str(names[model])
    if len(model) <= MODEL_LIMIT:
        return model
    half = (MODEL_LIMIT - 1) // 2
    return f"{model[:half]}…{model[-half:]}"
