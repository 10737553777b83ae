"""The endpoint: a model behind a server, parsed once from `provider/name` and carried as a typed value.

The provider part names a registered provider (`@register_provider`), whose class says where its server
usually listens (`default_base_url`) and which environment variable may say otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from agentspec.errors import UsageError
from agentspec.providers.base import provider_class, provider_names


@dataclass(frozen=True)
class Endpoint:
    """A model behind a server: `provider/name` plus where the server listens."""

    provider: str
    name: str
    base_url: str

    @property
    def model(self) -> str:
        """The `provider/name` form used on the command line and in reports."""
        return f"{self.provider}/{self.name}"

    @classmethod
    def parse(cls, model: str, base_url: str | None = None) -> Endpoint:
        """Parse `provider/name`; the base URL comes from the flag, the provider's variable, or its default.

        Raises:
            UsageError: Not `provider/name`, or no provider of that name is registered.
        """
        provider, sep, name = model.partition("/")
        found = provider_class(provider) if sep and name else None
        if found is None:
            raise UsageError(
                f"model {model!r} should be provider/name with provider one of {', '.join(provider_names())}, "
                "e.g. ollama/qwen3.5:27b or openai/my-served-model"
            )
        variable = found.base_url_variable
        url = base_url or (os.environ.get(variable) if variable else None) or found.default_base_url
        if "://" not in url:
            url = f"http://{url}"
        return cls(provider, name, url.rstrip("/"))
