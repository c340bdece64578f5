"""Index generations on the real Chroma server, in this process: build, dual writes, switch, roll back, drop."""

import threading

import pytest

from documents import services as document_services
from notes import services as note_services
from notes.indexing import note_index, note_unindex
from rag_app.index import build, fill, generations, lifecycle, reconcile
from rag_app.index import service as index
from rag_app.index.items import IndexPassage
from rag_app.index.models import Generation
from rag_app.index.tasks import generation_build_task
from rag_app.providers import config
from rag_app.providers.models import ProviderCall, ProviderSetting
from rag_app.qa.models import Answer
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

MINILM = "all-MiniLM-L6-v2"


@pytest.fixture(autouse=True)
def _long_leases(settings):
    """The heartbeat's own connection cannot see this test's uncommitted rows: no renewal on a loaded machine."""
    settings.LEASE_SECONDS = 3600


def ids(gen, owner_id):
    return gen.collection(owner_id).stored_ids()


def test_a_new_generation_is_built_kept_in_sync_switched_to_rolled_back_and_dropped(own_collection, alice):
    first = ready_document(alice, "lighthouse.txt", "The lighthouse on Skerry Point is painted red and white.")
    note = note_services.note_create(owner=alice, title="Gulls", body="The gulls nest on the north cliff.")
    note_index(note_id=note.pk)
    live = index.live_generation()
    assert (live.number, live.prefix) == (1, own_collection)  # generation 1 keeps the names from before

    row = lifecycle.generation_start(kind="local", model=MINILM, queue=False)
    assert (row.number, row.state) == (2, "building")
    new = generations.of_row(row)
    second = ready_document(alice, "harbour.txt", "The harbour master keeps the tide tables in the blue hut.")
    assert ids(new, alice.pk) == {f"{second.pk}:0"}  # a write during the build reaches the new generation too

    row = build.build(row.pk)

    assert (row.state, row.total, row.done) == ("ready", 3, 3)
    assert ids(new, alice.pk) == {f"{first.pk}:0", f"{second.pk}:0", f"note-{note.pk}:0"}
    assert new.collection(alice.pk).name == f"{own_collection}_g2_u{alice.pk}"
    assert reconcile.reconcile(fix=False, generation=new).problems == 0
    assert index.live_generation().number == 1  # questions still use generation 1
    assert answer_now(alice, "What colour is the lighthouse?")["citations"]

    with pytest.raises(lifecycle.GenerationError, match="not been checked"):
        lifecycle.generation_switch()
    lifecycle.generation_switch(force=True)

    assert index.live_generation().number == 2
    setting = ProviderSetting.objects.get(role="embeddings", slot="primary")
    assert (setting.kind, setting.model, setting.enabled) == ("local", MINILM, True)
    assert config.role_config("embeddings").primary.model == MINILM
    body = answer_now(alice, "What colour is the lighthouse?")
    assert Answer.objects.get(pk=body["id"]).index_generation == 2
    assert first.pk in {c["document_id"] for c in body["citations"]}

    # the kept generation 1 stays in sync: a deletion and a note edit reach both
    document_services.document_delete(document=second)
    note = note_services.note_update(
        note=note, expected_version=note.version, body="The gulls moved to the south cliff."
    )
    note_index(note_id=note.pk)
    old = generations.of_row(Generation.objects.get(index_name=own_collection, number=1))
    assert old.state == "kept"
    for gen in (old, new):
        assert ids(gen, alice.pk) == {f"{first.pk}:0", f"note-{note.pk}:0"}
        assert (
            "south cliff"
            in gen.collection(alice.pk).query(index.embedder(alice.pk, gen).embed_one("gulls"), k=1)[0].text
        )
    note_services.note_delete(note=note)
    note_unindex(note_id=note.pk, owner_id=alice.pk)
    assert ids(old, alice.pk) == ids(new, alice.pk) == {f"{first.pk}:0"}

    lifecycle.generation_rollback()
    assert index.live_generation().number == 1
    assert Answer.objects.get(pk=answer_now(alice, "What colour is the lighthouse?")["id"]).index_generation == 1

    lifecycle.generation_drop(number=2)
    assert Generation.objects.get(index_name=own_collection, number=2).state == "dropped"
    assert new.owner_collections() == {}
    assert [g.number for g in generations.written(own_collection)] == [1]
    with pytest.raises(lifecycle.GenerationError, match="is live"):
        lifecycle.generation_drop(number=1)


