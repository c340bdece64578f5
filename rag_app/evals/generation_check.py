"""The side-by-side check of a generation against the live one, recorded with the generation for the switch."""

from __future__ import annotations

from rag_app.evals.side_by_side import CheckQuestion, Search, SideBySide, check_questions, compare
from rag_app.index import generations, lifecycle
from rag_app.index import service as index
from rag_app.index.generations import KEPT, READY, Gen
from rag_app.index.items import ItemKey

DEFAULT_MARGIN = 0.05


def generation_search(gen: Gen) -> Search:
    """Search one generation: the question embedded by its own embedder, the asker's collection in it."""

    def search(question: CheckQuestion, k: int) -> list[tuple[ItemKey, float]]:
        vector = index.embedder(question.owner_id, gen).embed_one(question.text)
        return index.search(vector, owner_id=question.owner_id, k=k, document_ids=None, note_ids=None, generation=gen)

    return search


def generation_check(
    *,
    number: int | None = None,
    source: str,
    owner_id: int | None = None,
    batch_id: int | None = None,
    margin: float = DEFAULT_MARGIN,
    k: int = 10,
    limit: int = 50,
) -> tuple[SideBySide, bool, list[str]]:
    """Compare a ready or kept generation with the live one on the same questions; record and return the result.

    Returns the comparison, whether the generation is worse by more than margin, and the lines shown.
    """
    row = lifecycle.generation_get(number, states=(READY, KEPT))
    if row.state not in (READY, KEPT):
        raise lifecycle.GenerationError(f"Generation {row.number} is {row.state}: check a ready or kept one.")
    questions = check_questions(source, owner_id=owner_id, batch_id=batch_id, limit=limit)
    if not questions:
        raise lifecycle.GenerationError(f"No {source} questions to check with.")
    live, new = index.live_generation(), generations.of_row(row)
    result = compare(questions, generation_search(live), generation_search(new), k=k)
    worse = result.worse_by(margin)
    lines = [
        f"{source} questions: old = {live.label} (live), new = {new.label}",
        *result.lines(),
        f"verdict: {'worse' if worse else 'not worse'} than the live one by more than {margin:g}"
        + ("; switching needs --force" if worse else ""),
    ]
    lifecycle.generation_record_check(generation_id=row.pk, output="\n".join(lines), worse=worse)
    return result, worse, lines
