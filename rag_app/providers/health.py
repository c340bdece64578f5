"""Connection tests of the providers serving each role: run them, store the latest, summarise."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rag_app.providers import kinds
from rag_app.providers.base import ROLES, Endpoint, Health, Role
from rag_app.providers.breaker import breaker_for
from rag_app.providers.config import role_config
from rag_app.providers.models import ProviderHealth, Slot


def check(endpoint: Endpoint, role: Role) -> Health:
    """Test one endpoint for one role (models listed, ours present, context length, dimension)."""
    return kinds.get(endpoint.kind).check(endpoint, role)


def health_refresh(roles: tuple[Role, ...] = ROLES) -> list[ProviderHealth]:
    """Test every configured endpoint of the roles (all by default) now and store the results."""
    rows = []
    for role in roles:
        config = role_config(role)
        for slot, endpoint in ((Slot.PRIMARY, config.primary), (Slot.FALLBACK, config.fallback)):
            if endpoint is None:
                ProviderHealth.objects.filter(role=role, slot=slot).delete()
                continue
            result = check(endpoint, role)
            row, _ = ProviderHealth.objects.update_or_create(
                role=role,
                slot=slot,
                defaults={
                    "kind": endpoint.kind,
                    "model": endpoint.model,
                    "base_url": endpoint.base_url,
                    "ok": result.ok,
                    "latency_ms": result.latency_ms,
                    "error": result.error,
                    "details": {
                        "models": result.models[:50],
                        "model_present": result.model_present,
                        "context_length": result.context_length,
                        "embedding_dimension": result.embedding_dimension,
                    },
                    "checked_at": timezone.now(),
                },
            )
            rows.append(row)
    return rows


def _slot_view(role: Role, endpoint: Endpoint | None, row: ProviderHealth | None) -> dict[str, Any] | None:
    if endpoint is None:
        return None
    current = row is not None and (row.kind, row.model, row.base_url) == (
        endpoint.kind,
        endpoint.model,
        endpoint.base_url,
    )
    return {
        "kind": endpoint.kind,
        "model": endpoint.model,
        "base_url": endpoint.base_url,
        "state": ("ok" if row.ok else "down") if current and row else "unknown",
        "latency_ms": row.latency_ms if current and row else None,
        "last_error": row.error if current and row else "",
        "checked_at": row.checked_at.isoformat() if current and row else None,
        "details": row.details if current and row else {},
        "circuit": breaker_for(endpoint).state,
    }


def health_overview() -> dict[str, Any]:
    """Each role's providers with their latest check; overall ok / degraded / down. No secrets."""
    rows = {(h.role, h.slot): h for h in ProviderHealth.objects.all()}
    roles: dict[str, Any] = {}
    for role in ROLES:
        config = role_config(role)
        roles[role] = {
            "primary": _slot_view(role, config.primary, rows.get((role, Slot.PRIMARY))),
            "fallback": _slot_view(role, config.fallback, rows.get((role, Slot.FALLBACK))),
        }

    def serving(role: str) -> bool:
        return any(slot and slot["state"] != "down" for slot in roles[role].values())

    # A role nobody configured (vision by default) is a choice, not an outage: OCR still reads images.
    not_configured = [role for role, slots in roles.items() if not any(slots.values())]
    primaries_ok = all(r["primary"] is None or r["primary"]["state"] == "ok" for r in roles.values())
    if not serving("chat") or not serving("embeddings"):
        status = "down"
    elif primaries_ok and (serving("vision") or "vision" in not_configured):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, "roles": roles, "not_configured": not_configured}
