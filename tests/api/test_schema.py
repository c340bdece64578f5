"""The OpenAPI schema at /api/schema/ and its readers at /api/docs/ and /api/redoc/, all from our own server."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(client: Client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_endpoint_is_described_with_a_success_body_and_the_error_shape(schema):
    operations = list(_operations(schema))
    assert len(operations) >= 30
    assert "/api/answers/" in schema["paths"]
    assert "/api/auth/token/" in schema["paths"]
    for path, method, operation in operations:
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, f"{method} {path} has no success response"
        if method != "delete":
            assert all(responses[c].get("content") for c in success), f"{method} {path}: a body without a schema"
        assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if operation.get("security", [{}]) != [{}] and path != "/api/health/":
            assert "401" in responses, f"{method} {path} does not document 401"
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"code", "message", "fields", "support_id"}
    assert set(detail["required"]) == {"code", "message"}


def test_lists_document_their_filters_ordering_and_pagination(schema):
    def parameters(path: str) -> set[str]:
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"status", "kind", "q", "created_after", "created_before", "ordering", "limit", "offset"} <= parameters(
        "/api/documents/"
    )
    assert {"q", "tag", "created_after", "updated_before", "ordering"} <= parameters("/api/notes/")
    assert {"q", "created_after", "ordering"} <= parameters("/api/conversations/")
    assert {"status", "conversation", "q", "created_before", "ordering"} <= parameters("/api/answers/")
    listed = schema["paths"]["/api/documents/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed == {"$ref": "#/components/schemas/PaginatedDocumentOutputList"}


def test_ask_documents_its_event_stream_limits_and_examples(schema):
    ask = schema["paths"]["/api/ask/"]["post"]
    ok = ask["responses"]["200"]["content"]
    assert set(ok) == {"application/json", "text/event-stream"}
    assert "`token`" in ok["text/event-stream"]["schema"]["description"]
    assert ok["text/event-stream"]["schema"]["properties"]["event"]["enum"] == [
        "meta",
        "token",
        "citations",
        "done",
        "error",
    ]
    assert {"429", "503", "504"} <= set(ask["responses"])
    assert ask["requestBody"]["content"]["application/json"]["examples"]
    assert (
        "text/event-stream" in schema["paths"]["/api/answers/{answer_id}/events/"]["get"]["responses"]["200"]["content"]
    )


def test_upload_documents_multipart_limits_and_an_example(schema):
    upload = schema["paths"]["/api/documents/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "201", "413", "429"} <= set(upload["responses"])
    assert upload["responses"]["201"]["content"]["application/json"]["examples"]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_scripts_from_our_static_files_not_a_cdn(client: Client, page: str):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "//" not in "".join(sources), sources  # nothing from another host
    assert any(s.startswith("/static/drf_spectacular_sidecar/") and s.endswith(".js") for s in sources)
    assert not re.search(r"<script>|<style>", html)  # the CSP allows no inline script
    scripts = re.findall(r'<script src="([^"]+)"', html)
    for script in scripts:
        if not script.startswith("/static/"):  # Swagger UI's set-up, served by the view as a file
            setup = client.get(script)
            assert setup["Content-Type"].startswith("application/javascript")
            assert "/api/schema/" in setup.content.decode()
    if page == "/api/redoc/":
        assert 'spec-url="/api/schema/"' in html


def test_the_schema_is_valid_openapi_with_no_warning_and_names_the_bearer_token(schema):
    from io import StringIO

    from django.core.management import call_command

    # --validate checks it against the OpenAPI 3 specification; a view spectacular cannot describe fails it.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "/api/tokens/" in schema["paths"]
    assert "/v1/chat/completions" not in schema["paths"]
