"""User queries with parameters."""


def by_name(cursor, name):
    """Find users by name."""
    cursor.execute("SELECT * FROM users WHERE name = ?", (name,))
    return cursor.fetchall()


def by_ids(cursor, ids):
    """Find users by ids."""
    marks = ",".join("?" * len(ids))
    cursor.execute(f"SELECT * FROM users WHERE id IN ({marks})", ids)
    return cursor.fetchall()


def search(cursor, term):
    """Search user names."""
    cursor.execute("SELECT * FROM users WHERE name LIKE ?", (f"%{term}%",))
    return cursor.fetchall()


def greeting(name):
    """Build a greeting, not SQL."""
    return f"select a name: {name}"
