"""The header's health badge: which role's provider is down, what it is for, and what to do."""

from rag_app.providers.templatetags.provider_health import health_problems


def slot(kind, model, state, *, url="http://127.0.0.1:8001/v1", error="", circuit="closed"):
    return {"kind": kind, "model": model, "base_url": url, "state": state, "last_error": error, "circuit": circuit}


def test_down_providers_come_first_with_advice_for_their_kind():
    overview = {
        "status": "down",
        "roles": {
            "chat": {"primary": slot("vllm", "smollm2", "down", error="connection refused"), "fallback": None},
            "embeddings": {"primary": slot("local", "minilm", "ok", url=""), "fallback": None},
            "vision": {
                "primary": slot("ollama", "llava:7b", "unknown", url="http://127.0.0.1:11434"),
                "fallback": None,
            },
        },
    }
    chat, vision = health_problems(overview)
    assert (chat["role"], chat["down"], chat["error"]) == ("chat", True, "connection refused")
    assert "vLLM server at http://127.0.0.1:8001/v1" in chat["advice"]
    assert "Provider settings" in chat["advice"]
    assert chat["uses"] == "answers and note actions"
    assert (vision["role"], vision["down"]) == ("vision", False)
    assert "Not checked yet" in vision["advice"]


def test_an_open_circuit_counts_as_down_and_ollama_advice_names_the_pull():
    overview = {
        "status": "degraded",
        "roles": {
            "vision": {
                "primary": slot("ollama", "llava:7b", "ok", url="http://o:11434", circuit="open"),
                "fallback": None,
            }
        },
    }
    (problem,) = health_problems(overview)
    assert problem["down"]
    assert "ollama pull llava:7b" in problem["advice"]


def test_nothing_to_report_when_every_provider_is_ok():
    overview = {"status": "ok", "roles": {"chat": {"primary": slot("local", "smollm2", "ok"), "fallback": None}}}
    assert health_problems(overview) == []
