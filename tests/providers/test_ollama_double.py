"""The Ollama test double speaks Ollama's HTTP API as documented, checked here with plain HTTP.

The double stands in for Ollama because no Ollama binary can be installed on this machine; these
tests pin the protocol details the adapter tests rely on (shapes, statuses, streaming, faults), so a
double that drifted from Ollama's docs fails here rather than silently passing adapter tests.
"""

import base64
import json
import math
from typing import Any

import httpx
import pytest

from tests.doubles.ollama import OllamaDouble, OllamaModel

CHAT_BODY = {"model": "llama3.2:3b", "messages": [{"role": "user", "content": "why is the sky blue?"}]}


def ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_chat_streams_ndjson_by_default_with_a_final_summary(ollama_double):
    response = httpx.post(f"{ollama_double.url}/api/chat", json=CHAT_BODY)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["transfer-encoding"] == "chunked"
    *pieces, final = ndjson(response)
    assert len(pieces) > 3
    for piece in pieces:
        assert piece["done"] is False
        assert piece["model"] == "llama3.2:3b"
        assert piece["message"]["role"] == "assistant"
        assert piece["created_at"].endswith("Z")
    assert final["done"] is True
    assert final["done_reason"] == "stop"
    assert final["message"] == {"role": "assistant", "content": ""}
    assert final["eval_count"] == len(pieces)
    assert final["prompt_eval_count"] == 5
    for key in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration"):
        assert isinstance(final[key], int)
    assert final["total_duration"] >= final["eval_duration"]
    text = "".join(p["message"]["content"] for p in pieces)
    assert text == "The Ollama test double has no sources to answer: why is the sky blue?"


def test_chat_without_streaming_is_one_object_and_num_predict_cuts_it(ollama_double):
    body = CHAT_BODY | {"stream": False, "options": {"num_predict": 4}}

    response = httpx.post(f"{ollama_double.url}/api/chat", json=body)

    assert response.headers["content-type"] == "application/json; charset=utf-8"
    answer = response.json()
    assert answer["message"]["content"] == "The Ollama test double"
    assert answer["done_reason"] == "length"
    assert answer["eval_count"] == 4


def test_prompt_count_is_capped_by_the_effective_context(ollama_double):
    long = {"role": "user", "content": "word " * 5000}
    body = {"model": "llama3.2:3b", "messages": [long], "stream": False}

    default = httpx.post(f"{ollama_double.url}/api/chat", json=body).json()
    wide = httpx.post(f"{ollama_double.url}/api/chat", json=body | {"options": {"num_ctx": 8192}}).json()

    assert default["prompt_eval_count"] == 4096  # Ollama's default num_ctx
    assert wide["prompt_eval_count"] == 5000


def test_an_empty_chat_loads_the_model(ollama_double):
    answer = httpx.post(f"{ollama_double.url}/api/chat", json={"model": "llava:7b", "messages": []}).json()

    assert answer["done"] is True
    assert answer["done_reason"] == "load"


def test_chat_images_must_be_base64(ollama_double):
    image = b"\xff\xd8\xff\xe0 jpeg bytes"
    good = {"role": "user", "content": "what is this?", "images": [base64.b64encode(image).decode()]}
    bad = {"role": "user", "content": "what is this?", "images": ["not base64!"]}
    url = f"{ollama_double.url}/api/chat"

    described = httpx.post(url, json={"model": "llava:7b", "messages": [good], "stream": False})
    refused = httpx.post(url, json={"model": "llava:7b", "messages": [bad]})

    assert described.json()["message"]["content"].startswith(f"The image is a JPEG picture of {len(image)} bytes")
    assert refused.status_code == 400
    assert refused.json() == {"error": "illegal base64 data at input byte 3"}


def test_model_names_match_like_ollamas(ollama_double):
    url = f"{ollama_double.url}/api/show"

    assert httpx.post(url, json={"model": "LLaVA:7B"}).status_code == 200
    assert httpx.post(url, json={"model": "llava"}).status_code == 404  # no tag means llava:latest
    assert httpx.post(url, json={"model": "nomic-embed-text"}).status_code == 200  # that one is :latest


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/api/chat", {"model": "nope", "messages": []}, 404, "model 'nope' not found"),
        ("/api/chat", {"messages": []}, 400, "model is required"),
        ("/api/chat", {"model": "nomic-embed-text", "messages": []}, 400, '"nomic-embed-text" does not support chat'),
        ("/api/embed", {"model": "nope", "input": "x"}, 404, "model 'nope' not found"),
        ("/api/embed", {"model": "nomic-embed-text", "input": [1, 2]}, 400, "invalid input type"),
        ("/api/show", {"model": "nope"}, 404, "model 'nope' not found"),
        ("/api/show", {}, 400, "model is required"),
    ],
)
def test_errors_have_ollamas_status_and_body(ollama_double, path, body, status, error):
    response = httpx.post(f"{ollama_double.url}{path}", json=body)

    assert response.status_code == status
    assert response.json() == {"error": error}