def test_a_stopped_build_resumes_without_embedding_a_passage_twice(own_collection, alice, settings):
    settings.EMBED_BATCH_SIZE = 2
    settings.CHUNK_TOKENS, settings.CHUNK_OVERLAP_TOKENS = 20, 0  # several passages from a short text
    monkey = pytest.MonkeyPatch()
    monkey.setattr(build, "PARENT_BATCH_PASSAGES", 2)
    text = "\n\n".join(f"Section {n}. The ferry number {n} leaves pier {n} at dawn." for n in range(8))
    document = ready_document(alice, "ferries.txt", text)
    total = document.chunk_count
    assert total >= 3
    row = lifecycle.generation_start(kind="local", model=MINILM, queue=False)
    lost = threading.Event()
    calls_before = ProviderCall.objects.filter(role="embeddings").count()

    with pytest.raises(build.BuildStopped):
        build.build(row.pk, lost=lost, on_progress=lambda done, _: lost.set())  # stops after its first batch
    row.refresh_from_db()
    first_run = row.done
    assert 0 < first_run < total
    assert len(ids(generations.of_row(row), alice.pk)) == first_run

    row = build.build(row.pk)
    monkey.undo()

    assert (row.state, row.done) == ("ready", total)
    assert ids(generations.of_row(row), alice.pk) == {f"{document.pk}:{i}" for i in range(total)}
    embedded = ProviderCall.objects.filter(role="embeddings").order_by("pk")[calls_before:]
    inputs = sum(c.inputs for c in embedded)
    # every passage once (each run skips what is stored), plus the probes and the one batch that was being
    # embedded while the first run stopped
    assert total <= inputs <= total + 2 + settings.EMBED_BATCH_SIZE
    assert reconcile.reconcile(fix=False, generation=generations.of_row(row)).problems == 0


def test_rebuild_never_leaves_the_index_empty(own_collection, alice):
    document = ready_document(alice, "a.txt", "The lighthouse is painted red and white.")
    seen: list[set[str]] = []
    real = fill.write

    def watching(gen, todo, **kw):  # while the new generation fills, the live one still holds everything
        seen.append(index.live(alice.pk).stored_ids())
        return real(gen, todo, **kw)

    monkey = pytest.MonkeyPatch()
    monkey.setattr(fill, "write", watching)
    from rag_app.index.rebuild import rebuild

    row, counts = rebuild()
    monkey.undo()
    assert seen == [{f"{document.pk}:0"}]
    assert (row.number, row.state, counts["document"]) == (2, "live", (1, 1))
    assert index.live(alice.pk).stored_ids() == {f"{document.pk}:0"}
    assert Generation.objects.get(index_name=own_collection, number=1).state == "dropped"
    assert generations.implicit(own_collection).owner_collections() == {}


def test_vectors_made_before_a_switch_go_only_into_the_generation_whose_embedder_made_them(own_collection, alice):
    ready_document(alice, "lighthouse.txt", "The lighthouse on Skerry Point is painted red and white.")
    row = lifecycle.generation_start(kind="local", model=MINILM, queue=False)
    build.build(row.pk)
    lifecycle.generation_switch(force=True)  # lands while a note's vectors were being made by generation 1
    old = generations.of_row(Generation.objects.get(index_name=own_collection, number=1))
    assert index.live_generation().number == 2
    marker = [1.0] + [0.0] * 383  # no embedder makes this: it shows where the given vectors went

    index.replace(
        source="note",
        parent_id=99,
        owner_id=alice.pk,
        passages=[IndexPassage(0, "The gulls nest on the north cliff.")],
        vectors=[marker],
        vectors_of=old,
    )

    def stored(gen):
        return {item.id: item.embedding for page in gen.collection(alice.pk).iter_items() for item in page}

    assert stored(old)["note-99:0"] == pytest.approx(marker)
    assert stored(index.live_generation())["note-99:0"] != pytest.approx(marker)  # embedded by its own embedder


def test_a_build_that_meets_a_permanent_error_fails_with_its_reason_and_takes_no_more_writes(own_collection, alice):
    ready_document(alice, "lighthouse.txt", "The lighthouse on Skerry Point is painted red and white.")
    row = lifecycle.generation_start(kind="local", model="no-such-model", queue=False)

    generation_build_task(row.pk)  # as a worker runs it

    row.refresh_from_db()
    assert (row.state, row.resend_at) == ("failed", None)  # not sent again: it could never succeed
    assert "no embeddings model 'no-such-model'" in row.error
    assert [g.number for g in generations.written(index.name())] == [1]  # uploads no longer write to it
    harbour = ready_document(alice, "harbour.txt", "The harbour master keeps the tide tables in the blue hut.")
    assert f"{harbour.pk}:0" in ids(index.live_generation(), alice.pk)
    assert lifecycle.generation_start(kind="local", model=MINILM, queue=False).number == 3  # it blocks no new build
    assert lifecycle.generation_drop(number=row.number).state == "dropped"
