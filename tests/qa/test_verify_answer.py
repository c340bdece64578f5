"""Which answer is shown, pure: the checked answer, the sources' own sentences, or a refusal, and why."""

from dataclasses import dataclass

from rag_app.qa.verification import quotes
from rag_app.qa.verification.passages import Vectors
from rag_app.qa.verify_answer import QUOTED_LABEL, decide

REFUSAL = "I could not find anything about this in your documents and notes."


@dataclass(frozen=True)
class Given:
    n: int
    text: str
    title: str = ""


TUNNEL = Given(
    1,
    "The Hollow Mountain tunnel carries the Orvik valley railway under the Korrin ridge. It is 11.6 kilometres "
    "long and opened in 1931 after nine years of construction.",
)
ENGINEER = Given(
    2,
    "The chief engineer was Agnes Pell, who insisted on drilling from both ends at once. Forty-one workers died "
    "during the construction.",
    "hollow-mountain-tunnel.md",  # its text does not name the tunnel: its title does
)
GIVEN = [TUNNEL, ENGINEER]


def test_a_mostly_supported_answer_is_shown_with_each_sentence_cited():
    outcome = decide(
        "How long is the Hollow Mountain tunnel?",
        "The tunnel is 11.6 kilometres long.",
        GIVEN,
        embed=None,
        refusal=REFUSAL,
    )
    assert outcome.path == "generated"
    assert outcome.text == "The tunnel is 11.6 kilometres long. [1]"
    assert outcome.cited == [1]
    assert outcome.record["supported_share"] == 1.0


def test_a_mostly_unsupported_answer_quotes_the_sources_and_keeps_the_models_text_aside():
    model = "The tunnel is 16 kilometres long. It was built by the Swedish company Vattenfall."
    outcome = decide("How long is the Hollow Mountain tunnel?", model, GIVEN, embed=None, refusal=REFUSAL)
    assert outcome.path == "quoted"
    assert outcome.text.startswith(f"{QUOTED_LABEL} \u201cIt is 11.6 kilometres long")
    assert outcome.text.endswith("[1]")
    assert outcome.model_text == model
    assert [(s.citations, s.supported) for s in outcome.sentences] == [([1], True)]
    assert outcome.cited == [1]
    assert "0% of the sentences are supported" in outcome.reason
    assert outcome.record["unsupported_facts"] == ["16 kilometres", "Swedish", "Vattenfall"]


def test_a_supported_answer_that_misses_the_question_gives_way_to_the_sources():
    outcome = decide(
        "Who was the chief engineer of the Hollow Mountain tunnel?",
        "The tunnel opened in 1931.",
        GIVEN,
        embed=None,
        refusal=REFUSAL,
    )
    assert outcome.path == "quoted"
    assert "Agnes Pell" in outcome.text
    assert "cover" in outcome.reason


def test_a_supported_answer_without_the_asked_name_gives_way_to_the_sources():
    outcome = decide(
        "Who was the chief engineer of the Hollow Mountain tunnel?",
        "The chief engineer insisted on drilling from both ends at once.",
        GIVEN,
        embed=None,
        refusal=REFUSAL,
    )
    assert outcome.path == "quoted"
    assert "Agnes Pell" in outcome.text
    assert outcome.reason == "no supported sentence holds the kind of answer asked for (a number, a name)"


def test_a_question_about_a_name_no_passage_mentions_is_refused():
    outcome = decide("How long is the Channel Tunnel?", "It is 50 kilometres long.", GIVEN, embed=None, refusal=REFUSAL)
    assert (outcome.path, outcome.text, outcome.cited) == ("refused", REFUSAL, [])
    assert outcome.reason == "no passage mentions Channel, Tunnel"


def test_a_question_whose_best_source_sentence_is_weak_is_refused():
    outcome = decide(
        "How many strings does a cello have?", "A cello has 10 strings.", GIVEN, embed=None, refusal=REFUSAL
    )
    assert outcome.path == "refused"
    assert "scores 0.00" in outcome.reason
    assert outcome.model_text == "A cello has 10 strings."


def test_quotes_prefer_the_sentence_holding_the_asked_number_over_the_topic_sentence():
    [quote] = quotes.best(
        "How many member farms does the Lumen Orchard Cooperative have?",
        [
            Given(
                1,
                "The Lumen Orchard Cooperative was founded in 1987 in the Harrowgate valley by the grower Ilse Marrow. "
                "Today the cooperative has 42 member farms.",
            )
        ],
        vectors=Vectors(None),
        limit=1,
    )
    assert quote.text == "Today the cooperative has 42 member farms."


def test_titles_and_headings_are_never_quoted():
    found = quotes.best(
        "Brackwater ferry timetable",
        [Given(1, "Brackwater ferry: timetable and rules for passengers")],
        vectors=Vectors(None),
    )
    assert found == []
