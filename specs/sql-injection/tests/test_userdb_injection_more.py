"""More injection payloads: comments, UNION, stacked statements."""

import pytest

import userdb


@pytest.fixture
def conn():
    conn = userdb.connect()
    userdb.create_user(conn, "root", "Site Administrator", "root@example.com", is_admin=True)
    userdb.create_user(conn, "alice", "Alice Smith", "alice@example.com")
    yield conn
    conn.close()


def test_comment_cannot_cut_off_the_rest_of_the_lookup(conn):
    assert userdb.get_user_by_username(conn, "root' --") is None


def test_union_cannot_pull_in_admin_rows(conn):
    payload = "zzz%' UNION SELECT id, username, full_name, email, is_admin FROM users WHERE is_admin = 1 --"
    assert userdb.search_users_by_name(conn, payload) == []


def test_name_search_cannot_be_narrowed_to_admins(conn):
    assert userdb.search_users_by_name(conn, "%' AND is_admin = 1 AND full_name LIKE '%") == []


def test_email_update_with_stacked_statement_is_stored_verbatim(conn):
    payload = "x@example.com'; DELETE FROM users; --"
    assert userdb.update_email(conn, "alice", payload) is True
    assert userdb.get_user_by_username(conn, "alice").email == payload
    assert userdb.get_user_by_username(conn, "root") is not None


@pytest.mark.parametrize("username", ["alice' AND '1'='1", "ALICE", "alice "])
def test_lookup_requires_the_exact_username(conn, username):
    assert userdb.get_user_by_username(conn, username) is None
