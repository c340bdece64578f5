"""The sentence verifier, pure: what counts as supported, by which passage, and what is flagged."""

from dataclasses import dataclass

from rag_app.qa.verification import sentences, words
from rag_app.qa.verification.verifier import verify


@dataclass(frozen=True)
class Given:
    n: int
    text: str


FERRY = Given(
    1,
    "The crossing takes 35 minutes in calm weather. The last sailing leaves Tollen Island at 22:10. "
    "Sailings are cancelled when the wind exceeds 55 knots.",
)
PEARS = Given(
    2,
    "The Lumen Orchard Cooperative was founded in 1987 by the grower Ilse Marrow. Vesper pears are stored "
    "at 2 degrees Celsius and keep for six weeks. A yearly levy of 120 crowns pays for the cold store.",
)
GIVEN = [FERRY, PEARS]


def check(text: str):
    [sentence] = verify(text, GIVEN).sentences
    return sentence


def test_sentences_split_without_breaking_decimals_times_initials_or_marks():
    text = "It is 11.6 km long (e.g. very long) [1]. Dr. Pell met J. Smith at 22:10! Why? - a list item\n- another"
    assert sentences.split(text) == [
        "It is 11.6 km long (e.g. very long) [1].",
        "Dr. Pell met J. Smith at 22:10!",
        "Why?",
        "- a list item",
        "another",
    ]


def test_facts_are_numbers_with_their_unit_and_capitalised_names():
    facts = words.facts("Ilse Marrow keeps six weeks of pears at 2 degrees, 96% of 1,240 crates.")
    assert [(f.kind, f.value, f.unit) for f in facts] == [
        ("name", "ils", ""),
        ("name", "marrow", ""),
        ("number", "6", "week"),
        ("number", "2", "degre"),
        ("number", "96", "percent"),
        ("number", "1240", "crat"),  # stems, as the passages are read
    ]


def test_a_sentence_the_passage_states_is_supported_and_cites_it():
    sentence = check("The crossing takes 35 minutes.")
    assert (sentence.supported, sentence.citations, sentence.missing) == (True, [1], [])
    assert sentence.score == 1.0


def test_the_models_wrong_mark_is_replaced_by_the_passage_that_supports_the_sentence():
    sentence = check("Vesper pears are stored at 2 degrees Celsius [1].")
    assert (sentence.supported, sentence.citations, sentence.wrong_marks) == (True, [2], [1])


def test_the_models_right_mark_is_kept():
    sentence = check("Sailings are cancelled when the wind exceeds 55 knots [1].")
    assert (sentence.citations, sentence.wrong_marks) == ([1], [])


def test_a_wrong_number_is_unsupported_and_named():
    sentence = check("The crossing takes 45 minutes.")
    assert (sentence.supported, sentence.citations, sentence.missing) == (False, [], ["45 minutes"])


def test_the_right_number_with_the_wrong_unit_is_unsupported():
    # "six weeks" in the source became "6 months" (issue 13); "6 weeks" is the same fact.
    assert check("Vesper pears keep for 6 months.").missing == ["6 months"]
    assert check("Vesper pears keep for 6 weeks.").supported


def test_an_invented_company_and_place_are_flagged_even_beside_right_facts():
    sentence = check("The cooperative is a Swedish company headquartered in Vaxholm, founded in 1987.")
    assert not sentence.supported
    assert sentence.missing == ["Swedish", "Vaxholm"]


def test_a_wrong_name_at_the_start_of_a_sentence_is_flagged():
    assert check("Stockholm hosts the cold store of the cooperative.").missing == ["Stockholm"]


def test_facts_must_all_be_in_one_passage():
    # 35 minutes is in [1], 1987 in [2]: no single passage supports the sentence.
    assert not check("The cooperative, founded in 1987, runs a crossing of 35 minutes.").supported


def test_a_sentence_saying_the_answer_is_not_there_is_no_claim():
    sentence = check("I could not find this in the sources.")
    assert (sentence.claim, sentence.supported) == (False, False)


def test_shares_and_cited_passages_of_a_whole_answer():
    result = verify(
        "The crossing takes 35 minutes. The last sailing leaves at 23:10. Ilse Marrow founded the cooperative.", GIVEN
    )
    assert [s.supported for s in result.sentences] == [True, False, True]
    assert result.supported_share == 2 / 3
    assert result.cited == [1, 2]
    assert result.unsupported_facts == ["23:10"]


def test_the_embedder_is_asked_once_for_all_sentences_and_passages():
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return [[1.0, float(len(t))] for t in texts]

    result = verify("The crossing takes 35 minutes. It is calm.", GIVEN, embed=embed)
    assert len(calls) == 1
    assert "The crossing takes 35 minutes." in calls[0]
    assert "The crossing takes 35 minutes in calm weather." in calls[0]
    assert result.sentences[0].supported
