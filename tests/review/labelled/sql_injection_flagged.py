"""User queries built by interpolation."""


def by_name(cursor, name):
    """Find users by name."""
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    return cursor.fetchall()


def by_id(cursor, user_id):
    """Find a user by id."""
    query = "SELECT * FROM users WHERE id = %s" % user_id
    cursor.execute(query)
    return cursor.fetchone()


def delete(cursor, table, key):
    """Delete a row."""
    cursor.execute("DELETE FROM " + table + " WHERE id = " + key)


def search(cursor, term):
    """Search user names."""
    sql = "SELECT * FROM users WHERE name LIKE '%{}%'".format(term)
    return cursor.execute(sql).fetchall()
