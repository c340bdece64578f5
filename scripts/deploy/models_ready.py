"""Wait until every role's model provider passes the app's own health check (compose's models-ready).

    python scripts/deploy/models_ready.py [--timeout S] [--interval S]

Runs rag_app.providers.health's checks (the ones /api/health/ and the admin use: the server answers, the
configured model is there, its context length or embedding dimension) every --interval seconds and
exits 0 once each role's primary provider passes, or 1 after --timeout (MODELS_READY_TIMEOUT, default
1800) naming the roles that did not. The results are stored, so /api/health/ has them from the start.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def wait_for_models(timeout: float, interval: float) -> list[str]:
    """Check until every role's primary provider is healthy; returns the failures left at the deadline."""
    from rag_app.providers.health import health_refresh
    from rag_app.providers.models import Slot

    deadline = time.monotonic() + timeout
    while True:
        rows = [row for row in health_refresh() if row.slot == Slot.PRIMARY]
        failing = [
            f"{row.role}: {row.kind} {row.model} at {row.base_url or 'in-process'}: {row.error}"
            for row in rows
            if not row.ok
        ]
        for row in rows:
            print(
                f"[models-ready] {row.role}: {row.kind} {row.model} {'ok' if row.ok else 'not yet: ' + row.error}",
                flush=True,
            )
        if not failing or time.monotonic() + interval > deadline:
            return failing
        time.sleep(interval)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("MODELS_READY_TIMEOUT") or 1800))
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, when run as a script
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rag_app.settings")
    import django

    django.setup()
    failing = wait_for_models(args.timeout, args.interval)
    if failing:
        print(f"[models-ready] gave up after {args.timeout:.0f} s:", *failing, sep="\n  ", file=sys.stderr)
        return 1
    print("[models-ready] every provider answers", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
