"""`manage.py export_feedback [--out file.jsonl] [--rating up|down]`: rated answers as JSONL for evaluation."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rag_app.qa.feedback import feedback_jsonl, rated_answers


class Command(BaseCommand):
    help = "Write every rated answer (question, answer, sources, rating, reason, model) as one JSON line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="-", help="File to write (default: standard output).")
        parser.add_argument("--rating", choices=["up", "down"], help="Only answers rated this way.")

    def handle(self, *args: Any, **options: Any) -> None:
        answers = (a for a in rated_answers() if not options["rating"] or a.rating == options["rating"])
        out = sys.stdout if options["out"] == "-" else open(options["out"], "w", encoding="utf-8")  # noqa: SIM115
        count = 0
        try:
            for line in feedback_jsonl(answers):
                out.write(line)
                count += 1
        finally:
            if out is not sys.stdout:
                out.close()
        self.stderr.write(f"Exported {count} rated answer{'s' if count != 1 else ''}.")
