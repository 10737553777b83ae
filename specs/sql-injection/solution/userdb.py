"""SQLite storage for the support tool's user accounts.

Support staff look customers up by username or by (part of) their name and
can correct a customer's email address. The web views pass form input
straight to these functions, so every value reaches SQLite as a bound
parameter, never as part of the SQL text.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id        INTEGER PRIMARY KEY,
    username  TEXT    NOT NULL UNIQUE,
    full_name TEXT    NOT NULL,
    email     TEXT    NOT NULL,
    is_admin  INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class User:
    """One row of the users table."""

    id: int
    username: str
    full_name: str
    email: str
    is_admin: bool


def _to_user(row: tuple) -> User:
    id_, username, full_name, email, is_admin = row
    return User(id_, username, full_name, email, bool(is_admin))


def connect(path: str = ":memory:") -> sqlite3.Connection:
    """Open the database at `path` and make sure the schema exists."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    return conn


def create_user(
    conn: sqlite3.Connection, username: str, full_name: str, email: str, is_admin: bool = False
) -> User:
    """Insert a user and return it."""
    with conn:
        cursor = conn.execute(
            "INSERT INTO users (username, full_name, email, is_admin) VALUES (?, ?, ?, ?)",
            (username, full_name, email, int(is_admin)),
        )
    return User(cursor.lastrowid, username, full_name, email, is_admin)


def get_user_by_username(conn: sqlite3.Connection, username: str) -> User | None:
    """Return the user with exactly this username, or None."""
    row = conn.execute(
        "SELECT id, username, full_name, email, is_admin FROM users WHERE username = ?",
        (username,),
    ).fetchone()
    return _to_user(row) if row else None


def search_users_by_name(conn: sqlite3.Connection, name: str) -> list[User]:
    """Return users whose full name contains `name` (case-insensitive for ASCII), ordered by username."""
    rows = conn.execute(
        "SELECT id, username, full_name, email, is_admin FROM users WHERE full_name LIKE ? ORDER BY username",
        (f"%{name}%",),
    ).fetchall()
    return [_to_user(row) for row in rows]


def update_email(conn: sqlite3.Connection, username: str, new_email: str) -> bool:
    """Change a user's email address; return False if there is no such user."""
    with conn:
        cursor = conn.execute("UPDATE users SET email = ? WHERE username = ?", (new_email, username))
    return cursor.rowcount > 0


def list_admins(conn: sqlite3.Connection) -> list[User]:
    """Return the administrators, ordered by username."""
    rows = conn.execute(
        "SELECT id, username, full_name, email, is_admin FROM users WHERE is_admin = 1 ORDER BY username"
    ).fetchall()
    return [_to_user(row) for row in rows]


def delete_user(conn: sqlite3.Connection, user_id: int) -> bool:
    """Delete a user by id; return False if there was none."""
    with conn:
        cursor = conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
    return cursor.rowcount > 0
