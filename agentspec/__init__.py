"""agentspec: evaluate language models as coding agents, task by task, harness by harness.

The public API is re-exported here. Names load on first use (PEP 562), so `import agentspec` and
the command line stay quick however many subsystems exist.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentspec.version import __version__

# Public name -> the module that defines it.
_EXPORTS = {
    "Agent": "agentspec.agents.base",
    "AgentResult": "agentspec.agents.base",
    "AgentTask": "agentspec.agents.base",
    "AgentspecError": "agentspec.errors",
    "Attempt": "agentspec.runner.plan",
    "AttemptRecord": "agentspec.store.sqlite",
    "BackendError": "agentspec.errors",
    "BackendInfo": "agentspec.providers.base",
    "Cell": "agentspec.runner.plan",
    "ConfigError": "agentspec.errors",
    "Endpoint": "agentspec.agents.base",
    "Executor": "agentspec.runner.executor",
    "Faults": "agentspec.serve",
    "File": "agentspec.spec.model",
    "LocalExecutor": "agentspec.runner.executor",
    "Finding": "agentspec.review.finding",
    "ModelServer": "agentspec.serve",
    "Problem": "agentspec.errors",
    "Provider": "agentspec.providers.base",
    "Report": "agentspec.api.reporting",
    "ProviderSettings": "agentspec.providers.settings",
    "ReviewConfig": "agentspec.review.config",
    "Rule": "agentspec.review.rule",
    "RunObserver": "agentspec.api.observer",
    "RunResult": "agentspec.api.evaluate",
    "Runner": "agentspec.runner.run",
    "Sandbox": "agentspec.sandbox",
    "SandboxError": "agentspec.errors",
    "SandboxLimits": "agentspec.sandbox",
    "Spec": "agentspec.spec.model",
    "SpecError": "agentspec.errors",
    "Store": "agentspec.store.sqlite",
    "SuiteHealth": "agentspec.api.health",
    "TestFile": "agentspec.spec.model",
    "UsageError": "agentspec.errors",
    "UserError": "agentspec.errors",
    "build_site": "agentspec.publish",
    "check": "agentspec.api.health",
    "get_agent": "agentspec.agents",
    "load_spec": "agentspec.spec.load",
    "load_specs": "agentspec.spec.suite",
    "load_suite": "agentspec.spec.suite",
    "make_executor": "agentspec.runner.executors",
    "plan": "agentspec.runner.plan",
    "preflight": "agentspec.providers",
    "register_agent": "agentspec.agents.base",
    "register_provider": "agentspec.providers.base",
    "report": "agentspec.api.reporting",
    "review_paths": "agentspec.review",
    "review_source": "agentspec.review",
    "run": "agentspec.api.evaluate",
    "serve_in_thread": "agentspec.serve",
}

__all__ = [
    "Agent",
    "AgentResult",
    "AgentTask",
    "AgentspecError",
    "Attempt",
    "AttemptRecord",
    "BackendError",
    "BackendInfo",
    "Cell",
    "ConfigError",
    "Endpoint",
    "Executor",
    "Faults",
    "File",
    "Finding",
    "LocalExecutor",
    "ModelServer",
    "Problem",
    "Provider",
    "ProviderSettings",
    "Report",
    "ReviewConfig",
    "Rule",
    "RunObserver",
    "RunResult",
    "Runner",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "Spec",
    "SpecError",
    "Store",
    "SuiteHealth",
    "TestFile",
    "UsageError",
    "UserError",
    "__version__",
    "build_site",
    "check",
    "get_agent",
    "load_spec",
    "load_specs",
    "load_suite",
    "make_executor",
    "plan",
    "preflight",
    "register_agent",
    "register_provider",
    "report",
    "review_paths",
    "review_source",
    "run",
    "serve_in_thread",
]

if TYPE_CHECKING:
    from agentspec.agents import get_agent
    from agentspec.agents.base import Agent, AgentResult, AgentTask, Endpoint, register_agent
    from agentspec.api.evaluate import RunResult, run
    from agentspec.api.health import SuiteHealth, check
    from agentspec.api.observer import RunObserver
    from agentspec.api.reporting import Report, report
    from agentspec.errors import (
        AgentspecError,
        BackendError,
        ConfigError,
        Problem,
        SandboxError,
        SpecError,
        UsageError,
        UserError,
    )
    from agentspec.providers import preflight
    from agentspec.providers.base import BackendInfo, Provider, register_provider
    from agentspec.providers.settings import ProviderSettings
    from agentspec.publish import build_site
    from agentspec.review import review_paths, review_source
    from agentspec.review.config import ReviewConfig
    from agentspec.review.finding import Finding
    from agentspec.review.rule import Rule
    from agentspec.runner.executor import Executor, LocalExecutor
    from agentspec.runner.executors import make_executor
    from agentspec.runner.plan import Attempt, Cell, plan
    from agentspec.runner.run import Runner
    from agentspec.sandbox import Sandbox, SandboxLimits
    from agentspec.serve import Faults, ModelServer, serve_in_thread
    from agentspec.spec.load import load_spec
    from agentspec.spec.model import File, Spec, TestFile
    from agentspec.spec.suite import load_specs, load_suite
    from agentspec.store.sqlite import AttemptRecord, Store


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentspec' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
