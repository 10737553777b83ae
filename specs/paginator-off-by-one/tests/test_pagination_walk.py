"""Walking every page through next_page, for many sizes: every item once, no empty pages."""

import pytest

from pagination import EmptyPage, paginate


@pytest.mark.parametrize("per_page", [1, 2, 3, 7, 10, 20])
def test_walking_next_page_visits_every_item_once(per_page):
    for total in range(0, 61):
        items = list(range(total))
        seen, pages, number = [], 0, 1
        while number is not None:
            body = paginate(items, page=number, per_page=per_page)
            if total:
                assert body["items"], f"empty page {number} of {total} items at {per_page} per page"
            seen.extend(body["items"])
            pages += 1
            number = body["next_page"]
        assert seen == items
        assert pages == body["total_pages"] == max(1, -(-total // per_page))


@pytest.mark.parametrize(("total", "per_page"), [(20, 20), (40, 20), (21, 7), (100, 10), (3, 1)])
def test_one_past_the_last_page_is_empty_page(total, per_page):
    last = paginate(list(range(total)), page=1, per_page=per_page)["total_pages"]
    assert paginate(list(range(total)), page=last, per_page=per_page)["next_page"] is None
    with pytest.raises(EmptyPage):
        paginate(list(range(total)), page=last + 1, per_page=per_page)
