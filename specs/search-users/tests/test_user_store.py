"""Tests for the existing UserStore behaviour."""

import dataclasses

import pytest

from user_store import DuplicateUser, User, UserNotFound, UserStore


@pytest.fixture
def store():
    store = UserStore()
    store.add_user("grace", "grace@navy.mil", "Grace Hopper")
    store.add_user("ada", "ada@example.com", "Ada Lovelace")
    return store


def test_add_user_assigns_ids_and_strips_fields():
    store = UserStore()
    user = store.add_user("  linus ", " linus@example.org ", " Linus Torvalds ")
    assert user == User(1, "linus", "linus@example.org", "Linus Torvalds", True)
    assert store.add_user("ken", "ken@example.org").id == 2


@pytest.mark.parametrize(("username", "email"), [("ADA", "new@example.com"), ("new", "Ada@Example.com")])
def test_usernames_and_emails_are_unique_ignoring_case(store, username, email):
    with pytest.raises(DuplicateUser):
        store.add_user(username, email)


def test_get_user_and_get_by_username(store):
    ada = store.get_by_username("Ada")
    assert ada is not None
    assert store.get_user(ada.id) is ada
    assert store.get_by_username("nobody") is None
    with pytest.raises(UserNotFound):
        store.get_user(99)


def test_users_are_immutable(store):
    with pytest.raises(dataclasses.FrozenInstanceError):
        store.get_user(1).username = "hacked"


def test_update_user(store):
    updated = store.update_user(1, full_name="Rear Admiral Grace Hopper")
    assert updated.full_name == "Rear Admiral Grace Hopper"
    assert store.get_user(1) == updated
    with pytest.raises(TypeError):
        store.update_user(1, active=False)
    with pytest.raises(DuplicateUser):
        store.update_user(1, email="ADA@example.com")


def test_deactivate_and_list(store):
    store.deactivate(2)
    assert [u.username for u in store.list_users()] == ["ada", "grace"]
    assert [u.username for u in store.list_users(active_only=True)] == ["grace"]


def test_remove_user(store):
    store.remove_user(1)
    assert len(store) == 1
    with pytest.raises(UserNotFound):
        store.remove_user(1)
