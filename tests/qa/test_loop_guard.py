"""The loop guard stops a stream that repeats itself and keeps what came before."""

from rag_app.qa.verification.loop_guard import LoopGuard


def feed(text: str, size: int = 5) -> LoopGuard:
    guard = LoopGuard()
    for start in range(0, len(text), size):
        if guard.feed(text[start : start + size]):
            break
    return guard


def test_a_repeated_sentence_stops_the_stream_and_the_first_one_is_kept():
    guard = feed("The kiln holds 60 pieces. It cools for 18 hours. The kiln holds 60 pieces. The kiln holds")
    assert guard.looped
    assert guard.result == "The kiln holds 60 pieces. It cools for 18 hours."


def test_a_phrase_looping_without_full_stops_is_cut_after_its_first_time():
    guard = feed("Works: dredging of the quay wall, " + "dredging of the quay wall, " * 4)
    assert guard.looped
    assert guard.result == "Works: dredging of the quay wall,"


def test_text_that_does_not_repeat_is_kept_whole():
    text = "Yes. Yes. The crossing takes 35 minutes. The last sailing leaves at 22:10."
    guard = feed(text)
    assert not guard.looped
    assert guard.result == text


def test_once_looped_it_ignores_what_follows():
    guard = feed("One two three four. One two three four. More")
    assert guard.feed(" text") is True
    assert guard.result == "One two three four."
