"""bench_qa's CPU accounting (real processes read from /proc) and the sampling controls its direct path resends."""

import os
import subprocess
import sys
import time

import pytest

from rag_app.evals import qa_bench
from rag_app.evals.bench import cpu
from rag_app.providers.base import Repetition
from rag_app.qa.models import Answer, Conversation


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_busy_process_tree_is_counted_and_an_idle_one_is_not():
    busy = (
        "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\nprint('spun', flush=True)"
    )
    # The spinner is a grandchild in a session of its own (as honcho starts each process): the tree counts it.
    child = busy + "\ntime.sleep(30)"
    parent = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {child!r}], start_new_session=True)"
    spinner = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with cpu.CpuMeter({"busy": spinner.pid, "idle": sleeper.pid, "gone": None}) as meter:
            assert spinner.stdout is not None
            assert spinner.stdout.readline() == "spun\n"  # however loaded the machine, it has spun by now
        figures = meter.summary()
    finally:
        spinner.kill()
        sleeper.kill()
    assert figures["cpu_busy_s"] >= 0.5
    assert figures["cpu_idle_s"] <= 0.1
    assert "cpu_gone_s" not in figures  # no process given: not measured, rather than a zero
    assert figures["cpu_machine_s"] >= figures["cpu_busy_s"] - 0.05
    assert 0 < figures["cpu_machine_cores"] <= (os.cpu_count() or 1) + 0.1  # clock ticks: a little over


def test_the_benchmark_counts_its_own_cpu():
    with cpu.CpuMeter({}) as meter:
        _spin(0.3)
    assert meter.summary()["cpu_bench_s"] >= 0.25


def test_a_process_that_is_gone_counts_nothing():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cpu.tree_cpu(child.pid) == 0


@pytest.mark.django_db
def test_the_direct_path_resends_the_repetition_controls_the_answer_records(alice):
    conversation = Conversation.objects.create(owner=alice, title="t")
    sent = {"penalty": 1.1, "frequency_penalty": 0.3, "no_repeat_ngram": 0}
    answer = Answer.objects.create(
        owner=alice, conversation=conversation, question="q", checks={"generation": {"repetition": sent}}
    )
    assert qa_bench.SentPrompt(answer).repetition() == Repetition(penalty=1.1, frequency_penalty=0.3)
    answer.checks = {}  # an answer that never reached the model: the server's defaults
    assert qa_bench.SentPrompt(answer).repetition() == Repetition()
