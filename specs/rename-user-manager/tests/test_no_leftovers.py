"""The rename is complete: nothing in the package still says UserManager."""

from pathlib import Path

import accounts

PACKAGE = Path(accounts.__file__).parent


def test_no_source_file_mentions_the_old_name():
    leftovers = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "UserManager" in line
    ]
    assert leftovers == []


def test_handlers_are_annotated_with_the_new_class():
    import typing

    import accounts.handlers

    for name in ("handle_signup", "handle_get_user", "handle_deactivate", "handle_list_active"):
        hints = typing.get_type_hints(getattr(accounts.handlers, name))
        assert accounts.AccountService in hints.values(), name
