"""A compose project without Docker: each service's process in its own network namespace on one bridge.

Every namespace gets a veth pair to the bridge, its own address, and an /etc/hosts (bind-mounted by
`ip netns exec` from /etc/netns/NAME/hosts) in which every service name and alias resolves, as on a compose
network. Needs root (CI and this machine run as root). Names carry the test process's id, so parallel
runs do not meet; `close()` removes every process, namespace, link and file it made.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.processes import ROOT, stop


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


class Network:
    """A bridge and one namespace per service, each reachable by its service name and aliases."""

    def __init__(self, names: Mapping[str, Sequence[str]]) -> None:
        """names: service -> its network aliases."""
        tag = os.getpid() % 10000
        self.prefix = f"10.{200 + tag % 50}.{tag % 250}"
        self.bridge = f"rgb{tag}"
        self.namespaces: dict[str, str] = {}
        self.addresses: dict[str, str] = {}
        self.processes: list[subprocess.Popen[bytes]] = []
        self._made: list[str] = []
        _ip("link", "add", self.bridge, "type", "bridge")
        self._made.append("bridge")
        _ip("addr", "add", f"{self.prefix}.1/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        hosts = ["127.0.0.1 localhost"]
        for i, service in enumerate(names, start=10):
            self.addresses[service] = f"{self.prefix}.{i}"
            hosts.append(f"{self.addresses[service]} {service} {' '.join(names[service])}".strip())
        for i, service in enumerate(names, start=10):
            ns = f"rg{tag}-{service}"[:15]
            _ip("netns", "add", ns)
            self.namespaces[service] = ns
            veth = f"rgv{tag}x{i}"
            _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("link", "set", veth, "master", self.bridge, "up")
            _ip("-n", ns, "addr", "add", f"{self.addresses[service]}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            folder = Path("/etc/netns") / ns
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "hosts").write_text("\n".join(hosts) + "\n")

    def command(self, service: str, argv: Sequence[str]) -> list[str]:
        """argv run inside the service's namespace."""
        return ["ip", "netns", "exec", self.namespaces[service], *argv]

    def start(self, service: str, argv: Sequence[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
        """Start a long-running process of the service (its output in log)."""
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                self.command(service, argv), env=dict(env), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
            )
        self.processes.append(proc)
        return proc

    def run(
        self, service: str, argv: Sequence[str], env: Mapping[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run a one-shot of the service to its end."""
        return subprocess.run(
            self.command(service, argv), env=dict(env), capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )

    def close(self) -> None:
        """Stop every process (newest first), then remove the namespaces, links and hosts files."""
        for proc in reversed(self.processes):
            stop(proc)
        for ns in self.namespaces.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
            shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)
        if "bridge" in self._made:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)
