"""Tests for userdb: what the support tool needs, and what an attacker must not get."""

import pytest

import userdb


@pytest.fixture
def conn():
    conn = userdb.connect()
    userdb.create_user(conn, "root", "Site Administrator", "root@example.com", is_admin=True)
    userdb.create_user(conn, "alice", "Alice Smith", "alice@example.com")
    userdb.create_user(conn, "bob", "Bob Smithers", "bob@example.com")
    userdb.create_user(conn, "d'arcy", "Fitzwilliam D'Arcy", "darcy@example.com")
    yield conn
    conn.close()


def usernames(users):
    return [user.username for user in users]


def emails(conn):
    return dict(conn.execute("SELECT username, email FROM users").fetchall())


# --- what the support tool relies on -------------------------------------------------


def test_get_user_by_username(conn):
    alice = userdb.get_user_by_username(conn, "alice")
    assert alice == userdb.User(2, "alice", "Alice Smith", "alice@example.com", False)
    assert userdb.get_user_by_username(conn, "mallory") is None


def test_search_users_by_name_matches_part_of_the_name(conn):
    assert usernames(userdb.search_users_by_name(conn, "smith")) == ["alice", "bob"]
    assert usernames(userdb.search_users_by_name(conn, "Admin")) == ["root"]
    assert userdb.search_users_by_name(conn, "nobody") == []


def test_update_email(conn):
    assert userdb.update_email(conn, "bob", "robert@example.com") is True
    assert userdb.get_user_by_username(conn, "bob").email == "robert@example.com"
    assert userdb.update_email(conn, "mallory", "m@example.com") is False


def test_apostrophes_in_input_are_ordinary_characters(conn):
    assert userdb.get_user_by_username(conn, "d'arcy").full_name == "Fitzwilliam D'Arcy"
    assert usernames(userdb.search_users_by_name(conn, "D'Arcy")) == ["d'arcy"]
    assert userdb.update_email(conn, "d'arcy", "fitz@pemberley.example") is True
    assert emails(conn)["d'arcy"] == "fitz@pemberley.example"


def test_list_admins_and_delete_user(conn):
    assert usernames(userdb.list_admins(conn)) == ["root"]
    assert userdb.delete_user(conn, 1) is True
    assert userdb.list_admins(conn) == []
    assert userdb.delete_user(conn, 1) is False


# --- injection attempts ---------------------------------------------------------------


def test_username_lookup_is_not_fooled_by_an_always_true_condition(conn):
    assert userdb.get_user_by_username(conn, "x' OR '1'='1") is None


def test_username_lookup_does_not_run_a_second_statement(conn):
    assert userdb.get_user_by_username(conn, "x'; DROP TABLE users; --") is None
    assert usernames(userdb.list_admins(conn)) == ["root"]


def test_name_search_treats_quotes_as_text(conn):
    assert userdb.search_users_by_name(conn, "' OR '1'='1") == []


def test_email_update_cannot_change_other_columns_or_rows(conn):
    payload = "evil@example.com', is_admin = 1 WHERE username = 'bob' --"
    assert userdb.update_email(conn, "alice", payload) is True
    assert emails(conn)["alice"] == payload
    assert emails(conn)["bob"] == "bob@example.com"
    assert usernames(userdb.list_admins(conn)) == ["root"]


def test_email_update_cannot_widen_its_where_clause(conn):
    before = emails(conn)
    assert userdb.update_email(conn, "nobody' OR '1'='1", "owned@example.com") is False
    assert emails(conn) == before