def test_a_missing_body_unknown_path_and_wrong_method_answer_like_ollama(ollama_double):
    assert httpx.post(f"{ollama_double.url}/api/chat").json() == {"error": "missing request body"}
    unknown = httpx.get(f"{ollama_double.url}/v1/api/tags")
    assert (unknown.status_code, unknown.text) == (404, "404 page not found")
    wrong = httpx.post(f"{ollama_double.url}/api/tags", json={})
    assert (wrong.status_code, wrong.text) == (405, "405 method not allowed")
    root = httpx.get(ollama_double.url)
    assert (root.status_code, root.text) == (200, "Ollama is running")


def test_embed_takes_a_string_or_a_list_and_normalises(ollama_double):
    url = f"{ollama_double.url}/api/embed"
    one = httpx.post(url, json={"model": "nomic-embed-text", "input": "the sky is blue"}).json()
    many = httpx.post(url, json={"model": "nomic-embed-text", "input": ["a", "the sky is blue"]}).json()
    short = httpx.post(url, json={"model": "nomic-embed-text", "input": "x", "dimensions": 64}).json()
    empty = httpx.post(url, json={"model": "nomic-embed-text", "input": []}).json()

    assert one["model"] == "nomic-embed-text"
    assert len(one["embeddings"]) == 1
    assert many["embeddings"][1] == one["embeddings"][0]
    assert math.isclose(sum(x * x for x in many["embeddings"][0]), 1.0)
    assert len(short["embeddings"][0]) == 64
    assert math.isclose(sum(x * x for x in short["embeddings"][0]), 1.0)
    assert empty == {"model": "nomic-embed-text", "embeddings": []}
    assert many["prompt_eval_count"] == 5


def test_an_embedding_function_of_the_wrong_dimension_is_reported(ollama_double):
    ollama_double.embed_fn = lambda texts: [[1.0, 0.0] for _ in texts]

    response = httpx.post(f"{ollama_double.url}/api/embed", json={"model": "nomic-embed-text", "input": "x"})

    assert response.status_code == 500
    assert "declares 768" in response.json()["error"]


def test_tags_show_and_version_describe_the_configured_models():
    models = [OllamaModel.embedding("all-minilm:l6-v2", dimension=384, family="bert", context_length=512)]
    with OllamaDouble(models, version="0.9.0") as double:
        tags = httpx.get(f"{double.url}/api/tags").json()
        shown = httpx.post(f"{double.url}/api/show", json={"model": "ALL-MINILM:L6-V2"}).json()
        version = httpx.get(f"{double.url}/api/version").json()

    [model] = tags["models"]
    assert model["name"] == model["model"] == "all-minilm:l6-v2"
    assert model["details"]["family"] == "bert"
    assert len(model["digest"]) == 64
    assert shown["model_info"]["bert.context_length"] == 512
    assert shown["model_info"]["bert.embedding_length"] == 384
    assert shown["capabilities"] == ["embedding"]
    assert version == {"version": "0.9.0"}


def test_faults_requests_and_restart(ollama_double):
    ollama_double.fail_next(2, status=503, error="server busy", path="/api/tags")
    url = f"{ollama_double.url}/api/tags"

    with httpx.Client() as client:
        assert client.get(f"{ollama_double.url}/api/version").status_code == 200  # another path: untouched
        assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]
        ollama_double.stop()
        with pytest.raises(httpx.ConnectError):
            client.get(url)
        ollama_double.start()
        assert client.get(url).status_code == 200

    assert [r.path for r in ollama_double.requests] == ["/api/version"] + ["/api/tags"] * 4
    ollama_double.clear_requests()
    httpx.post(f"{ollama_double.url}/api/show", json={"model": "llava:7b"})
    assert ollama_double.requests_to("/api/show")[0].body == {"model": "llava:7b"}


def test_a_stream_can_break_with_an_error_line(ollama_double):
    ollama_double.break_stream_after(1, error="error reading llm response: EOF")

    lines = ndjson(httpx.post(f"{ollama_double.url}/api/chat", json=CHAT_BODY))

    assert lines[0]["done"] is False
    assert lines[1:] == [{"error": "error reading llm response: EOF"}]
