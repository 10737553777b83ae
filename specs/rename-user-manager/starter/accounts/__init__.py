"""User accounts: the UserManager that owns them and the HTTP handlers built on it.

Typical use::

    from accounts import UserManager
    from accounts.handlers import handle_signup

    manager = UserManager()
    status, body = handle_signup(manager, {"email": "ada@example.com", "display_name": "Ada"})
"""

from accounts.models import User
from accounts.service import DuplicateEmailError, UserManager, UserNotFoundError

__all__ = ["DuplicateEmailError", "User", "UserManager", "UserNotFoundError"]
