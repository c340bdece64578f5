"""Note prompts: named and versioned, and the small model's loose title/tags replies parsed safely."""

import pytest

from notes import prompts


def test_prompts_have_distinct_names_and_versions():
    all_prompts = [prompts.SUMMARISE, prompts.SUGGEST, prompts.KEY_POINTS]
    assert len({p.name for p in all_prompts}) == 3
    assert all(p.version >= 1 for p in all_prompts)


@pytest.mark.parametrize(
    ("reply", "title", "tags"),
    [
        (
            "Title: Garden plan\nTags: garden, Tomatoes, spring planting",
            "Garden plan",
            ["garden", "tomatoes", "spring-planting"],
        ),
        ('**Title:** "Garden plan"\n**Tags:** #garden #plants', "Garden plan", ["garden", "plants"]),
        ("Garden plan for April", "Garden plan for April", []),
        ("Tags: a, b, a, c, d, e, f", "", ["a", "b", "c", "d", "e"]),
        ("", "", []),
        ("Title: x\nTags: <script>, ok", "x", ["script", "ok"]),
    ],
)
def test_parse_suggestion(reply, title, tags):
    assert prompts.parse_suggestion(reply) == (title, tags)


def test_inputs_are_bounded_for_the_small_model():
    messages = prompts.summary_messages("T", "x" * 50_000)
    assert len(messages[1].content) < prompts.MAX_INPUT_CHARS + 100
    many = prompts.key_points_messages([("a", "y" * 50_000), ("b", "z" * 50_000)])
    assert len(many[0].content) < prompts.MAX_INPUT_CHARS + 1000
    assert "[a]" in many[0].content
    assert "[b]" in many[0].content
