"""An answer the loop guard stops still records how many tokens were generated (the stream's pieces).

The chat model is Ollama's protocol, served by the test double (tests/doubles/ollama.py), because no Ollama
binary exists in any registry this machine reaches; its chat_fn writes a looping answer on purpose. The
server's own count only comes with the final chunk, which a stopped stream never reads.
"""

import pytest

from rag_app.providers import config
from rag_app.providers.models import ProviderSetting
from rag_app.qa.models import Answer
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

TOWER = "The Eiffel Tower is 330 metres tall and stands in Paris. It was completed in 1889 for a world's fair."
LOOP = "The tower is 330 metres tall [1]. " * 12


@pytest.fixture
def looping_chat(ollama_double, settings):
    ollama_double.chat_fn = lambda call: LOOP
    settings.OLLAMA_URL = ollama_double.url
    settings.PROVIDER_RETRIES = 0
    ProviderSetting.objects.create(role="chat", kind="ollama", model="llama3.2:3b")
    config.invalidate()
    yield ollama_double
    config.invalidate()


def test_a_stopped_stream_counts_its_pieces_and_a_finished_one_keeps_the_servers_count(alice, looping_chat, settings):
    ready_document(alice, "tower.txt", TOWER)
    stopped = Answer.objects.get(pk=answer_now(alice, "How tall is the Eiffel Tower?")["id"])
    generation = stopped.checks["generation"]
    assert (generation["finish_reason"], generation["completion_tokens_from"]) == ("repeating", "stream")
    # the double streams one word per piece: the words of the first sentence, the repeat, and up to the check
    assert 7 <= stopped.completion_tokens < len(LOOP.split())
    assert stopped.provider == "ollama"

    settings.ANSWER_LOOP_GUARD = False
    finished = Answer.objects.get(pk=answer_now(alice, "How tall is the Eiffel Tower?")["id"])
    assert finished.checks["generation"]["completion_tokens_from"] == "server"
    assert finished.completion_tokens == len(LOOP.split())  # the double's eval_count: its words
