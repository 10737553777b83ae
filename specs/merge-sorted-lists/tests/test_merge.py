"""Tests for merging sorted sequences."""

import random

import pytest

from merge import is_sorted, merge_many, merge_sorted_lists


def test_interleaved_lists_of_equal_length():
    assert merge_sorted_lists([1, 3, 5], [2, 4, 6]) == [1, 2, 3, 4, 5, 6]


def test_right_list_longer():
    assert merge_sorted_lists([1, 3, 5], [2, 4, 6, 8, 10]) == [1, 2, 3, 4, 5, 6, 8, 10]


def test_left_list_longer():
    assert merge_sorted_lists([0, 10, 20, 30, 40], [5, 15]) == [0, 5, 10, 15, 20, 30, 40]


def test_all_of_one_list_before_the_other():
    assert merge_sorted_lists([1, 2, 3], [7, 8, 9]) == [1, 2, 3, 7, 8, 9]
    assert merge_sorted_lists([7, 8, 9], [1, 2, 3]) == [1, 2, 3, 7, 8, 9]


@pytest.mark.parametrize(("left", "right"), [([], [1, 2]), ([1, 2], []), ([], [])])
def test_empty_inputs(left, right):
    assert merge_sorted_lists(left, right) == sorted(left + right)


def test_duplicates_are_kept():
    assert merge_sorted_lists([1, 2, 2, 3], [2, 3, 3]) == [1, 2, 2, 2, 3, 3, 3]


def test_merge_is_stable_with_key():
    left = [("10:00", "shard-a"), ("10:05", "shard-a")]
    right = [("10:00", "shard-b"), ("10:05", "shard-b"), ("10:07", "shard-b")]
    merged = merge_sorted_lists(left, right, key=lambda record: record[0])
    assert merged == [
        ("10:00", "shard-a"),
        ("10:00", "shard-b"),
        ("10:05", "shard-a"),
        ("10:05", "shard-b"),
        ("10:07", "shard-b"),
    ]


def test_inputs_are_not_modified():
    left, right = [1, 4], [2, 3, 5]
    merge_sorted_lists(left, right)
    assert left == [1, 4]
    assert right == [2, 3, 5]


def test_matches_sorted_on_random_inputs():
    rng = random.Random(1234)
    for _ in range(200):
        left = sorted(rng.randint(-50, 50) for _ in range(rng.randint(0, 15)))
        right = sorted(rng.randint(-50, 50) for _ in range(rng.randint(0, 15)))
        assert merge_sorted_lists(left, right) == sorted(left + right)


def test_merge_many_combines_every_shard():
    shards = [[1, 5, 9], [2, 6], [0, 3, 4, 7, 8, 10]]
    assert merge_many(shards) == list(range(11))


def test_merge_many_of_nothing_is_empty():
    assert merge_many([]) == []


@pytest.mark.parametrize(
    ("items", "expected"),
    [([], True), ([1], True), ([1, 1, 2], True), ([2, 1], False), ([1, 3, 2, 4], False)],
)
def test_is_sorted(items, expected):
    assert is_sorted(items) is expected
