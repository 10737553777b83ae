"""User lookups, as the security task starts: SQL built with f-strings."""

from __future__ import annotations

import sqlite3


def get_user(conn: sqlite3.Connection, user_id: int) -> tuple[object, ...] | None:
    """Return the user with this id."""
    cursor = conn.execute(f"SELECT * FROM users WHERE id = {user_id}")
    return cursor.fetchone()


def search_users(conn: sqlite3.Connection, name: str) -> list[tuple[object, ...]]:
    """Return the users whose name contains ``name``."""
    query = f"SELECT * FROM users WHERE name LIKE '%{name}%'"
    return conn.execute(query).fetchall()


def delete_user(conn: sqlite3.Connection, email: str) -> None:
    """Delete the user with this email."""
    conn.execute("DELETE FROM users WHERE email = '" + email + "'")
    conn.commit()
