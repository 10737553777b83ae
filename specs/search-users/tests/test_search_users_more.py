"""More search_users cases: combinations of options, and searches after edits."""

import pytest

from user_store import UserStore


@pytest.fixture
def store():
    store = UserStore()
    store.add_user("grace", "grace@navy.mil", "Grace Hopper")
    store.add_user("ada", "ada@example.com", "Ada Lovelace")
    store.add_user("alan", "alan@example.com", "Alan Turing")
    store.add_user("margaret", "mhamilton@nasa.gov", "Margaret Hamilton", active=False)
    return store


def usernames(users):
    return [user.username for user in users]


def test_active_only_and_limit_together(store):
    assert usernames(store.search_users("a", active_only=True, limit=2)) == ["ada", "alan"]
    assert usernames(store.search_users("ham", active_only=True, limit=5)) == []


def test_limit_is_applied_after_sorting(store):
    store.add_user("aaron", "aaron@example.com")
    assert usernames(store.search_users("example.com", limit=1)) == ["aaron"]


def test_limit_larger_than_the_matches_and_explicit_none(store):
    assert usernames(store.search_users("example", limit=10)) == ["ada", "alan"]
    assert usernames(store.search_users("example", limit=None)) == ["ada", "alan"]


def test_sorting_ignores_case_of_usernames():
    store = UserStore()
    store.add_user("Zed", "zed@example.com")
    store.add_user("bea", "bea@example.com")
    store.add_user("Amy", "amy@example.com")
    assert usernames(store.search_users("@example.com")) == ["Amy", "bea", "Zed"]


def test_query_must_fit_inside_one_field(store):
    assert store.search_users("mil grace") == []
    assert store.search_users("ada ada@") == []


def test_search_sees_updates_and_removals(store):
    store.update_user(1, full_name="Rear Admiral Grace Hopper")
    assert usernames(store.search_users("admiral")) == ["grace"]
    store.remove_user(2)
    assert usernames(store.search_users("example.com")) == ["alan"]


def test_deactivated_user_still_found_without_active_only(store):
    store.deactivate(3)
    assert usernames(store.search_users("turing")) == ["alan"]
    assert store.search_users("turing", active_only=True) == []


def test_search_on_an_empty_store():
    assert UserStore().search_users("anyone") == []
