"""Which endpoint serves each role: the environment's choice, overridden at run time by admin rows."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from django.conf import settings

from rag_app.providers.base import KINDS, ROLES, Endpoint, Role
from rag_app.providers.local import CHAT_ENDPOINT, EMBED_ENDPOINT
from rag_app.providers.models import ProviderSetting, Slot


@dataclass(frozen=True)
class RoleConfig:
    """The primary endpoint of a role and its optional fallback."""

    role: Role
    primary: Endpoint | None
    fallback: Endpoint | None


_lock = threading.Lock()
_cache: dict[Role, tuple[float, RoleConfig]] = {}


def env_endpoint(kind: str, role: Role) -> Endpoint | None:
    """The environment's endpoint for a provider kind in a role (None where the kind cannot serve it)."""
    s = settings
    if kind == "local":
        return {"chat": CHAT_ENDPOINT, "embeddings": EMBED_ENDPOINT}.get(role)
    if kind == "vllm":
        url, model = {
            "chat": (s.VLLM_URL, s.VLLM_CHAT_MODEL),
            "embeddings": (s.VLLM_EMBED_URL, s.VLLM_EMBED_MODEL),
            "vision": (s.VLLM_VISION_URL, s.VLLM_VISION_MODEL),
        }[role]
        return Endpoint(
            kind="vllm",
            model=model,
            base_url=url,
            api_key=s.VLLM_API_KEY,
            timeout=s.PROVIDER_TIMEOUT,
            max_in_flight=s.VLLM_MAX_IN_FLIGHT,
            batch_size=s.EMBED_BATCH_SIZE,
        )
    if kind == "ollama":
        models = {"chat": s.OLLAMA_CHAT_MODEL, "embeddings": s.OLLAMA_EMBED_MODEL, "vision": s.OLLAMA_VISION_MODEL}
        return Endpoint(
            kind="ollama",
            model=models[role],
            base_url=s.OLLAMA_URL,
            timeout=s.PROVIDER_TIMEOUT,
            max_in_flight=s.OLLAMA_MAX_IN_FLIGHT,
            batch_size=s.EMBED_BATCH_SIZE,
            num_ctx=s.OLLAMA_NUM_CTX,
            keep_alive=s.OLLAMA_KEEP_ALIVE,
        )
    return None


def _env_kinds(role: Role) -> tuple[str, str]:
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
    primary_kind, fallback_kind = _env_kinds(role)
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
