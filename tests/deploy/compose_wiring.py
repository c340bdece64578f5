"""What a compose file must get right to run, read from `docker-compose config` (anchors merged, .env applied).

`problems(config)` lists every wiring fault found; an empty list means: every URL an app service is given
names a service (or a network alias) of the profile in use and a port that service listens on, every
app service has the same settings, every long-running service has a healthcheck, dependencies wait for
health or for one-shots to finish, the data lives in named volumes, and each vLLM server has a GPU.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_IMAGE = "rag-app"
APP_SERVICES = {"web", "worker", "worker-qa", "beat", "migrate", "models-ready"}
# Ports the images listen on when their command does not say (from each image's documentation).
IMAGE_PORTS = {"postgres": 5432, "redis": 6379, "vllm/vllm-openai": 8000, "ollama/ollama": 11434}
SCHEME_PORTS = {"http": 80, "https": 443, "postgres": 5432, "postgresql": 5432, "redis": 6379}
URL = re.compile(r"^[a-z][a-z0-9+.-]*://")


def compose_config(compose_file: Path, env_text: str, workdir: Path) -> dict[str, Any]:
    """The file as Docker would run it: `docker-compose config`, with env_text as its .env."""
    (workdir / "docker-compose.yml").write_text(compose_file.read_text())
    (workdir / ".env").write_text(env_text)
    result = subprocess.run(["docker-compose", "config"], cwd=workdir, capture_output=True, text=True, timeout=60)
    if result.returncode:
        raise ValueError(result.stderr.strip())
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def _image(service: dict[str, Any]) -> str:
    return str(service.get("image", "")).rsplit(":", 1)[0]


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _flag(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _dockerfile_cmd() -> list[str]:
    line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    return [str(part) for part in json.loads(line.removeprefix("CMD "))]


def listens_on(service: dict[str, Any]) -> set[int]:
    """The ports a service's process listens on for other containers (0.0.0.0, not its own loopback)."""
    args = _command(service)
    if not args and _image(service) == APP_IMAGE:
        args = _dockerfile_cmd()
    ports = {int(p) for p in service.get("expose", [])}
    host, port = _flag(args, "--host"), _flag(args, "--port")
    bind = _flag(args, "--bind")
    if bind:
        host, port = bind.rsplit(":", 1)
    if host in ("127.0.0.1", "localhost", "::1"):
        return ports  # reachable only from inside its own container
    if port:
        ports.add(int(port))
    elif _image(service) in IMAGE_PORTS:
        ports.add(IMAGE_PORTS[_image(service)])
    return ports


def _enabled(services: dict[str, Any], profile: str | None) -> dict[str, str]:
    """Names (service names and network aliases) that resolve under a profile, to the service they reach."""
    names: dict[str, str] = {}
    for name, service in services.items():
        profiles = service.get("profiles") or []
        if profiles and profile not in profiles:
            continue
        names[name] = name
        for network in (service.get("networks") or {}).values():
            for alias in (network or {}).get("aliases", []):
                names[alias] = name
    return names


def app_services(services: dict[str, Any]) -> dict[str, Any]:
    """The services that run the Django app (the app image, not its Chroma server)."""
    return {name: s for name, s in services.items() if _image(s) == APP_IMAGE and _command(s)[:1] != ["chroma"]}


def _one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def _url_problems(services: dict[str, Any]) -> list[str]:
    found = []
    profiles = sorted({p for s in services.values() for p in s.get("profiles") or []}) or [None]
    for profile in profiles:
        names = _enabled(services, profile)
        for app, service in app_services(services).items():
            for key, value in sorted((service.get("environment") or {}).items()):
                if not isinstance(value, str) or not URL.match(value) or value.startswith("filesystem:"):
                    continue
                url = urlsplit(value)
                port = url.port or SCHEME_PORTS.get(url.scheme)
                where = f"{app} {key}={value} (profile {profile})"
                target = names.get(url.hostname or "")
                if target is None:
                    found.append(f"{where}: {url.hostname} is no service")
                elif port not in listens_on(services[target]):
                    found.append(f"{where}: {target} listens on {sorted(listens_on(services[target]))}, not {port}")
    return found


