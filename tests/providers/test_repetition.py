"""Repetition controls reach each provider in the form its server understands."""

from rag_app.providers import ollama, openai_compat
from rag_app.providers.base import Endpoint, Repetition

CONTROLS = Repetition(penalty=1.2, frequency_penalty=0.4, no_repeat_ngram=6)


def test_openai_compatible_servers_get_frequency_penalty_and_vllms_repetition_penalty():
    assert openai_compat._repetition(CONTROLS) == {"frequency_penalty": 0.4, "extra_body": {"repetition_penalty": 1.2}}
    assert openai_compat._repetition(None) == {}  # condensing and health checks send none


def test_ollama_gets_repeat_penalty_in_its_options():
    endpoint = Endpoint(kind="ollama", model="m", num_ctx=4096)
    options = ollama._options(endpoint, max_tokens=10, temperature=0.0, repetition=CONTROLS)
    assert options == {"num_ctx": 4096, "num_predict": 10, "temperature": 0.0, "repeat_penalty": 1.2}


def test_the_recorded_form_names_every_control():
    assert CONTROLS.as_dict() == {"penalty": 1.2, "frequency_penalty": 0.4, "no_repeat_ngram": 6}
