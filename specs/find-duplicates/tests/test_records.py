"""Behaviour of the customer-import data-quality helpers."""

import pytest

from records import (
    duplicate_customer_ids,
    duplicate_emails,
    find_duplicates,
    incomplete_rows,
    normalise_email,
)


def test_no_duplicates_gives_empty_list():
    assert find_duplicates([1, 2, 3, 4]) == []


def test_empty_input():
    assert find_duplicates([]) == []


def test_each_duplicate_is_reported_once():
    assert find_duplicates([7, 7, 7, 2, 2, 9]) == [7, 2]


def test_duplicates_come_in_order_of_first_occurrence():
    # "b" is seen first even though "a" is the first to repeat.
    assert find_duplicates(["b", "a", "c", "a", "b", "a"]) == ["b", "a"]


def test_order_follows_first_occurrence_not_second():
    assert find_duplicates([3, 1, 2, 1, 3]) == [3, 1]


def test_none_is_an_ordinary_item():
    assert find_duplicates([None, 0, None, "", 0]) == [None, 0]


def test_accepts_tuples_and_returns_a_list():
    result = find_duplicates(("x", "y", "x"))
    assert result == ["x"]
    assert isinstance(result, list)


def test_input_is_not_modified():
    items = [4, 1, 4, 1, 5]
    find_duplicates(items)
    assert items == [4, 1, 4, 1, 5]


def test_tuples_as_items():
    rows = [("ada", 1), ("bob", 2), ("ada", 1), ("ada", 2)]
    assert find_duplicates(rows) == [("ada", 1)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ada@Example.com", "ada@example.com"), ("  bob@example.org\n", "bob@example.org")],
)
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


def test_duplicate_emails_ignores_case_and_whitespace():
    customers = [
        {"customer_id": 1, "email": "Ada@Example.com", "name": "Ada"},
        {"customer_id": 2, "email": "grace@example.com", "name": "Grace"},
        {"customer_id": 3, "email": " ada@example.com ", "name": "Ada L."},
    ]
    assert duplicate_emails(customers) == ["ada@example.com"]


def test_duplicate_customer_ids():
    customers = [
        {"customer_id": 10, "email": "a@example.com", "name": "A"},
        {"customer_id": 11, "email": "b@example.com", "name": "B"},
        {"customer_id": 10, "email": "c@example.com", "name": "C"},
    ]
    assert duplicate_customer_ids(customers) == [10]


def test_incomplete_rows_reports_positions():
    customers = [
        {"customer_id": 1, "email": "a@example.com", "name": "A"},
        {"customer_id": 2, "email": "   ", "name": "B"},
        {"customer_id": None, "email": "c@example.com", "name": "C"},
        {"customer_id": 4, "email": "d@example.com"},
    ]
    assert incomplete_rows(customers) == [1, 2, 3]
