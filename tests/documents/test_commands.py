"""manage.py import_documents, against the real database and Chroma."""

import pytest
from django.core.management import CommandError

from documents.models import Document
from tests import files
from tests.commands import run_command
from tests.documents import samples

pytestmark = pytest.mark.django_db


def test_import_documents_walks_folders_and_skips_what_it_cannot_use(alice, tmp_path, own_collection):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.txt").write_text("Alpha text about otters.")
    (tmp_path / "sub" / "b.md").write_text("# Beta\n\nBeta text.")
    (tmp_path / "sub" / "c.pdf").write_bytes(files.pdf(["Gamma page one.", "Gamma page two."]))
    (tmp_path / "sub" / "deck.pptx").write_bytes(samples.pptx([("Delta", "Slide body")]))
    (tmp_path / "junk.bin").write_bytes(samples.junk())
    (tmp_path / ".git" / "config").write_text("hidden")
    out = run_command("import_documents", str(tmp_path), "--owner", "alice", "--now")
    assert "4 ingested, 0 already there, 1 refused, 0 failed (5 files)" in out
    assert "junk.bin" in out
    assert sorted(Document.objects.values_list("title", "status")) == [
        ("a.txt", "ready"),
        ("b.md", "ready"),
        ("c.pdf", "ready"),
        ("deck.pptx", "ready"),
    ]
    again = run_command("import_documents", str(tmp_path / "sub"), str(tmp_path / "a.txt"), "--owner", "alice")
    assert "0 queued, 4 already there, 0 refused, 0 failed (4 files)" in again


def test_import_documents_needs_a_known_owner_and_real_paths(alice, tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run_command("import_documents", str(tmp_path), "--owner", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        run_command("import_documents", str(tmp_path / "missing"), "--owner", "alice")
