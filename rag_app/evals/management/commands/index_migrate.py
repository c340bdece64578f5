"""manage.py index_migrate: move the index to another embedding model without downtime (start, check, switch...).

It lives with the evaluations because `check` runs their side-by-side comparison; every other action is
a service of rag_app/index (lifecycle.py).
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rag_app.errors import ServiceError
from rag_app.evals.generation_check import DEFAULT_MARGIN, generation_check
from rag_app.index import build, lifecycle, selectors
from rag_app.index.models import Generation


class Command(BaseCommand):
    help = (
        "Index generations: start a new one for an embeddings provider and model (built in the background), "
        "show their status, check one side by side against the live one, switch to it, roll back, drop one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        start = sub.add_parser("start", help="create a generation and build it")
        start.add_argument("--provider", required=True, help="embeddings provider kind (local, vllm, ollama...)")
        start.add_argument("--model", required=True, help="model name, e.g. SmolLM2-135M-mean")
        start.add_argument("--url", default="", help="base URL (blank: the environment's for that kind)")
        start.add_argument("--here", action="store_true", help="build in this process instead of a worker")
        start.add_argument("--no-wait", action="store_true", help="return once queued (a worker builds it)")
        sub.add_parser("status", help="every generation with its state and progress")
        check = sub.add_parser("check", help="recall@k, MRR and top-k overlap against the live generation")
        check.add_argument("--questions", choices=("golden", "batch", "recent"), default="golden")
        check.add_argument("--owner", help="user name or id whose material the questions are asked of")
        check.add_argument("--batch", type=int, help="question batch id (--questions batch)")
        check.add_argument("--margin", type=float, default=DEFAULT_MARGIN, help="worse by more than this refuses")
        check.add_argument("--k", type=int, default=10)
        check.add_argument("--limit", type=int, default=50, help="questions at most")
        check.add_argument("--generation", type=int, help="default: the newest ready one")
        switch = sub.add_parser("switch", help="make a ready generation live (the live one is kept)")
        switch.add_argument("--generation", type=int, help="default: the newest ready one")
        switch.add_argument("--force", action="store_true", help="switch even if unchecked or found worse")
        sub.add_parser("rollback", help="make the last kept generation live again")
        drop = sub.add_parser("drop", help="delete a generation that is not live, and its collections")
        drop.add_argument("--generation", type=int, help="default: the newest kept, ready or building one")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:  # a question source that cannot be used as given
            raise CommandError(str(exc)) from exc

    def _start(self, options: dict[str, Any]) -> None:
        queue = not options["here"]
        row = lifecycle.generation_start(
            kind=options["provider"], model=options["model"], base_url=options["url"], queue=queue
        )
        self.stdout.write(f"Generation {row.number} ({row.kind}:{row.model}) is building.")
        if options["here"]:
            with tqdm(desc=f"generation {row.number}", unit="passage") as bar:

                def advance(done: int, total: int) -> None:
                    bar.total = total
                    bar.n = done
                    bar.refresh()

                row = build.build(row.pk, on_progress=advance)
        elif not options["no_wait"]:
            row = self._follow(row)
        self._done(row)

    def _follow(self, row: Generation) -> Generation:
        """A tqdm bar over the worker's checkpoints until the generation is built (Ctrl-C: it keeps building)."""
        with tqdm(desc=f"generation {row.number}", unit="passage") as bar:
            try:
                while row.state == Generation.State.BUILDING:
                    time.sleep(1)
                    row.refresh_from_db()
                    bar.total, bar.n = row.total or None, row.done
                    bar.refresh()
            except KeyboardInterrupt:
                self.stdout.write("\nStopped following; the worker keeps building (see: index_migrate status).")
        return row

    def _done(self, row: Generation) -> None:
        if row.state == Generation.State.READY:
            self.stdout.write(self.style.SUCCESS(f"Generation {row.number} is ready: {row.total} passages."))
            self.stdout.write("Next: index_migrate check --questions golden --owner NAME, then index_migrate switch")

    def _status(self, options: dict[str, Any]) -> None:
        rows = list(selectors.generation_list())
        if not rows:
            self.stdout.write("One generation (1, live), never migrated.")
        for row in rows:
            self.stdout.write(selectors.generation_line(row))

    def _check(self, options: dict[str, Any]) -> None:
        owner = _owner_id(options["owner"])
        _, _, lines = generation_check(
            number=options["generation"],
            source=options["questions"],
            owner_id=owner,
            batch_id=options["batch"],
            margin=options["margin"],
            k=options["k"],
            limit=options["limit"],
        )
        for line in lines:
            self.stdout.write(line)

    def _switch(self, options: dict[str, Any]) -> None:
        row = lifecycle.generation_switch(number=options["generation"], force=options["force"])
        self.stdout.write(self.style.SUCCESS(f"Generation {row.number} ({row.kind}:{row.model}) is live."))

    def _rollback(self, options: dict[str, Any]) -> None:
        row = lifecycle.generation_rollback()
        self.stdout.write(self.style.SUCCESS(f"Rolled back: generation {row.number} ({row.kind}:{row.model}) is live."))

    def _drop(self, options: dict[str, Any]) -> None:
        row = lifecycle.generation_drop(number=options["generation"])
        self.stdout.write(f"Generation {row.number} is dropped.")


def _owner_id(value: str | None) -> int | None:
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    user = User.objects.filter(username=value).first()
    if user is None:
        raise CommandError(f"No user {value!r}.")
    return user.pk
