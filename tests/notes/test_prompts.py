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
        ("Title: Plan\n1. Decisions\n2. Budget\n3. 200 euros", "Plan", ["decisions", "budget", "200-euros"]),
        ("Title: Plan\n- a sentence that is far too long to be a tag", "Plan", []),
        ("", "", []),
        ("Title: x\nTags: <script>, ok", "x", ["script", "ok"]),
    ],
)
def test_parse_suggestion(reply, title, tags):
    assert prompts.parse_suggestion(reply) == (title, tags)


def test_a_sentence_is_cut_to_a_short_title_at_a_word_boundary():
    title, _ = prompts.parse_suggestion("The garden meeting was a success and the team decided to plant " * 3)
    assert len(title) <= prompts.SUGGESTED_TITLE_CHARS + 1
    assert title.endswith("…")
    assert title.startswith("The garden meeting was a success")
    assert " " not in title[-3:]


def test_looping_phrases_are_collapsed():
    looping = "Planning a Garden: Planning a Garden: Planning a Garden: Planning a"
    assert prompts.drop_repeats(looping) == "Planning a Garden: Planning a"
    assert prompts.drop_repeats("We met. We met. Then we ate!") == "We met. Then we ate!"
    title, _ = prompts.parse_suggestion("Title: Summer Garden: Summer Garden: Summer Garden")
    assert title == "Summer Garden"


def test_repeated_key_points_are_dropped_keeping_order():
    text = "1. Budget is 4.2M.\n2. The team.\n3. The team.\n- the team.\n4. Starts in March."
    assert prompts.tidy_points(text) == "1. Budget is 4.2M.\n2. The team.\n4. Starts in March."


def test_inputs_are_bounded_for_the_small_model():
    messages = prompts.summary_messages("T", "x" * 50_000)
    assert len(messages[1].content) < prompts.MAX_INPUT_CHARS + 100
    many = prompts.key_points_messages([("a", "y" * 50_000), ("b", "z" * 50_000)])
    assert len(many[-1].content) < prompts.MAX_INPUT_CHARS + 1000
    assert "[a]" in many[-1].content
    assert "[b]" in many[-1].content
