"""manage.py reconcile_index, import_documents and bench_ingest, against the real database and Chroma."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from documents import services
from documents.models import Document
from rag_app import vectorstore
from tests import files
from tests.documents import samples

pytestmark = pytest.mark.django_db


def ready(owner, name, text):
    document = Document(owner=owner, title=name, original_name=name, kind="text", size=len(text), sha256=name)
    document.file.save(name, ContentFile(text.encode()), save=False)
    document.save()
    return services.document_ingest(document_id=document.pk)


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_reconcile_reports_then_repairs_every_kind_of_disagreement(alice, bob, own_collection):
    one = ready(alice, "one.txt", "Otters swim.\n\n" + "Kingfishers dive. " * 200)
    two = ready(alice, "two.txt", "Herons wait.")
    assert one.chunk_count > 1
    vectorstore.delete_ids([f"{one.pk}:0"])  # a missing vector

    def vector(item_id, owner_id, document_id):
        return vectorstore.VectorItem(
            id=item_id, embedding=[0.1] * 384, text="x", metadata={"owner_id": owner_id, "document_id": document_id}
        )

    vectorstore.upsert(
        [
            vector("999999:0", 1, 999999),  # an orphan
            vector(f"{two.pk}:7", alice.pk, two.pk),  # stale: no such chunk
            vector(f"{two.pk}:0", bob.pk, two.pk),  # under the wrong owner
        ]
    )
    stuck = ready(alice, "three.txt", "Swans glide.")
    Document.objects.filter(pk=stuck.pk).update(status="processing", updated_at=timezone.now() - timedelta(days=1))

    with pytest.raises(CommandError, match="5 disagreements"):
        run("reconcile_index")
    report = run("reconcile_index", "--fix")
    assert "1 vectors belong to no usable document: 999999:0" in report
    assert f"1 vectors have no chunk in the database: {two.pk}:7" in report
    assert f"1 ready documents miss 1 vectors: {one.pk}" in report
    assert f"1 documents have vectors under the wrong owner: {two.pk}" in report
    assert f"1 documents are stuck queued or processing: {stuck.pk}" in report
    assert Document.objects.get(pk=stuck.pk).status == "queued"

    assert "The database and the index agree." in run("reconcile_index")
    assert vectorstore.query([0.1] * 384, k=1, where={"document_id": two.pk})[0].metadata["owner_id"] == alice.pk


def test_import_documents_walks_folders_and_skips_what_it_cannot_use(alice, tmp_path, own_collection):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.txt").write_text("Alpha text about otters.")
    (tmp_path / "sub" / "b.md").write_text("# Beta\n\nBeta text.")
    (tmp_path / "sub" / "c.pdf").write_bytes(files.pdf(["Gamma page one.", "Gamma page two."]))
    (tmp_path / "sub" / "deck.pptx").write_bytes(samples.pptx([("Delta", "Slide body")]))
    (tmp_path / "junk.bin").write_bytes(samples.junk())
    (tmp_path / ".git" / "config").write_text("hidden")
    out = run("import_documents", str(tmp_path), "--owner", "alice", "--now")
    assert "4 ingested, 0 already there, 1 refused, 0 failed (5 files)" in out
    assert "junk.bin" in out
    assert sorted(Document.objects.values_list("title", "status")) == [
        ("a.txt", "ready"),
        ("b.md", "ready"),
        ("c.pdf", "ready"),
        ("deck.pptx", "ready"),
    ]
    again = run("import_documents", str(tmp_path / "sub"), str(tmp_path / "a.txt"), "--owner", "alice")
    assert "0 queued, 4 already there, 0 refused, 0 failed (4 files)" in again


def test_import_documents_needs_a_known_owner_and_real_paths(alice, tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("import_documents", str(tmp_path), "--owner", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        run("import_documents", str(tmp_path / "missing"), "--owner", "alice")


def test_bench_ingest_prints_the_three_rates(own_collection):
    out = run("bench_ingest", "--chunks", "8", "--per-chunk-sample", "4")
    for line in ("one request per chunk", "raw batched embedding", "whole pipeline", "batched / per-chunk"):
        assert line in out
    assert not Document.objects.exists()
