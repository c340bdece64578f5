"""Oversized uploads are refused early, against the live server: from Content-Length before the body is sent
in full, and a file that passes the limit while streaming is dropped; nothing of either is kept."""

from __future__ import annotations

import http.client
import json
import select
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from documents.models import Document
from rag_app.accounts.services import token_create

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
BOUNDARY = "----upload-limit-test"


def multipart_head(name: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()


def send_until_answered(
    url: str, path: str, headers: dict[str, str], body_size: int
) -> tuple[int, http.client.HTTPResponse, bytes]:
    """POST a body of body_size bytes in 64 kB pieces, stopping as soon as the server answers.

    Returns (bytes of body sent before the answer, the response, its body). A real HTTP/1.1 exchange on a
    plain socket, because clients such as httpx send the whole body before they read any response.
    """
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {body_size}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode() + multipart_head("huge.txt"))
    sent = len(multipart_head("huge.txt"))
    piece = b"a" * 65536
    sock.setblocking(False)
    deadline = time.monotonic() + 60
    try:
        while sent < body_size and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 5)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(piece[: body_size - sent])
                except BlockingIOError:
                    continue
        sock.setblocking(True)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return sent, response, response.read()
    finally:
        sock.close()


def test_a_60_mb_api_upload_is_refused_from_its_content_length_without_being_sent(live_server, alice, media_root):
    _, token = token_create(owner=alice, name="test")
    before = set(media_root.rglob("*"))
    sent, response, body = send_until_answered(
        live_server.url,
        "/api/documents/",
        {"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        60 * MB,
    )
    assert response.status == 413
    error = json.loads(body)["error"]
    assert error["code"] == "file_too_large"
    assert error["message"] == "The upload is 60.0 MB; files of at most 50 MB are accepted."
    # What the kernel buffers took before the answer came: a few MB on loopback, never the 60.
    assert sent < 16 * MB, f"{sent / MB:.1f} MB sent before the answer"
    print(f"\n60 MB upload: {sent / MB:.2f} MB sent before the 413")
    assert not Document.objects.exists()
    assert set(media_root.rglob("*")) == before


def test_a_browser_upload_over_the_limit_returns_to_the_page_with_the_reason(live_server, alice):
    client = Client()
    client.force_login(alice)
    session = client.cookies["sessionid"].value
    sent, response, _ = send_until_answered(
        live_server.url,
        "/documents/",
        {"Cookie": f"sessionid={session}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        60 * MB,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/documents/"
    assert sent < 16 * MB
    cookies = {"sessionid": session}
    for header in response.headers.get_all("Set-Cookie") or []:  # the message travels in a cookie
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    page = httpx.get(f"{live_server.url}/documents/", cookies=cookies)
    assert "The upload is 60.0 MB; files of at most 50 MB are accepted (one at a time without JavaScript)." in page.text
    assert not Document.objects.exists()


def test_a_file_growing_past_the_limit_while_streaming_is_dropped(live_server, alice, settings, tmp_path):
    """Content-Length within the form allowance, the file itself over: stopped as it streams in, not kept."""
    settings.MAX_UPLOAD_MB = 1
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # so the file streams to a temporary file on disk
    _, token = token_create(owner=alice, name="test")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token}"}) as api:
        response = api.post("/api/documents/", files={"file": ("big.txt", b"a" * (MB + 200_000), "text/plain")})
        assert response.status_code == 413
        assert response.json()["error"] == {
            "code": "file_too_large",
            "message": "'big.txt' is larger than the 1 MB limit; nothing was kept.",
        }
        assert list(tmp_path.iterdir()) == []  # the temporary file was deleted when the file was dropped
        small = api.post("/api/documents/", files={"file": ("small.txt", b"Small enough to keep.", "text/plain")})
        assert small.status_code == 201
    assert list(Document.objects.values_list("title", flat=True)) == ["small.txt"]


def test_the_no_javascript_form_names_the_file_that_grew_past_the_limit(alice, settings):
    settings.MAX_UPLOAD_MB = 1
    client = Client()
    client.force_login(alice)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/documents/",
        {"file": [SimpleUploadedFile("fine.txt", b"ok"), SimpleUploadedFile("big.txt", b"a" * (MB + 10))]},
        follow=True,
    )
    assert response.redirect_chain == [("/documents/", 303)]
    assert "&#x27;big.txt&#x27; is larger than the 1 MB limit; nothing was kept." in response.content.decode()
    assert not Document.objects.exists()  # the request is refused whole: the user uploads again without it
