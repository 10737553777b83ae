"""Choosing an executor by name at the edge: `local` here, `ray` on a cluster (imported only when chosen)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentspec.config import EXECUTORS
from agentspec.errors import UsageError
from agentspec.runner.executor import Executor, LocalExecutor


def make_executor(name: str, *, address: str | None = None, runtime_env: Mapping[str, Any] | None = None) -> Executor:
    """The executor called `name`; `address` and `runtime_env` are the Ray cluster's, ignored by `local`."""
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        from agentspec.runner.ray_executor import RayExecutor

        return RayExecutor(address, runtime_env=runtime_env)
    raise UsageError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
