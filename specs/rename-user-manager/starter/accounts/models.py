"""Plain data objects for the accounts package."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class User:
    """A registered user."""

    id: int
    email: str
    display_name: str
    is_active: bool = True
    created_at: datetime = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        """Return the user as JSON-ready data."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data
