"""Every provider kind, listed once: adding one is a new adapter module and a line here."""

from __future__ import annotations

from rag_app.providers import local, ollama, openai_compat
from rag_app.providers.base import Endpoint, ProviderError, ProviderKind, Role

KINDS: dict[str, ProviderKind] = {k.name: k for k in (local.KIND, openai_compat.KIND, ollama.KIND)}


def get(name: str) -> ProviderKind:
    """The kind called name; an unknown one is a permanent error naming the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise ProviderError(
            f"Unknown provider kind {name!r}: use one of {', '.join(KINDS)}", permanent=True, provider=name
        ) from None


def serving(role: Role) -> list[str]:
    """The kinds that can serve a role."""
    return [name for name, kind in KINDS.items() if role in kind.classes]


def env_endpoint(name: str, role: Role) -> Endpoint | None:
    """The environment's endpoint for a kind in a role (None where the kind cannot serve it, or for 'none')."""
    if name == "none":
        return None
    kind = get(name)
    return kind.endpoint(role) if role in kind.classes else None


def choices() -> list[tuple[str, str]]:
    """Model-field choices (a callable, so that a new kind needs no migration)."""
    return [(name, name) for name in KINDS]
