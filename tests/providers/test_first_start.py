"""The embedded defaults look healthy on a first start: vision is off unless configured, not down."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.utils import timezone

from rag_app.providers.config import role_config
from rag_app.providers.health import health_overview
from rag_app.providers.models import ProviderHealth

pytestmark = pytest.mark.django_db


def checked(role, *, ok):
    endpoint = role_config(role).primary
    ProviderHealth.objects.create(
        role=role,
        slot="primary",
        kind=endpoint.kind,
        model=endpoint.model,
        base_url=endpoint.base_url,
        ok=ok,
        error="" if ok else "connection refused at http://10.1.2.3:8001/v1",
        checked_at=timezone.now(),
    )


def render(source, user=None):
    return Template("{% load provider_health %}" + source).render(Context({"user": user or AnonymousUser()}))


def test_vision_is_off_by_default_and_the_status_is_ok():
    checked("chat", ok=True)
    checked("embeddings", ok=True)
    assert role_config("vision").primary is None
    overview = health_overview()
    assert (overview["status"], overview["not_configured"]) == ("ok", ["vision"])
    badge = render("{% provider_health_badge %}")
    assert "Models: OK, vision not configured</summary>" in badge
    assert "Vision: not configured" in badge
    assert "OCR still reads the text in images" in badge
    assert "down" not in badge


def test_a_configured_vision_model_that_is_down_still_degrades(settings):
    settings.VISION_PROVIDER = "ollama"
    checked("chat", ok=True)
    checked("embeddings", ok=True)
    checked("vision", ok=False)
    overview = health_overview()
    assert (overview["status"], overview["not_configured"]) == ("degraded", [])
    assert "Models: vision down</summary>" in render("{% provider_health_badge %}")


def test_users_told_only_what_a_chat_outage_affects():
    checked("chat", ok=False)
    checked("embeddings", ok=True)
    notice = render("{% provider_outage_notice %}")
    assert "Answering is unavailable right now" in notice
    assert "uploads" not in notice
    assert "http" not in notice


def test_users_told_uploads_wait_when_embeddings_are_down():
    checked("chat", ok=True)
    checked("embeddings", ok=False)
    notice = render("{% provider_outage_notice %}")
    assert "Answering is unavailable" not in notice
    assert "uploads are processed once it is back" in notice


def test_no_notice_when_answering_and_uploads_work():
    checked("chat", ok=True)
    checked("embeddings", ok=True)
    assert render("{% provider_outage_notice %}").strip() == ""
