"""The compose file's wiring, proven without a Docker engine: `docker-compose config` output, checked.

tests/deploy/compose_wiring.py reads the file as Docker would run it (anchors merged, .env applied)
and lists what would break. The file as it was before issue 16 (fixtures/) must show the faults the
issue measured; the file in the repository must show none. This is the wiring check, not a smoke run:
no container is started here (no Docker engine runs on this machine kind).
"""

import copy
import re
import shutil

import pytest

from tests.deploy.compose_wiring import ROOT, compose_config, listens_on, problems

SECRETS = "\nDJANGO_SECRET_KEY=compose-test-key\nPOSTGRES_PASSWORD=compose-test-password\n"


@pytest.fixture(autouse=True)
def _docker_compose() -> None:
    # Debian's docker-compose (1.29) is installed by scripts/system-packages; it needs no Docker engine.
    assert shutil.which("docker-compose"), "docker-compose is missing: run scripts/system-packages"


@pytest.fixture
def env_example() -> str:
    return (ROOT / ".env.example").read_text() + SECRETS


@pytest.fixture
def config(tmp_path, env_example):
    return compose_config(ROOT / "docker-compose.yml", env_example, tmp_path)


def test_the_check_finds_the_faults_of_the_compose_file_before_issue_16(tmp_path, env_example):
    before = compose_config(ROOT / "tests/deploy/fixtures/docker-compose.before.yml", env_example, tmp_path)
    found = problems(before)
    for fault in (
        "web VLLM_URL=http://127.0.0.1:8001/v1 (profile vllm): 127.0.0.1 is no service",
        "worker VLLM_EMBED_URL=http://127.0.0.1:8002/v1 (profile vllm): 127.0.0.1 is no service",
        "worker-qa OLLAMA_URL=http://127.0.0.1:11434 (profile ollama): 127.0.0.1 is no service",
        "vllm-embed reserves no GPU",
        "vllm-chat has no healthcheck",
        "ollama has no healthcheck",
        "web does not wait for migrate",
        "nothing pulls llava:7b into Ollama",
    ):
        assert fault in found


def test_the_compose_file_has_no_wiring_fault(config):
    assert problems(config) == []
    assert {"web", "worker", "worker-qa", "beat", "migrate", "models-ready", "ollama-pull"} <= set(config["services"])


def test_every_app_service_reaches_the_model_servers_by_service_name(config):
    env = config["services"]["worker-qa"]["environment"]
    assert env["VLLM_URL"] == "http://vllm-chat:8000/v1"
    assert env["VLLM_EMBED_URL"] == "http://vllm-embed:8000/v1"
    assert env["OLLAMA_URL"] == "http://ollama:11434"
    assert env["LLM_PROVIDER"] == "vllm"  # .env.example leaves it blank: compose's default
    assert config["services"]["web"]["environment"] == config["services"]["beat"]["environment"]


@pytest.mark.parametrize(
    ("service", "change", "fault"),
    [
        ("worker", lambda s: s["environment"].update(VLLM_URL="http://vllm-chat:8001/v1"), "not 8001"),
        ("vllm-chat-cpu", lambda s: s.pop("networks"), "vllm-chat is no service"),
        ("vllm-embed-cpu", lambda s: s["command"].__setitem__(s["command"].index("0.0.0.0"), "127.0.0.1"), "[]"),
        ("worker", lambda s: s["environment"].update(EXTRA="1"), "worker has other environment than beat"),
        ("web", lambda s: s["depends_on"]["migrate"].update(condition="service_started"), "not service_completed"),
        ("vllm-embed", lambda s: s.pop("deploy"), "vllm-embed reserves no GPU"),
        ("vllm-chat", lambda s: s["command"].__setitem__(-1, "0.90"), "ask for 1.00 of its memory"),
        ("chroma", lambda s: s.pop("volumes"), "chroma keeps its data in /data/chroma"),
        ("worker-qa", lambda s: s.update(volumes=[]), "MEDIA_ROOT /data/media is no shared volume"),
        ("ollama-cpu", lambda s: s.pop("healthcheck"), "ollama-cpu has no healthcheck"),
    ],
)
def test_the_check_sees_each_kind_of_fault(config, service, change, fault):
    broken = copy.deepcopy(config)
    change(broken["services"][service])
    assert any(fault in problem for problem in problems(broken)), problems(broken)


def test_servers_listen_where_the_urls_point(config):
    services = config["services"]
    assert listens_on(services["web"]) == {8000}  # the Dockerfile's gunicorn --bind 0.0.0.0:8000
    assert listens_on(services["vllm-chat-cpu"]) == {8000}
    assert listens_on(services["postgres"]) == {5432}


def test_secrets_come_only_from_env(tmp_path, env_example):
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"\$\{(POSTGRES_PASSWORD|DJANGO_SECRET_KEY|VLLM_API_KEY|HF_TOKEN):-[^}]", text)
    with pytest.raises(ValueError, match=r"set (POSTGRES_PASSWORD|DJANGO_SECRET_KEY) in \.env"):
        compose_config(ROOT / "docker-compose.yml", env_example.replace(SECRETS, ""), tmp_path)
    config = compose_config(ROOT / "docker-compose.yml", env_example, tmp_path)
    assert config["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "compose-test-password"
    assert "compose-test-password@postgres:5432" in config["services"]["migrate"]["environment"]["DATABASE_URL"]


def test_the_image_runs_as_an_unprivileged_user_and_leaves_the_checkout_behind():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "useradd --uid 10001" in dockerfile
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", dockerfile, re.M)
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "var/", ".git", "test-output/", ".env"} <= ignored
