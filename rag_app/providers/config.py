"""Which endpoint serves each role: the environment's choice, overridden at run time by admin rows."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rag_app.providers.base import ROLES, Endpoint, Role
from rag_app.providers.kinds import KINDS, env_endpoint
from rag_app.providers.models import ProviderSetting, Slot


@dataclass(frozen=True)
class RoleConfig:
    """The primary endpoint of a role and its optional fallback."""

    role: Role
    primary: Endpoint | None
    fallback: Endpoint | None


_lock = threading.Lock()
_cache: dict[Role, tuple[float, RoleConfig]] = {}


# The environment's choice of kind per role; "none" leaves a slot empty (never the primary chat/embeddings).
_ENV_CHOICES: dict[str, tuple[tuple[Role, ...], bool]] = {
    "LLM_PROVIDER": (("chat", "embeddings"), False),
    "LLM_FALLBACK_PROVIDER": (("chat",), True),
    "VISION_PROVIDER": (("vision",), True),
    "VISION_FALLBACK_PROVIDER": (("vision",), True),
}


def check_environment() -> None:
    """Refuse, at start-up, a provider variable naming no kind or a kind that cannot serve its role."""
    for name, (roles, may_be_none) in _ENV_CHOICES.items():
        value = getattr(settings, name)
        if may_be_none and value == "none":
            continue
        fitting = [k for k, kind in KINDS.items() if all(r in kind.classes for r in roles)]
        if value not in fitting:
            expected = ", ".join([*fitting, *(["none"] if may_be_none else [])])
            raise ImproperlyConfigured(f"Environment variable {name}={value!r} is invalid: expected one of {expected}.")


def env_kinds(role: Role) -> tuple[str, str]:
    """The kinds the environment names for a role's primary and fallback ("none" for an empty slot)."""
    s = settings
    if role == "vision":
        return s.VISION_PROVIDER, s.VISION_FALLBACK_PROVIDER
    # Embeddings never fall back: another model would put vectors into a different space.
    return s.LLM_PROVIDER, s.LLM_FALLBACK_PROVIDER if role == "chat" else "none"


def setting_endpoint(row: ProviderSetting) -> Endpoint | None:
    """An admin row's endpoint: its own fields over the environment's defaults for its kind."""
    role = next(r for r in ROLES if r == row.role)
    base = env_endpoint(row.kind, role) if row.kind in KINDS else None
    if base is None:
        return None
    return replace(
        base,
        model=row.model or base.model,
        base_url=row.base_url or base.base_url,
        api_key=row.api_key or base.api_key,
        timeout=row.timeout_seconds or base.timeout,
        max_in_flight=row.max_in_flight or base.max_in_flight,
        batch_size=row.batch_size or base.batch_size,
        num_ctx=row.num_ctx or base.num_ctx,
        keep_alive=row.keep_alive or base.keep_alive,
    )


def _load(role: Role) -> RoleConfig:
    primary_kind, fallback_kind = env_kinds(role)
    slots = {
        Slot.PRIMARY: env_endpoint(primary_kind, role),
        Slot.FALLBACK: env_endpoint(fallback_kind, role),
    }
    for row in ProviderSetting.objects.filter(role=role, enabled=True):
        if role == "embeddings" and row.slot == Slot.FALLBACK:
            continue  # never fail over into another vector space
        slots[Slot(row.slot)] = setting_endpoint(row)
    return RoleConfig(role=role, primary=slots[Slot.PRIMARY], fallback=slots[Slot.FALLBACK])


def role_config(role: Role) -> RoleConfig:
    """The role's current endpoints, re-read from the database every PROVIDER_CONFIG_TTL seconds.

    This is how an admin change reaches running web and worker processes without a restart.
    """
    now = time.monotonic()
    with _lock:
        cached = _cache.get(role)
        if cached and now - cached[0] < settings.PROVIDER_CONFIG_TTL:
            return cached[1]
    config = _load(role)
    with _lock:
        _cache[role] = (now, config)
    return config


def invalidate() -> None:
    """Forget cached configuration (this process sees a change at once; others within the TTL)."""
    with _lock:
        _cache.clear()
