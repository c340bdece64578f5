"""The API docs in real Chromium: Swagger UI and Redoc draw the schema under the CSP, from our own server only.

new_page (conftest.py) fails the test on any CSP violation or page error; requests to another host
are recorded here. The one a page makes is Redoc's footer logo (its bundle always asks
cdn.redoc.ly): the CSP's img-src blocks it before it is sent, and Redoc then drops the image.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("url", "drawn"),
    [("/api/docs/", ".swagger-ui .opblock-tag"), ("/api/redoc/", "[role=search] input, .menu-content")],
)
def test_docs_page_draws_every_tag_without_a_violation_or_an_outside_request(new_page, live_server, url, drawn):
    page = new_page(user=None)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    response = page.goto(url)
    assert response is not None
    assert response.ok
    expect(page.locator(drawn).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/ask/").first).to_be_attached(timeout=30_000)
    page.wait_for_load_state("networkidle")
    blocked = [p for p in page.problems if "img-src blocked https://cdn.redoc.ly/redoc/logo-mini.svg" in p]
    for problem in blocked:
        page.problems.remove(problem)
    assert [u for u in outside if u != "https://cdn.redoc.ly/redoc/logo-mini.svg"] == []
    assert len(blocked) == len(outside)  # every outside request was the logo, and the CSP blocked it
    if url == "/api/redoc/":
        expect(page.locator("img[alt='redocly logo']")).to_have_count(0)
