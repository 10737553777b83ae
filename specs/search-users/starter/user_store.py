"""In-memory user directory behind the admin dashboard.

The dashboard lists, creates, edits and deactivates users. The store keeps
them in a dict keyed by id; usernames and emails are unique, compared
case-insensitively.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace


class UserNotFound(KeyError):
    """No user has the requested id."""


class DuplicateUser(ValueError):
    """The username or email address is already taken."""


@dataclass(frozen=True)
class User:
    """One user of the dashboard."""

    id: int
    username: str
    email: str
    full_name: str = ""
    active: bool = True


class UserStore:
    """Holds every user; all methods return User objects, which are immutable."""

    EDITABLE_FIELDS = frozenset({"username", "email", "full_name"})

    def __init__(self) -> None:
        self._users: dict[int, User] = {}
        self._ids = itertools.count(1)

    def add_user(self, username: str, email: str, full_name: str = "", *, active: bool = True) -> User:
        """Create a user and return it; raise DuplicateUser if the username or email is taken."""
        username, email = username.strip(), email.strip()
        if not username or not email:
            raise ValueError("username and email are required")
        self._check_unique(username, email)
        user = User(next(self._ids), username, email, full_name.strip(), active)
        self._users[user.id] = user
        return user

    def get_user(self, user_id: int) -> User:
        """Return the user with `user_id`, or raise UserNotFound."""
        try:
            return self._users[user_id]
        except KeyError:
            raise UserNotFound(user_id) from None

    def get_by_username(self, username: str) -> User | None:
        """Return the user called `username` (any case), if there is one."""
        wanted = username.strip().casefold()
        return next((u for u in self._users.values() if u.username.casefold() == wanted), None)

    def update_user(self, user_id: int, **changes: str) -> User:
        """Change some of username, email and full_name; return the updated user."""
        unknown = set(changes) - self.EDITABLE_FIELDS
        if unknown:
            raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
        user = self.get_user(user_id)
        updated = replace(user, **{name: value.strip() for name, value in changes.items()})
        self._check_unique(updated.username, updated.email, ignore_id=user_id)
        self._users[user_id] = updated
        return updated

    def deactivate(self, user_id: int) -> User:
        """Mark a user inactive and return the updated user."""
        user = replace(self.get_user(user_id), active=False)
        self._users[user_id] = user
        return user

    def remove_user(self, user_id: int) -> None:
        """Delete a user for good."""
        self.get_user(user_id)
        del self._users[user_id]

    def list_users(self, *, active_only: bool = False) -> list[User]:
        """Return users sorted by username (case-insensitively)."""
        users = [u for u in self._users.values() if u.active or not active_only]
        return sorted(users, key=lambda u: u.username.casefold())

    def __len__(self) -> int:
        return len(self._users)

    def _check_unique(self, username: str, email: str, ignore_id: int | None = None) -> None:
        for other in self._users.values():
            if other.id == ignore_id:
                continue
            if other.username.casefold() == username.casefold():
                raise DuplicateUser(f"username {username!r} is taken")
            if other.email.casefold() == email.casefold():
                raise DuplicateUser(f"email {email!r} is taken")
