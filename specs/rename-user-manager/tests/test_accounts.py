"""Tests for the accounts package after UserManager became AccountService."""

import pytest

import accounts
import accounts.service
from accounts import DuplicateEmailError, User, UserNotFoundError
from accounts.handlers import handle_deactivate, handle_get_user, handle_list_active, handle_signup


@pytest.fixture
def service():
    return accounts.AccountService()


def test_package_exports_the_service_from_its_module():
    assert accounts.AccountService is accounts.service.AccountService
    assert "AccountService" in accounts.__all__


def test_old_name_is_gone_everywhere():
    for module in (accounts, accounts.service, accounts.handlers):
        assert not hasattr(module, "UserManager"), module.__name__
    assert "UserManager" not in accounts.__all__


def test_repr_uses_the_new_name(service):
    service.register("ada@example.com", "Ada")
    assert repr(service) == "<AccountService: 1 users>"


def test_register_and_get(service):
    user = service.register("  Ada@Example.com ", "Ada")
    assert isinstance(user, User)
    assert user.email == "ada@example.com"
    assert service.get(user.id) is user
    assert len(service) == 1


def test_register_rejects_duplicate_email(service):
    service.register("ada@example.com", "Ada")
    with pytest.raises(DuplicateEmailError):
        service.register("ADA@example.com", "Someone else")


def test_missing_user_error_names_the_service(service):
    with pytest.raises(UserNotFoundError, match="AccountService has no user with id 7"):
        service.get(7)


def test_deactivate_removes_user_from_active_list(service):
    ada = service.register("ada@example.com", "Ada")
    grace = service.register("grace@example.com", "Grace")
    service.deactivate(ada.id)
    assert service.active_users() == [grace]


def test_signup_handler_creates_user(service):
    status, body = handle_signup(service, {"email": "ada@example.com", "display_name": "Ada"})
    assert status == 201
    assert body["email"] == "ada@example.com"
    assert service.find_by_email("ada@example.com").id == body["id"]


@pytest.mark.parametrize(
    ("payload", "status"),
    [({}, 400), ({"email": "not-an-address"}, 400), ({"email": "taken@example.com"}, 409)],
)
def test_signup_handler_errors(service, payload, status):
    service.register("taken@example.com", "Taken")
    assert handle_signup(service, payload)[0] == status


def test_get_and_deactivate_handlers(service):
    user = service.register("ada@example.com", "Ada")
    assert handle_get_user(service, user.id)[0] == 200
    assert handle_get_user(service, 999) == (404, {"error": "no user 999"})
    status, body = handle_deactivate(service, user.id)
    assert (status, body["is_active"]) == (200, False)
    assert handle_deactivate(service, 999)[0] == 404
    assert handle_list_active(service) == (200, {"count": 0, "users": []})


def test_service_logs_under_its_new_name(service, caplog):
    caplog.set_level("INFO", logger="accounts.service")
    service.register("ada@example.com", "Ada")
    assert "AccountService registered user 1" in caplog.text
