"""Limits: throttles per user and per IP on ask, upload and token; login lockout (django-axes); 429 + Retry-After."""

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from rag_app.env import env_rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings: Settings):
    """Set some throttle rates for the test (the rest: none)."""

    def set_rates(**scopes: str) -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": scopes}

    return set_rates


def _throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_ask_is_limited_per_user_and_per_address(rates, alice_api, bob_api):
    rates(ask_user="2/min", ask_ip="4/min")  # a refused request still counts against the other limit
    # Invalid questions count too: the limit is checked before the body is read.
    assert [alice_api.post("/api/ask/", {}, format="json").status_code for _ in range(2)] == [400, 400]
    _throttled(alice_api.post("/api/ask/", {}, format="json"))  # alice's own limit
    assert bob_api.post("/api/ask/", {}, format="json").status_code == 400
    _throttled(bob_api.post("/api/ask/", {}, format="json"))  # bob's second, but the address's fifth


def test_upload_is_limited_but_listing_is_not(rates, alice_api):
    rates(upload_user="1/min", upload_ip="10/min")
    assert alice_api.post("/api/documents/", {}, format="multipart").status_code == 400
    _throttled(alice_api.post("/api/documents/", {}, format="multipart"))
    assert [alice_api.get("/api/documents/").status_code for _ in range(3)] == [200, 200, 200]


def test_token_requests_are_limited_per_username_and_per_address(rates, alice):
    rates(token_user="2/min", token_ip="4/min")
    client = APIClient()
    for _ in range(2):
        assert client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"}).status_code == 200
    _throttled(client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"}))
    assert client.post("/api/auth/token/", {"username": "bob", "password": "x"}).status_code == 400
    _throttled(client.post("/api/auth/token/", {"username": "carol", "password": "x"}))


def test_a_rate_of_off_means_no_limit(rates, alice_api):
    rates(ask_user=None, ask_ip=None)
    assert all(alice_api.post("/api/ask/", {}, format="json").status_code == 400 for _ in range(40))


def test_wrong_passwords_lock_the_token_endpoint_then_the_login_page(settings: Settings, alice):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    wrong = {"username": "alice", "password": "wrong"}
    assert [client.post("/api/auth/token/", wrong).status_code for _ in range(2)] == [400, 400]
    locked = client.post("/api/auth/token/", wrong)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_MINUTES * 60
    # now even the right password is refused, and the browser login too (same username, same address)
    assert client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"}).status_code == 429
    page = Client().post("/accounts/login/", {"username": "alice", "password": "alice-pass-123"})
    assert page.status_code == 429
    assert int(page["Retry-After"]) == settings.AXES_COOLOFF_MINUTES * 60
    assert "Too many failed logins" in page.content.decode()
    # another user from the same address is not locked out
    assert client.post("/api/auth/token/", {"username": "bob", "password": "x"}).status_code == 400


def test_wrong_passwords_on_the_login_page_lock_it(settings: Settings, alice):
    settings.AXES_FAILURE_LIMIT = 2
    browser = Client()
    assert browser.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    locked = browser.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert locked.status_code == 429
    assert locked["Retry-After"]
    assert APIClient().post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"}).status_code == 429


def test_a_good_login_clears_the_failures(settings: Settings, alice):
    settings.AXES_FAILURE_LIMIT = 2
    client = APIClient()
    assert client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}).status_code == 400
    assert client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"}).status_code == 200
    assert client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}).status_code == 400


@pytest.mark.parametrize(("value", "expected"), [("30/min", "30/min"), ("5/HOUR", "5/hour"), ("off", None)])
def test_rates_are_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("THROTTLE_ASK_USER", value)
    assert env_rate("THROTTLE_ASK_USER", "1/s") == expected


@pytest.mark.parametrize("value", ["30", "0/min", "ten/min", "30/week"])
def test_a_bad_rate_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("THROTTLE_ASK_USER", value)
    with pytest.raises(Exception, match="THROTTLE_ASK_USER"):
        env_rate("THROTTLE_ASK_USER", "1/s")
