"""Edge cases for merging: other sequence types, keys, and many shards."""

import random

from merge import is_sorted, merge_many, merge_sorted_lists


def test_tuples_and_ranges_are_accepted():
    assert merge_sorted_lists((1, 4), range(2, 8, 2)) == [1, 2, 4, 4, 6]


def test_strings_merge_alphabetically():
    assert merge_sorted_lists(["apple", "cherry"], ["banana", "date", "fig"]) == [
        "apple",
        "banana",
        "cherry",
        "date",
        "fig",
    ]


def test_descending_inputs_with_negating_key():
    merged = merge_sorted_lists([9, 5, 1], [8, 7, 6, 2], key=lambda x: -x)
    assert merged == [9, 8, 7, 6, 5, 2, 1]


def test_single_item_against_long_list():
    assert merge_sorted_lists([100], list(range(10))) == list(range(10)) + [100]
    assert merge_sorted_lists([-1], list(range(10))) == [-1] + list(range(10))


def test_equal_items_keep_left_first_by_identity():
    left = [[1], [1]]
    right = [[1], [1], [1]]
    merged = merge_sorted_lists(left, right, key=lambda item: item[0])
    assert [id(x) for x in merged] == [id(x) for x in left + right]


def test_merge_many_matches_sorted_for_random_shards():
    rng = random.Random(99)
    for _ in range(50):
        shards = [
            sorted(rng.randint(0, 30) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 6))
        ]
        merged = merge_many(shards)
        assert merged == sorted(value for shard in shards for value in shard)
        assert is_sorted(merged)


def test_merge_many_with_one_shard_returns_a_copy():
    shard = [1, 2, 3]
    merged = merge_many([shard])
    assert merged == shard
    assert merged is not shard
