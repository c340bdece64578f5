"""Moving from Ollama to vLLM and back (the seed's test): same questions, citations intact, no code change.

vLLM is the real CPU server. Ollama is the protocol double (tests/doubles/ollama.py), because no
Ollama binary exists in any registry this machine reaches; its `all-minilm` embeddings are computed
by the real all-MiniLM-L6-v2, as Ollama's `all-minilm` is that model, so both providers share one
vector space and rolling back needs no re-index.
"""

import pytest

from rag_app.index import service as index
from rag_app.providers import config
from rag_app.providers.local import EMBED_ENDPOINT, LocalEmbedder
from rag_app.providers.models import ProviderSetting
from tests.doubles.ollama import OllamaModel
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vllm_servers")]

QUESTIONS = [
    ("How long is the Heron bridge?", "1,240 metres"),
    ("Who designed the Heron bridge?", "Ines Duarte"),
    ("When did the Heron bridge open?", "1998"),
]
FACTS = (
    "The Heron bridge is 1,240 metres long and crosses the estuary.\n\n"
    "The Heron bridge was designed by the engineer Ines Duarte.\n\n"
    "The Heron bridge opened to traffic in May 1998."
)


@pytest.fixture
def ollama(ollama_double, settings):
    ollama_double.models = [OllamaModel.chat("llama3.1:8b"), OllamaModel.embedding("all-minilm", dimension=384)]
    ollama_double.embed_fn = LocalEmbedder(EMBED_ENDPOINT).embed_batch
    settings.OLLAMA_URL = ollama_double.url
    settings.OLLAMA_CHAT_MODEL = "llama3.1:8b"
    settings.OLLAMA_EMBED_MODEL = "all-minilm"
    settings.CHROMA_COLLECTION = "migration"
    yield ollama_double
    index.drop_all()


def use_provider(settings, kind):
    settings.LLM_PROVIDER = kind
    config.invalidate()


def ask_all(owner):
    answers = []
    for question, fact in QUESTIONS:
        body = answer_now(owner, question)
        assert body["answer"].strip(), body
        top = body["citations"][0]
        assert fact in top["text"]
        answers.append((body["provider"], top["document_id"], top["chunk_id"]))
    return answers


def test_switching_by_environment_keeps_answers_cited(settings, ollama, alice):
    use_provider(settings, "vllm")
    settings.CHUNK_TOKENS = 30
    document = ready_document(alice, "heron.txt", FACTS)

    on_vllm = ask_all(alice)
    use_provider(settings, "ollama")  # the rollback switch
    on_ollama = ask_all(alice)
    use_provider(settings, "vllm")
    back_on_vllm = ask_all(alice)

    assert {p for p, _, _ in on_vllm} == {p for p, _, _ in back_on_vllm} == {"vllm"}
    assert {p for p, _, _ in on_ollama} == {"ollama"}
    # the same passages are found and cited whichever provider serves
    assert [c for _, _, c in on_vllm] == [c for _, _, c in on_ollama] == [c for _, _, c in back_on_vllm]
    assert {d for _, d, _ in on_ollama} == {document.pk}
    chats = ollama.requests_to("/api/chat")
    assert len(chats) == len(QUESTIONS)
    assert all(r.body["options"]["num_ctx"] == settings.OLLAMA_NUM_CTX for r in chats)


def test_switching_in_the_admin_overrides_the_environment_and_rolls_back(settings, ollama, alice):
    use_provider(settings, "ollama")
    settings.CHUNK_TOKENS = 30
    ready_document(alice, "heron.txt", FACTS)  # embedded by Ollama's all-minilm

    assert {p for p, _, _ in ask_all(alice)} == {"ollama"}
    row = ProviderSetting.objects.create(role="chat", slot="primary", kind="vllm")
    assert {p for p, _, _ in ask_all(alice)} == {"vllm"}
    row.delete()  # rollback: no code change, no restart
    assert {p for p, _, _ in ask_all(alice)} == {"ollama"}
