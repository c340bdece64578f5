"""CPU seconds spent by process trees (the app's stack, the chat server, the benchmark) during a run (Linux)."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

_PROC = Path("/proc")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces), or None if it is gone."""
    try:
        text = (_PROC / pid / "stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def _processes() -> dict[int, list[str]]:
    """Every live process's stat fields, by pid."""
    found = {}
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if entry.name.isdigit() and (fields := _stat_fields(entry.name)):
            found[int(entry.name)] = fields
    return found


def tree_cpu(root: int) -> float:
    """User + system CPU seconds of a live process and all its descendants (each with all its threads).

    A tree, not a session: honcho starts each process of a Procfile in a session of its own.
    """
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, fields in processes.items():
        children.setdefault(int(fields[1]), []).append(pid)  # ppid
    total, todo = 0, [root] if root in processes else []
    while todo:
        pid = todo.pop()
        total += int(processes[pid][11]) + int(processes[pid][12])  # utime, stime
        todo += children.get(pid, [])
    return total / _TICK


def machine_busy() -> float:
    """CPU seconds all cores spent not idle since boot (/proc/stat), 0 where there is no /proc."""
    try:
        first = (_PROC / "stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(n) for n in first]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / _TICK  # all but idle and iowait


def self_cpu() -> float:
    """CPU seconds of the running process (the benchmark client)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds per named process tree (and this process, and the machine) between entering and leaving a block."""

    def __init__(self, roots: Mapping[str, int | None]) -> None:
        self.roots = {name: pid for name, pid in roots.items() if pid is not None}
        self.spent: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        read = {name: tree_cpu(pid) for name, pid in self.roots.items()}
        return read | {"bench": self_cpu(), "machine": machine_busy(), "wall": time.monotonic()}

    def __enter__(self) -> CpuMeter:
        self._start = self._read()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        end = self._read()
        self.spent = {name: round(end[name] - self._start[name], 2) for name in end}

    def summary(self) -> dict[str, float]:
        """cpu_<name>_s for each group, and the machine's busy cores on average (cpu_machine_cores)."""
        wall = self.spent.get("wall") or 0.0
        figures = {f"cpu_{name}_s": value for name, value in self.spent.items() if name != "wall"}
        if wall > 0:
            figures["cpu_machine_cores"] = round(self.spent.get("machine", 0.0) / wall, 2)
        return figures
