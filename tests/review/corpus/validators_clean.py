"""Email and password validators."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")
SPECIAL = set("!@#$%^&*()-_=+[]{};:,.<>/?")


def validate_email(email: str) -> bool:
    """Return whether ``email`` looks like an address."""
    return bool(EMAIL.match(email))


def validate_password(password: str) -> bool:
    """Return whether ``password`` has 8+ characters, a digit, an upper-case letter and a symbol."""
    # Note: a length check first keeps the common failure cheap.
    if len(password) < 8:
        return False
    checks = (str.isdigit, str.isupper, SPECIAL.__contains__)
    return all(any(check(c) for c in password) for check in checks)
