"""Specification of UserStore.search_users, used by the dashboard's search box."""

import pytest

from user_store import User, UserStore


@pytest.fixture
def store():
    store = UserStore()
    store.add_user("grace", "grace@navy.mil", "Grace Hopper")
    store.add_user("ada", "ada@example.com", "Ada Lovelace")
    store.add_user("alan", "alan@example.com", "Alan Turing")
    store.add_user("linus", "torvalds@linux-foundation.org", "Linus Torvalds")
    store.add_user("margaret", "mhamilton@nasa.gov", "Margaret Hamilton", active=False)
    return store


def usernames(users):
    return [user.username for user in users]


def test_matches_part_of_a_username(store):
    assert usernames(store.search_users("gra")) == ["grace"]


def test_matches_part_of_an_email(store):
    assert usernames(store.search_users("nasa.gov")) == ["margaret"]
    assert usernames(store.search_users("@example.com")) == ["ada", "alan"]


def test_matches_part_of_the_full_name(store):
    assert usernames(store.search_users("turing")) == ["alan"]


def test_matching_ignores_case(store):
    assert usernames(store.search_users("LOVELACE")) == ["ada"]
    assert usernames(store.search_users("Navy.MIL")) == ["grace"]


def test_a_user_matching_several_fields_is_listed_once(store):
    assert usernames(store.search_users("ada")) == ["ada"]


def test_results_are_sorted_by_username(store):
    assert usernames(store.search_users("a")) == ["ada", "alan", "grace", "linus", "margaret"]


def test_active_only_leaves_out_deactivated_users(store):
    assert usernames(store.search_users("ham", active_only=True)) == []
    assert usernames(store.search_users("a", active_only=True)) == ["ada", "alan", "grace", "linus"]


def test_limit_caps_the_number_of_results(store):
    assert usernames(store.search_users("a", limit=2)) == ["ada", "alan"]


def test_no_match_gives_an_empty_list(store):
    assert store.search_users("zuse") == []


def test_surrounding_whitespace_in_the_query_is_ignored(store):
    assert usernames(store.search_users("  torvalds \n")) == ["linus"]


@pytest.mark.parametrize("query", ["", "   "])
def test_blank_query_is_rejected(store, query):
    with pytest.raises(ValueError):
        store.search_users(query)


@pytest.mark.parametrize("limit", [0, -3])
def test_limit_must_be_positive(store, limit):
    with pytest.raises(ValueError):
        store.search_users("a", limit=limit)


def test_results_are_the_stored_user_objects(store):
    (alan,) = store.search_users("alan@")
    assert isinstance(alan, User)
    assert alan is store.get_user(alan.id)
