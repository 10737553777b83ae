"""The `reference` and `none` agents: the oracle and the do-nothing baseline; neither needs a model."""

from __future__ import annotations

import time

from agentspec.agents.base import Agent, AgentResult, AgentTask, register_agent
from agentspec.spec.materialise import write_file


@register_agent
class ReferenceAgent(Agent):
    """Writes the spec's reference solution into the workspace."""

    name = "reference"
    needs_model = False

    async def act(self, task: AgentTask) -> AgentResult:
        """Write each solution file, as a model using a write tool would."""
        started = time.perf_counter()
        transcript = []
        for entry in task.spec.solution:
            write_file(task.workspace, entry.path, entry.text)
            transcript.append({"role": "tool", "tool": "write", "path": entry.path, "bytes": len(entry.text)})
        return AgentResult(transcript=transcript, duration_s=time.perf_counter() - started)


@register_agent
class NoneAgent(Agent):
    """Changes nothing: the baseline every task must fail."""

    name = "none"
    needs_model = False

    async def act(self, task: AgentTask) -> AgentResult:
        """Do nothing."""
        return AgentResult()
