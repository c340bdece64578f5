"""manage.py reconcile_index: report (and with --fix repair) disagreements between the database and Chroma."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rag_app.index import generations, lifecycle
from rag_app.index.reconcile import reconcile


class Command(BaseCommand):
    """Compare the passages of documents and notes in the database with the items of the index."""

    help = "Report disagreements between the database and the Chroma index; --fix repairs them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="delete orphan vectors, re-index, re-queue stuck")
        parser.add_argument("--generation", type=int, help="the generation to judge (default: the live one)")

    def handle(self, *args: Any, **options: Any) -> None:
        number = options["generation"]
        generation = generations.of_row(lifecycle.generation_get(number)) if number else None
        report = reconcile(fix=options["fix"], generation=generation)
        for line in report.lines():
            self.stdout.write(line)
        if report.problems and not options["fix"]:
            raise CommandError(f"{report.problems} disagreements; run with --fix to repair them.")
        if report.problems:
            self.stdout.write(self.style.SUCCESS(f"Repaired {report.problems} disagreements."))
