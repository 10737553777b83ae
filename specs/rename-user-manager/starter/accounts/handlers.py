"""HTTP-facing handlers for the accounts API.

Each handler takes the UserManager to work with and the request data, and
returns a ``(status, body)`` pair that the web framework turns into a JSON
response. Keeping the framework out of here keeps these easy to test.
"""

from __future__ import annotations

from typing import Any

from accounts.service import DuplicateEmailError, UserManager, UserNotFoundError

Response = tuple[int, dict[str, Any]]


def handle_signup(manager: UserManager, payload: dict[str, Any]) -> Response:
    """POST /users: register a user from `{"email": ..., "display_name": ...}`."""
    email = payload.get("email")
    if not isinstance(email, str):
        return 400, {"error": "email is required"}
    try:
        user = manager.register(email, str(payload.get("display_name", "")))
    except DuplicateEmailError:
        return 409, {"error": "email already registered"}
    except ValueError as exc:
        return 400, {"error": str(exc)}
    return 201, user.to_dict()


def handle_get_user(manager: UserManager, user_id: int) -> Response:
    """GET /users/<id>."""
    try:
        return 200, manager.get(user_id).to_dict()
    except UserNotFoundError:
        return 404, {"error": f"no user {user_id}"}


def handle_deactivate(manager: UserManager, user_id: int) -> Response:
    """POST /users/<id>/deactivate."""
    try:
        user = manager.deactivate(user_id)
    except UserNotFoundError:
        return 404, {"error": f"no user {user_id}"}
    return 200, user.to_dict()


def handle_list_active(manager: UserManager) -> Response:
    """GET /users?active=1."""
    users = manager.active_users()
    return 200, {"count": len(users), "users": [u.to_dict() for u in users]}
