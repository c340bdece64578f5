"""HTTPS hardening by settings: clean `check --deploy` with the documented production env, plain http by default."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "docs" / "operations.md"
SECRET = secrets.token_urlsafe(50)


def production_env() -> dict[str, str]:
    """The variables of the ```env block under "## Production settings" in docs/operations.md."""
    text = OPERATIONS.read_text()
    section = text.split("## Production settings", 1)[1]
    block = re.search(r"```env\n(.*?)```", section, re.S)
    assert block, "docs/operations.md has no ```env block under Production settings"
    pairs = dict(line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#"))
    return {name: SECRET if value.startswith("<") else value for name, value in pairs.items()}


def check_deploy(tmp_path: Path, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Nothing of this process's environment but what finds Python: tests/settings.py put test values there.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATA_DIR": str(tmp_path / "var"), **variables}
    env["DJANGO_SETTINGS_MODULE"] = "rag_app.settings"
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_reports_nothing_with_the_documented_production_env(tmp_path):
    variables = production_env()
    assert variables["DJANGO_SECURE_SSL_REDIRECT"] == "1"  # the block was found and read
    result = check_deploy(tmp_path, variables)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout + result.stderr
    assert "WARNING" not in result.stderr


def test_embedded_defaults_leave_https_off_and_check_deploy_says_what_to_set(tmp_path):
    result = check_deploy(tmp_path, {"DJANGO_SECRET_KEY": SECRET})
    assert sorted(set(re.findall(r"security\.W\d+", result.stderr))) == [
        "security.W004",  # HSTS
        "security.W008",  # SSL redirect
        "security.W012",  # session cookie
        "security.W016",  # CSRF cookie
    ], result.stderr


@pytest.mark.parametrize("name", ["DJANGO_SECURE_HSTS_SECONDS", "DJANGO_SECURE_PROXY_SSL_HEADER"])
def test_a_bad_security_value_stops_startup_naming_it(tmp_path, name):
    result = check_deploy(tmp_path, {**production_env(), name: "forever"})
    assert result.returncode != 0
    assert f"{name}='forever' is invalid" in result.stderr


@pytest.mark.django_db
def test_defaults_serve_plain_http_on_loopback(client):
    response = client.get("/accounts/login/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert not response.cookies["csrftoken"]["secure"]


PRODUCTION = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


@pytest.mark.django_db
@override_settings(**PRODUCTION)
def test_production_settings_redirect_http_and_trust_the_proxy_for_https(client, alice):
    assert client.get("/accounts/login/").headers["Location"] == "https://testserver/accounts/login/"
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response.cookies["csrftoken"]["secure"]
    logged_in = client.post(
        "/accounts/login/", {"username": "alice", "password": "alice-pass-123"}, HTTP_X_FORWARDED_PROTO="https"
    )
    assert logged_in.status_code == 302
    assert logged_in.cookies["sessionid"]["secure"]


@pytest.mark.django_db
def test_html_pages_carry_the_content_security_policy(client, alice):
    client.force_login(alice)
    response = client.get("/documents/")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert nonce, policy
    assert f'<script nonce="{nonce.group(1)}">' in response.content.decode()
    for directive in ("default-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe" not in policy
