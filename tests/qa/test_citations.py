"""Citations are checked against the sources actually given."""

from rag_app.qa.citations import cited, strip_unknown


def test_valid_numbers_are_found_in_order_of_first_mention():
    assert cited("Paris [2]. It is tall [1, 2]. Again [2].", valid={1, 2, 3}) == [2, 1]


def test_unknown_numbers_are_dropped():
    assert cited("See [7] and [1].", valid={1, 2}) == [1]
    assert strip_unknown("Tall [7]. Old [1, 9].", valid={1, 2}) == "Tall. Old [1]."


def test_text_without_citations_is_unchanged():
    assert strip_unknown("No sources here (see 2019 report).", valid={1}) == "No sources here (see 2019 report)."
