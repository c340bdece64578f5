"""manage.py import_documents PATH...: upload files and folders for a user, with a progress bar."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from documents import services
from rag_app.errors import ApplicationError


def files_under(paths: list[str]) -> list[Path]:
    """Every regular file named or inside the folders named (hidden files and folders skipped), sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            raise CommandError(f"{raw}: no such file or folder")
    return found


class Command(BaseCommand):
    """Bulk import: each file goes through the same checks as an upload."""

    help = "Import files and folders as documents of --owner; queued for the workers, or ingested here with --now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--owner", required=True, help="username the documents belong to")
        parser.add_argument("--now", action="store_true", help="ingest in this process instead of queueing")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = User.objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user named {options['owner']!r}.")
        paths = files_under(options["paths"])
        created = duplicates = failed = 0
        problems: list[str] = []
        bar = tqdm(paths, unit="file", file=self.stderr, disable=None)
        for path in bar:
            bar.set_postfix_str(path.name[-30:], refresh=False)
            try:
                with path.open("rb") as handle:
                    document, new = services.document_create(
                        owner=owner, upload=File(handle, name=path.name), enqueue=not options["now"]
                    )
            except (ApplicationError, OSError) as exc:
                problems.append(f"{path}: {getattr(exc, 'message', exc)}")
                continue
            if not new:
                duplicates += 1
                continue
            created += 1
            if options["now"]:
                document = services.document_ingest(document_id=document.pk)
                if document.status == document.Status.FAILED:
                    failed += 1
                    problems.append(f"{path}: {document.error}")
        for problem in problems:
            self.stderr.write(problem)
        verb = "ingested" if options["now"] else "queued"
        self.stdout.write(
            f"{created} {verb}, {duplicates} already there, {len(problems) - failed} refused, {failed} failed "
            f"({len(paths)} files)."
        )
