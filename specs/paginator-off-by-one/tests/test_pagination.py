"""Tests for the paginator behind the orders API's list endpoints."""

import pytest

from pagination import MAX_PER_PAGE, EmptyPage, InvalidPage, Paginator, paginate


@pytest.mark.parametrize(
    ("count", "per_page", "expected"),
    [(0, 10, 1), (1, 10, 1), (9, 10, 1), (10, 10, 1), (11, 10, 2), (40, 20, 2), (45, 20, 3), (100, 25, 4)],
)
def test_num_pages(count, per_page, expected):
    assert Paginator(list(range(count)), per_page).num_pages == expected


def test_no_pages_for_empty_list_when_empty_first_page_not_allowed():
    paginator = Paginator([], 10, allow_empty_first_page=False)
    assert paginator.num_pages == 0
    assert list(paginator.page_range) == []
    with pytest.raises(EmptyPage):
        paginator.page(1)


def test_page_range():
    assert list(Paginator(list(range(45)), 20).page_range) == [1, 2, 3]
    assert list(Paginator(list(range(60)), 20).page_range) == [1, 2, 3]


def test_pages_hold_the_right_items():
    paginator = Paginator(list(range(45)), 20)
    assert list(paginator.page(1).items) == list(range(0, 20))
    assert list(paginator.page(2).items) == list(range(20, 40))
    assert list(paginator.page(3).items) == list(range(40, 45))


def test_last_page_of_an_exact_multiple_is_full_and_final():
    last = Paginator(list(range(40)), 20).page(2)
    assert list(last.items) == list(range(20, 40))
    assert not last.has_next()
    with pytest.raises(EmptyPage):
        last.next_page_number()


@pytest.mark.parametrize(("count", "past_the_end"), [(45, 4), (40, 3), (1, 2), (0, 2)])
def test_page_past_the_end_raises_empty_page(count, past_the_end):
    with pytest.raises(EmptyPage):
        Paginator(list(range(count)), 20).page(past_the_end)


@pytest.mark.parametrize("number", [0, -1, "abc", None, 1.5])
def test_invalid_page_numbers(number):
    with pytest.raises(InvalidPage):
        Paginator(list(range(45)), 20).page(number)


def test_page_number_may_come_from_a_query_string():
    assert Paginator(list(range(45)), 20).page("2").number == 2


def test_previous_and_next():
    paginator = Paginator(list(range(45)), 20)
    first, middle = paginator.page(1), paginator.page(2)
    assert (first.has_previous(), first.has_next()) == (False, True)
    assert (middle.previous_page_number(), middle.next_page_number()) == (1, 3)
    with pytest.raises(InvalidPage):
        first.previous_page_number()


def test_start_and_end_index():
    paginator = Paginator(list(range(45)), 20)
    assert (paginator.page(1).start_index(), paginator.page(1).end_index()) == (1, 20)
    assert (paginator.page(3).start_index(), paginator.page(3).end_index()) == (41, 45)
    empty = Paginator([], 20).page(1)
    assert (empty.start_index(), empty.end_index()) == (0, 0)


def test_per_page_must_be_positive():
    with pytest.raises(ValueError):
        Paginator([1, 2, 3], 0)


def test_paginate_payload_on_the_last_page():
    orders = [f"order-{n}" for n in range(1, 41)]
    body = paginate(orders, page=2, per_page=20)
    assert body == {
        "items": orders[20:],
        "page": 2,
        "per_page": 20,
        "total": 40,
        "total_pages": 2,
        "showing": [21, 40],
        "next_page": None,
        "prev_page": 1,
    }


def test_paginate_payload_in_the_middle():
    body = paginate(list(range(50)), page=2, per_page=20)
    assert (body["prev_page"], body["next_page"], body["total_pages"]) == (1, 3, 3)


def test_paginate_clamps_per_page():
    assert paginate(list(range(500)), per_page=10_000)["per_page"] == MAX_PER_PAGE
    assert paginate(list(range(5)), per_page=0)["per_page"] == 1
    assert paginate(list(range(5)), per_page="lots")["per_page"] == 20


def test_paginate_empty_list():
    body = paginate([])
    assert (body["items"], body["total_pages"], body["next_page"], body["prev_page"]) == ([], 1, None, None)
