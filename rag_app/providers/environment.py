"""What the environment gives each role today, and whether an admin row overrides it (for the settings list)."""

from __future__ import annotations

from typing import Any

from rag_app.providers.base import ROLES
from rag_app.providers.config import env_kinds
from rag_app.providers.kinds import env_endpoint
from rag_app.providers.models import ProviderSetting, Slot

_VARIABLES = {
    ("chat", Slot.PRIMARY): "LLM_PROVIDER",
    ("chat", Slot.FALLBACK): "LLM_FALLBACK_PROVIDER",
    ("embeddings", Slot.PRIMARY): "LLM_PROVIDER",
    ("vision", Slot.PRIMARY): "VISION_PROVIDER",
    ("vision", Slot.FALLBACK): "VISION_FALLBACK_PROVIDER",
}


def environment_rows() -> list[dict[str, Any]]:
    """One row per role and slot: the variable, its kind, model and address, and the admin row over it."""
    overrides = {(s.role, s.slot): s for s in ProviderSetting.objects.filter(enabled=True)}
    rows = []
    for role in ROLES:
        for slot, kind in zip((Slot.PRIMARY, Slot.FALLBACK), env_kinds(role), strict=True):
            variable = _VARIABLES.get((role, slot))
            if variable is None:
                continue  # embeddings never fall back
            endpoint = env_endpoint(kind, role)
            override = overrides.get((role, slot.value))
            rows.append(
                {
                    "role": role,
                    "slot": slot.label,
                    "variable": variable,
                    "kind": kind,
                    "model": endpoint.model if endpoint else "",
                    "base_url": (endpoint.base_url or "in this process") if endpoint else "",
                    "override": str(override) if override else "",
                }
            )
    return rows
