"""User accounts: the AccountService that owns them and the HTTP handlers built on it.

Typical use::

    from accounts import AccountService
    from accounts.handlers import handle_signup

    service = AccountService()
    status, body = handle_signup(service, {"email": "ada@example.com", "display_name": "Ada"})
"""

from accounts.models import User
from accounts.service import AccountService, DuplicateEmailError, UserNotFoundError

__all__ = ["AccountService", "DuplicateEmailError", "User", "UserNotFoundError"]
