"""index_migrate and bench_migration on the real Chroma server: start, check, refuse, switch, status, roll back."""

import pytest
from django.core.management.base import CommandError

from rag_app.index import service as index
from rag_app.index.models import Generation
from tests.commands import run_command
from tests.qa.conftest import ready_document
from tests.qa.helpers import stored_answer

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

MINILM = "all-MiniLM-L6-v2"


@pytest.fixture(autouse=True)
def _long_leases(settings):
    """The heartbeat's own connection cannot see this test's uncommitted rows: no renewal on a loaded machine."""
    settings.LEASE_SECONDS = 3600


def test_the_command_builds_checks_refuses_a_worse_one_switches_and_rolls_back(own_collection, alice):
    tower = ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    heron = ready_document(alice, "heron.txt", "Project Heron starts in March and ends in November.")
    stored_answer(owner=alice, question="How tall is the tower?", citations=[{"document_id": tower.pk, "cited": True}])
    stored_answer(owner=alice, question="When does Heron start?", citations=[{"document_id": heron.pk, "cited": True}])

    out = run_command("index_migrate", "start", "--provider", "local", "--model", MINILM, "--here")
    assert "Generation 2 (local:all-MiniLM-L6-v2) is building." in out
    assert "Generation 2 is ready: 2 passages." in out

    strict = run_command("index_migrate", "check", "--questions", "recent", "--owner", "alice", "--margin", "-1")
    assert "recall@10" in strict
    assert "MRR" in strict
    assert "overlap@10" in strict
    assert "verdict: worse" in strict  # a margin below zero: even an equal score counts as worse
    with pytest.raises(CommandError, match="worse than the live one"):
        run_command("index_migrate", "switch")
    assert Generation.objects.get(index_name=own_collection, number=2).check_output.endswith("needs --force")

    fair = run_command("index_migrate", "check", "--questions", "recent", "--owner", str(alice.pk))
    assert "verdict: not worse" in fair
    assert "Generation 2 (local:all-MiniLM-L6-v2) is live." in run_command("index_migrate", "switch")
    status = run_command("index_migrate", "status").splitlines()
    assert [line.split("  ")[:2] for line in status] == [["generation 1", "kept"], ["generation 2", "live"]]
    assert "2/2 passages (100.0%)" in status[1]
    assert index.live_generation().number == 2

    assert "generation 1" in run_command("index_migrate", "rollback")
    assert index.live_generation().number == 1
    assert "dropped" in run_command("index_migrate", "drop")
    with pytest.raises(CommandError, match="No kept generation"):
        run_command("index_migrate", "rollback")


def test_a_second_build_is_refused_while_one_runs(own_collection, alice):
    run_command("index_migrate", "start", "--provider", "local", "--model", MINILM, "--no-wait")
    with pytest.raises(CommandError, match="still building"):
        run_command("index_migrate", "start", "--provider", "local", "--model", MINILM, "--no-wait")
    with pytest.raises(CommandError, match="cannot serve the embeddings role"):
        run_command("index_migrate", "start", "--provider", "none", "--model", "x", "--no-wait")


def test_bench_migration_prints_both_rates_their_ratio_and_the_load(own_collection):
    out = run_command("bench_migration", "--chunks", "40")
    assert "load average" in out
    rates = {
        line.split()[0]: float(line.split()[1]) for line in out.splitlines() if line.startswith(("raw", "migration"))
    }
    assert set(rates) == {"raw", "migration"}
    assert all(rate > 0 for rate in rates.values())
    assert Generation.objects.filter(index_name__startswith="bench-migration-").count() == 0  # cleaned up
