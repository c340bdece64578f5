"""A batch's files: the questions read from an uploaded CSV, and its results as CSV or JSON rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from rag_app.errors import ApplicationError
from rag_app.qa.models import BatchQuestion

QUESTION_COLUMN = "question"
_DELIMITERS = ",;\t"  # Excel writes ";" where the decimal separator is a comma
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): an answer that
# quotes a hostile document must not become one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = [
    "position",
    "question",
    "status",
    "answer",
    "error",
    "cited_sources",
    "other_sources",
    "provider",
    "model",
    "first_token_ms",
    "total_ms",
    "queued_ms",
    "answer_id",
]


def _bad(message: str) -> ApplicationError:
    return ApplicationError(message, code="bad_csv")


def questions_from_csv(data: bytes) -> list[str]:
    """The cells of the `question` column (any column order; blank lines skipped), in file order."""
    if b"\x00" in data:
        raise _bad("The file is not a CSV file: it contains binary data.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad('The CSV file is not UTF-8 text: save it as "CSV UTF-8".') from None
    if not text.strip():
        raise _bad("The CSV file is empty.")
    first_line = text.lstrip().splitlines()[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","  # one column: nothing to sniff
    reader = csv.reader(io.StringIO(text.lstrip()), delimiter=delimiter, strict=True)
    questions: list[str] = []
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        if QUESTION_COLUMN not in header:
            raise _bad(
                f"The CSV file has no {QUESTION_COLUMN!r} column: its first row must name the columns "
                f"(found {', '.join(repr(h) for h in header)})."
            )
        column = header.index(QUESTION_COLUMN)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                if len(header) != 1:
                    raise _bad(
                        f"Line {reader.line_num} has {len(row)} cells but the header has {len(header)}: put "
                        'questions that contain the separator in double quotes ("...").'
                    )
                row = [delimiter.join(row)]  # one column: an unquoted comma is part of the question
            question = row[column].strip() if column < len(row) else ""
            if not question:
                raise _bad(f"Line {reader.line_num} has no question.")
            questions.append(question)
    except csv.Error as exc:
        raise _bad(f"The CSV file could not be read at line {reader.line_num}: {exc}.") from None
    if not questions:
        raise _bad(f"The CSV file has no questions under its {QUESTION_COLUMN!r} header.")
    return questions


def _source(citation: dict[str, Any]) -> dict[str, Any]:
    return {
        "n": citation.get("n"),
        "title": citation.get("title"),
        "document_id": citation.get("document_id"),
        "note_id": citation.get("note_id"),
        "page": citation.get("page"),
        "chunk_id": citation.get("chunk_id"),
        "cited": bool(citation.get("cited")),
    }


def _ms(later: Any, earlier: Any) -> int | None:
    return None if later is None or earlier is None else max(0, int((later - earlier).total_seconds() * 1000))


def result_row(item: BatchQuestion, *, error: str | None = None) -> dict[str, Any]:
    """One question's result; timings count from when a worker began it, the wait before is queued_ms.

    `error` replaces the stored one (the plain message a non-staff reader gets).
    """
    answer = item.answer
    queued_ms = _ms(item.started_at, answer.created_at)
    first_token = answer.first_token_ms
    if first_token is not None and queued_ms is not None:
        first_token = max(0, first_token - queued_ms)  # the pipeline counts from when it was asked
    return {
        "position": item.position + 1,
        "answer_id": answer.pk,
        "question": answer.question,
        "status": answer.status,
        "answer": answer.text,
        "error": answer.error if error is None else error,
        "sources": [_source(c) for c in answer.citations],
        "provider": answer.provider,
        "model": answer.model,
        "first_token_ms": first_token,
        "total_ms": _ms(answer.finished_at, item.started_at),
        "queued_ms": queued_ms,
    }


def _describe(source: dict[str, Any]) -> str:
    where = f"{source['title']}, page {source['page']}" if source["page"] else str(source["title"])
    owner = f"note {source['note_id']}" if source["note_id"] else f"document {source['document_id']}"
    return f"[{source['n']}] {where} ({owner})"


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def results_csv(rows: Iterable[dict[str, Any]]) -> str:
    """The results as CSV text, one row per question, sources as '[n] title, page p (document d)'."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        flat["cited_sources"] = "; ".join(_describe(s) for s in row["sources"] if s["cited"])
        flat["other_sources"] = "; ".join(_describe(s) for s in row["sources"] if not s["cited"])
        writer.writerow({k: _cell(v) for k, v in flat.items()})
    return out.getvalue()
