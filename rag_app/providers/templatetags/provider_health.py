"""The header's provider health badge for staff, and an outage notice for everyone else."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from rag_app.providers import kinds
from rag_app.providers.base import Endpoint
from rag_app.providers.health import health_overview

register = template.Library()

ROLE_USES = {
    "chat": "answers and note actions",
    "embeddings": "processing uploads and searching for answers",
    "vision": "describing images",
}


def _advice(slot: dict[str, Any]) -> str:
    """What an operator can do about a provider that is not answering."""
    endpoint = Endpoint(kind=slot["kind"], model=slot["model"], base_url=slot["base_url"])
    switch = "or serve this role with another provider in Admin → Providers → Provider settings."
    return f"{kinds.get(endpoint.kind).advice(endpoint)}, {switch}"


def health_problems(overview: dict[str, Any]) -> list[dict[str, Any]]:
    """Every configured provider that is down or not yet checked, with what it is for and what to do."""
    problems = []
    for role, slots in overview["roles"].items():
        for slot_name, slot in slots.items():
            if slot is None:
                continue
            down = slot["state"] == "down" or slot["circuit"] == "open"
            if not down and slot["state"] == "ok":
                continue
            problems.append(
                {
                    "role": role,
                    "slot": slot_name,
                    "label": f"{slot['kind']}:{slot['model']}",
                    "down": down,
                    "error": slot["last_error"],
                    "uses": ROLE_USES.get(role, role),
                    "advice": _advice(slot) if down else "Not checked yet: the worker tests providers every minute.",
                }
            )
    problems.sort(key=lambda p: (not p["down"], p["role"] != "chat", p["role"] != "embeddings", p["slot"]))
    return problems


@register.inclusion_tag("providers/_health_badge.html")
def provider_health_badge() -> dict[str, Any]:
    """Overall model health with the providers that need attention (staff only: the caller checks)."""
    overview = health_overview()
    problems = health_problems(overview)
    down_roles = sorted({p["role"] for p in problems if p["down"]})
    return {
        "status": overview["status"],
        "problems": problems,
        "down_roles": down_roles,
        "not_configured": overview["not_configured"],
        "not_configured_uses": {role: ROLE_USES[role] for role in overview["not_configured"]},
        "admin_url": reverse("admin:providers_providerhealth_changelist"),
        "settings_url": reverse("admin:providers_providersetting_changelist"),
    }


@register.inclusion_tag("providers/_outage_notice.html")
def provider_outage_notice() -> dict[str, Any]:
    """A notice to users naming only what cannot work now (no details, no addresses)."""
    roles = health_overview()["roles"]

    def down(role: str) -> bool:
        slots = [slot for slot in roles[role].values() if slot is not None]
        return bool(slots) and all(slot["state"] == "down" for slot in slots)

    return {"chat_down": down("chat"), "embeddings_down": down("embeddings")}
