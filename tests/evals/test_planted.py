"""The planted-error fixture through the verifier: >= 95% of wrong numbers, dates, amounts and names flagged."""

from rag_app.evals import planted
from rag_app.qa.verification.verifier import verify


def supported(text: str, case: planted.Planted) -> bool:
    [sentence] = verify(text, case.passages).sentences
    return sentence.supported


def test_at_least_95_percent_of_planted_errors_are_flagged():
    cases = planted.load()
    flagged = [not supported(c.planted, c) for c in cases]
    assert len(cases) >= 50
    assert {c.kind for c in cases} == {"number", "date", "amount", "name"}
    assert sum(flagged) / len(cases) >= 0.95, [c.planted for c, f in zip(cases, flagged, strict=True) if not f]


def test_the_correct_sentences_are_not_flagged():
    cases = planted.load()
    assert [c.correct for c in cases if not supported(c.correct, c)] == []


def test_each_planted_sentence_differs_from_its_correct_one():
    assert all(c.planted != c.correct for c in planted.load())
