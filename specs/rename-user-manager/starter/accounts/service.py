"""The UserManager: registration, lookup and deactivation of user accounts.

Accounts live in memory here; the production deployment swaps the dict for a
database table behind the same UserManager interface.
"""

from __future__ import annotations

import itertools
import logging

from accounts.models import User

log = logging.getLogger(__name__)


class DuplicateEmailError(ValueError):
    """Raised by UserManager.register when the email address is already taken."""


class UserNotFoundError(LookupError):
    """Raised by UserManager when no user has the requested id."""


def _normalise_email(email: str) -> str:
    return email.strip().lower()


class UserManager:
    """Owns every user account and enforces the rules around them."""

    def __init__(self) -> None:
        self._users: dict[int, User] = {}
        self._ids = itertools.count(1)

    def register(self, email: str, display_name: str) -> User:
        """Create a new active user; emails are unique, compared case-insensitively."""
        email = _normalise_email(email)
        if not email or "@" not in email:
            raise ValueError(f"not an email address: {email!r}")
        if self.find_by_email(email) is not None:
            raise DuplicateEmailError(email)
        user = User(id=next(self._ids), email=email, display_name=display_name.strip() or email)
        self._users[user.id] = user
        log.info("UserManager registered user %d", user.id)
        return user

    def get(self, user_id: int) -> User:
        """Return the user with `user_id`, or raise UserNotFoundError."""
        try:
            return self._users[user_id]
        except KeyError:
            raise UserNotFoundError(f"UserManager has no user with id {user_id}") from None

    def find_by_email(self, email: str) -> User | None:
        """Return the user registered with `email`, if any."""
        wanted = _normalise_email(email)
        return next((u for u in self._users.values() if u.email == wanted), None)

    def deactivate(self, user_id: int) -> User:
        """Mark a user inactive; they keep their id and email."""
        user = self.get(user_id)
        user.is_active = False
        log.info("UserManager deactivated user %d", user_id)
        return user

    def active_users(self) -> list[User]:
        """Return the active users, oldest first."""
        return [u for u in self._users.values() if u.is_active]

    def __len__(self) -> int:
        return len(self._users)

    def __repr__(self) -> str:
        return f"<UserManager: {len(self._users)} users>"
