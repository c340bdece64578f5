"""Typed readers for environment variables that fail loudly, naming the variable."""

import os
import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DATABASE_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}


def _get(name: str) -> str | None:
    """The variable's value, or None when it is unset or blank (so a blank line in .env means default)."""
    value = os.environ.get(name, "").strip()
    return value or None


def _bad(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name}={value!r} is invalid: expected {expected}.")


def env_str(name: str, default: str) -> str:
    """Return the variable as text, or the default when it is unset."""
    return _get(name) or default


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable as an integer, refusing non-numbers and values below minimum."""
    raw = _get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, raw, "a whole number") from None
    if minimum is not None and value < minimum:
        raise _bad(name, raw, f"a whole number of at least {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    """Return the variable as a non-negative float."""
    raw = _get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _bad(name, raw, "a number") from None
    if value < minimum:
        raise _bad(name, raw, f"a number of at least {minimum}")
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean (1/0, true/false, yes/no, on/off)."""
    raw = _get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _bad(name, raw, "one of 1/0, true/false, yes/no, on/off")


def env_url(name: str, default: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """Return the variable as a URL whose scheme is one of schemes ('' when unset and no default)."""
    value = _get(name) or default
    if (value and value.split("://", 1)[0] not in schemes) or (value and "://" not in value):
        raise _bad(name, value, "a URL starting with " + " or ".join(f"{s}://" for s in schemes))
    return value


def env_path(name: str, default: Path) -> Path:
    """Return the variable as an absolute path."""
    raw = _get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_database(name: str, default: str) -> dict[str, object]:
    """Parse a database URL (sqlite:///path or postgres://user@host:port/name) into Django's form."""
    raw = _get(name) or default
    try:
        with warnings.catch_warnings():  # an unknown scheme warns; we raise a clearer error below
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(raw)
    except ValueError as exc:
        raise _bad(name, raw, f"a database URL such as postgres://user@host:5432/db ({exc})") from None
    if config.get("ENGINE") not in _DATABASE_ENGINES:
        raise _bad(name, raw, "a sqlite:/// or postgres:// database URL")
    return dict(config)


_RATE_PERIODS = ("s", "sec", "m", "min", "h", "hour", "d", "day")


def env_rate(name: str, default: str) -> str | None:
    """Return the variable as a DRF throttle rate such as 30/min ("off" or "none": no limit)."""
    raw = (_get(name) or default).strip().lower()
    if raw in ("off", "none"):
        return None
    count, _, period = raw.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _RATE_PERIODS:
        raise _bad(name, raw, "a rate such as 30/min (per s, min, hour or day), or off")
    return raw
