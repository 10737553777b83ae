"""The behaviour the API layer expects from Cache."""

import time

from cache import Cache


def test_get_returns_the_value_that_was_set():
    cache = Cache()
    cache.set("user:1", {"name": "Ada"})
    assert cache.get("user:1") == {"name": "Ada"}


def test_get_missing_key_returns_default():
    cache = Cache()
    assert cache.get("user:404") is None
    assert cache.get("user:404", "fallback") == "fallback"


def test_set_overwrites_existing_value():
    cache = Cache()
    cache.set("token", "old")
    cache.set("token", "new")
    assert cache.get("token") == "new"
    assert len(cache) == 1


def test_delete_removes_key_and_reports_whether_it_existed():
    cache = Cache()
    cache.set("session", 42)
    assert cache.delete("session") is True
    assert cache.get("session") is None
    assert cache.delete("session") is False


def test_entries_expire_after_the_default_ttl():
    cache = Cache(default_ttl=0.05)
    cache.set("user:1", "Ada")
    time.sleep(0.1)
    assert cache.get("user:1") is None
    assert cache.get("user:1", "gone") == "gone"


def test_ttl_given_to_set_overrides_the_default():
    cache = Cache(default_ttl=60)
    cache.set("short", 1, ttl=0.05)
    cache.set("long", 2)
    time.sleep(0.1)
    assert cache.get("short") is None
    assert cache.get("long") == 2


def test_clear_removes_every_entry():
    cache = Cache()
    for n in range(3):
        cache.set(f"k{n}", n)
    cache.clear()
    assert len(cache) == 0
    assert cache.get("k0") is None


def test_len_counts_only_live_entries():
    cache = Cache()
    assert len(cache) == 0
    cache.set("expiring", 1, ttl=0.05)
    cache.set("a", 2)
    cache.set("b", 3)
    time.sleep(0.1)
    assert len(cache) == 2
