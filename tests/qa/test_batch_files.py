"""Reading questions from an uploaded CSV, and writing a batch's results as CSV."""

import csv
import io

import pytest

from rag_app.errors import ApplicationError
from rag_app.qa.batch_files import CSV_COLUMNS, questions_from_csv, results_csv


def test_the_question_column_is_read_in_order_whatever_its_place():
    data = b'id,question,owner\n1,What is the budget?,ann\n\n2,"Who signed it, and when?",bo\n'
    assert questions_from_csv(data) == ["What is the budget?", "Who signed it, and when?"]


def test_excel_files_with_a_bom_and_semicolons_are_read():
    data = "\ufeffQuestion;Notes\nWhere is the depot?;x\n".encode()
    assert questions_from_csv(data) == ["Where is the depot?"]


def test_a_single_column_keeps_unquoted_commas_in_the_question():
    assert questions_from_csv(b"question\nWhat is A, and B?\n") == ["What is A, and B?"]


def test_a_quoted_question_may_span_lines():
    assert questions_from_csv(b'question\n"first line\nsecond line"\n') == ["first line\nsecond line"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The CSV file is empty"),
        (b"   \n", "The CSV file is empty"),
        (b"%PDF-1.7\x00\x01binary", "contains binary data"),
        ("question\nQu'est-ce que c'est?\n".encode("utf-16"), "contains binary data"),
        ("question\ncaf\xe9?\n".encode("latin-1"), 'save it as "CSV UTF-8"'),
        (b"title,body\nx,y\n", "no 'question' column: its first row must name the columns (found 'title', 'body')"),
        (b"id,question\n1,What now?,extra\n", "Line 2 has 3 cells but the header has 2"),
        (b"id,question\n1,\n", "Line 2 has no question"),
        (b"question\n", "no questions under its 'question' header"),
        (b'question\n"unterminated\n', "could not be read at line"),
    ],
)
def test_a_bad_csv_is_refused_saying_what_is_wrong(data, message):
    with pytest.raises(ApplicationError) as raised:
        questions_from_csv(data)
    assert message in raised.value.message
    assert raised.value.code == "bad_csv"


def test_results_csv_lists_cited_and_other_sources_and_defuses_formulas():
    row = {
        "position": 1,
        "answer_id": 7,
        "question": '=HYPERLINK("http://evil")',
        "status": "done",
        "answer": "It is 330 metres tall [1].",
        "error": "",
        "sources": [
            {
                "n": 1,
                "title": "tower.txt",
                "document_id": 3,
                "note_id": None,
                "page": 2,
                "chunk_id": "3:0",
                "cited": True,
            },
            {
                "n": 2,
                "title": "Note: Trip",
                "document_id": None,
                "note_id": 5,
                "page": None,
                "chunk_id": "note-5:0",
                "cited": False,
            },
        ],
        "provider": "local",
        "model": "SmolLM2-135M-Instruct",
        "first_token_ms": 120,
        "total_ms": 900,
        "queued_ms": None,
    }
    [parsed] = list(csv.DictReader(io.StringIO(results_csv([row]))))
    assert list(parsed) == CSV_COLUMNS
    assert parsed["cited_sources"] == "[1] tower.txt, page 2 (document 3)"
    assert parsed["other_sources"] == "[2] Note: Trip (note 5)"
    assert parsed["question"] == '\'=HYPERLINK("http://evil")'
    assert (parsed["first_token_ms"], parsed["total_ms"], parsed["queued_ms"]) == ("120", "900", "")