def _same_settings(apps: dict[str, Any]) -> list[str]:
    found = []
    first_name, first = next(iter(sorted(apps.items())))
    for name, service in apps.items():
        for key in ("environment", "env_file", "image"):
            if service.get(key) != first.get(key):
                found.append(f"{name} has other {key} than {first_name}")
    return found


def _health_problems(services: dict[str, Any]) -> list[str]:
    found = []
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if not _one_shot(service) and (check.get("disable") or (check.get("test") or ["NONE"])[0] == "NONE"):
            found.append(f"{name} has no healthcheck")
    return found


def _pull_problems(services: dict[str, Any]) -> list[str]:
    """A one-shot pulls the Ollama models the app is configured to use (vision: llava; embeddings)."""
    env = (services.get("web") or {}).get("environment") or {}
    wanted = [env.get("OLLAMA_VISION_MODEL") or "llava:7b", env.get("OLLAMA_EMBED_MODEL") or "all-minilm"]
    pulled = " ".join(" ".join(_command(s)) for s in services.values() if _image(s) == "ollama/ollama" and _one_shot(s))
    return [f"nothing pulls {model} into Ollama" for model in wanted if f"ollama pull {model}" not in pulled]


def _dependency_problems(services: dict[str, Any]) -> list[str]:
    found = []
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for target, how in depends.items():
            condition = (how or {}).get("condition")
            if target not in services:
                found.append(f"{name} depends on {target}, which is no service")
                continue
            wanted = "service_completed_successfully" if _one_shot(services[target]) else "service_healthy"
            if condition != wanted:
                found.append(f"{name} waits for {target} with {condition}, not {wanted}")
    for name, service in app_services(services).items():
        if _one_shot(service):
            continue
        for needed in ("postgres", "redis", "chroma", "migrate", "models-ready"):
            if needed not in (service.get("depends_on") or {}):
                found.append(f"{name} does not wait for {needed}")
    return found


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Mount point -> named volume."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source, _, target = volume.partition(":")
            volume = {"type": "volume", "source": source, "target": target.split(":")[0]}
        if volume.get("type") == "volume" and volume.get("source"):
            mounts[volume["target"]] = volume["source"]
    return mounts


def _volume_problems(config: dict[str, Any]) -> list[str]:
    services, declared = config["services"], set(config.get("volumes") or {})
    found = [
        f"{name} mounts undeclared volume {v}"
        for name, s in services.items()
        for v in _mounts(s).values()
        if v not in declared
    ]
    data_dirs = {"postgres": "/var/lib/postgresql/data", "chroma": _flag(_command(services["chroma"]), "--path")}
    for name, path in data_dirs.items():
        if path not in _mounts(services[name]):
            found.append(f"{name} keeps its data in {path}, which is no named volume")
    for name, service in app_services(services).items():
        media = (service.get("environment") or {}).get("MEDIA_ROOT", "")
        if name in ("web", "worker", "worker-qa") and media not in _mounts(service):
            found.append(f"{name}: MEDIA_ROOT {media or '(unset)'} is no shared volume")
    return found


def _gpu_problems(services: dict[str, Any]) -> list[str]:
    found: list[str] = []
    shares: dict[str, float] = {}
    for name, service in services.items():
        if _image(service) != "vllm/vllm-openai":
            continue
        devices = [
            d
            for d in (service.get("deploy") or {}).get("resources", {}).get("reservations", {}).get("devices", [])
            if "gpu" in d.get("capabilities", [])
        ]
        if not devices:
            found.append(f"{name} reserves no GPU")
            continue
        share = float(_flag(_command(service), "--gpu-memory-utilization") or 0.9)
        for device in devices[0].get("device_ids", ["all"]):
            shares[device] = shares.get(device, 0.0) + share
    found += [f"GPU {d}: vLLM servers ask for {s:.2f} of its memory" for d, s in shares.items() if s > 0.95]
    return found


def problems(config: dict[str, Any]) -> list[str]:
    """Every wiring fault of a resolved compose file (empty when it would run)."""
    services = config["services"]
    missing = [f"no {name} service" for name in sorted(APP_SERVICES - set(app_services(services)))]
    return (
        missing
        + _url_problems(services)
        + _same_settings(app_services(services))
        + _health_problems(services)
        + _dependency_problems(services)
        + _volume_problems(config)
        + _gpu_problems(services)
        + _pull_problems(services)
    )
