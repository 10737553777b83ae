"""User lookups after the security fix: every value is a parameter."""

from __future__ import annotations

import sqlite3


def get_user(conn: sqlite3.Connection, user_id: int) -> tuple[object, ...] | None:
    """Return the user with this id."""
    cursor = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return cursor.fetchone()


def search_users(conn: sqlite3.Connection, name: str) -> list[tuple[object, ...]]:
    """Return the users whose name contains ``name``."""
    return conn.execute("SELECT * FROM users WHERE name LIKE ?", (f"%{name}%",)).fetchall()


def get_users(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[object, ...]]:
    """Return the users with these ids."""
    marks = ",".join("?" * len(ids))
    return conn.execute(f"SELECT * FROM users WHERE id IN ({marks})", ids).fetchall()


def delete_user(conn: sqlite3.Connection, email: str) -> None:
    """Delete the user with this email."""
    message = f"deleting {email}"
    print(message)
    conn.execute("DELETE FROM users WHERE email = ?", (email,))
    conn.commit()
