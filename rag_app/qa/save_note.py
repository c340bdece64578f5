"""Save an answer as a note: its text, then its sources as Markdown links to the cited passages."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notes import services as note_services
from notes.models import Note, NoteAction
from rag_app.errors import ApplicationError
from rag_app.markdown import link_text
from rag_app.qa import prompts
from rag_app.qa.models import Answer


def citation_url(citation: dict[str, object]) -> str:
    """Where a stored citation points: the note passage, or the document passage."""
    if citation.get("url"):
        return str(citation["url"])
    return f"{reverse('documents:detail', args=[citation['document_id']])}#chunk-{citation['chunk_id']}"


@transaction.atomic
def answer_save_as_note(*, owner: User, answer: Answer) -> Note:
    """A new note of the owner's with the answer and its sources; runs at once (no model call).

    The note's action record still says which model wrote the answer and with which prompt.
    """
    if answer.owner_id != owner.pk:
        raise ApplicationError("Answer not found.", status=404, code="not_found")
    lines = []
    for citation in answer.citations:
        page = f", page {citation['page']}" if citation.get("page") else ""
        cited = " (cited)" if citation.get("cited") else ""
        label = link_text(f"{citation['title']}{page}")
        lines.append(f"{citation['n']}. [{label}]({citation_url(citation)}){cited}")
    sources = "\n\n## Sources\n\n" + "\n".join(lines) + "\n" if lines else "\n"
    label = f"{answer.provider}:{answer.model}" if answer.model else "the answer"
    note = note_services.note_create(
        owner=owner,
        title=note_services.fit_title(answer.question),
        body=f"**Question:** {answer.question}\n\n{answer.text}{sources}",
        tags=["answer"],
        change=f"Saved from answer {answer.pk} ({label})",
    )
    now = timezone.now()
    NoteAction.objects.create(
        owner=owner,
        note=note,
        kind=NoteAction.Kind.FROM_ANSWER,
        status=NoteAction.Status.DONE,
        params={"answer_id": answer.pk},
        result={"note_id": note.pk},
        provider=answer.provider,
        model=answer.model,
        prompt_name=answer.prompt_name or prompts.ANSWER.name,
        prompt_version=answer.prompt_version,
        version_after=note.version,
        started_at=now,
        finished_at=now,
    )
    return note
