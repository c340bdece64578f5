"""manage.py bench_relay: CPU per streamed event of the worker-to-web relay (Redis), the old way and the current one."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rag_app.qa import sse, stream

_ANSWER_ID = 999_999_001  # far above real ids; its key is deleted before and after


class Command(BaseCommand):
    """Time, in CPU microseconds, each step an answer's token event costs the app's processes."""

    help = (
        "Publish, read and format token events through the configured Redis as the worker and the web do, and "
        "print the CPU microseconds per event and per check: the transaction of before (MULTI, XADD, EXPIRE, "
        "EXEC) against one XADD, parse-and-dump against relaying the stored JSON, and the cancel check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=5000, help="events per measurement (default 5000)")

    def handle(self, *args: Any, **options: Any) -> None:
        client = stream._redis()
        if client is None:
            raise CommandError("Set REDIS_URL: the relay goes through Redis.")
        count = options["events"]
        key = stream._key(_ANSWER_ID)
        data = {"text": " the ferry"}

        def old_send() -> None:
            pipe = client.pipeline()  # a MULTI/EXEC transaction, as Publisher.send did
            pipe.xadd(key, {"kind": "token", "data": json.dumps(data)})
            pipe.expire(key, 3600)
            pipe.execute()

        publisher = stream.Publisher(_ANSWER_ID)
        publisher.send("token", data)  # the first event sets the expiry; the rest are the hot path
        figures = {
            "publish, before (MULTI XADD EXPIRE EXEC)": _cpu_us(old_send, count),
            "publish, now (XADD)": _cpu_us(lambda: publisher.send("token", data), count),
        }
        events = stream.read(_ANSWER_ID, "0", timeout=1)
        batch = stream.read(_ANSWER_ID, "0", timeout=1)[:1]
        figures["read one event (XREAD + parse)"] = _cpu_us(lambda: stream.read(_ANSWER_ID, events[-2].id, 1), count)
        figures["format, before (json dumps)"] = _cpu_us(
            lambda: sse.format_event(batch[0].kind, batch[0].data, batch[0].id), count
        )
        figures["format, now (stored JSON)"] = _cpu_us(
            lambda: f"id: {batch[0].id}\nevent: {batch[0].kind}\ndata: {batch[0].raw}\n\n", count
        )
        figures["cancel check (MGET)"] = _cpu_us(lambda: stream.stop_reason(_ANSWER_ID, grace=10), count)
        client.delete(key, stream._flag(_ANSWER_ID, "cancel"), stream._flag(_ANSWER_ID, "left"))
        self.stdout.write(f"CPU microseconds of this process per call, {count} calls each; load {_load()}")
        for name, micros in figures.items():
            self.stdout.write(f"  {name:45} {micros:8.1f}")


def _cpu_us(call: Callable[[], object], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - started) / count * 1e6


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())
