"""Notes pages through Django's test client: login, write with preview, edit conflicts, escaping, ownership."""

import pytest

from notes import services
from notes.models import Note, NoteAction

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"


@pytest.mark.parametrize("url", ["/notes/", "/notes/new/", "/notes/generate/"])
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_nav_links_to_notes(alice_client):
    assert '<a href="/notes/">Notes</a>' in alice_client.get("/documents/").content.decode()


def test_create_form_saves_a_note_and_shows_it_rendered(alice_client, alice):
    response = alice_client.post(
        "/notes/new/", {"title": "Plan", "body": "# Step one\n\n*carefully*", "tags": "Work, urgent"}, follow=True
    )
    assert response.status_code == 200
    note = Note.objects.get(owner=alice)
    assert (note.title, note.tag_names) == ("Plan", ["urgent", "work"])
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/notes/{note.pk}/"
    assert "<h1>Step one</h1>" in html
    assert "<em>carefully</em>" in html


def test_preview_renders_without_saving(alice_client):
    response = alice_client.post("/notes/new/", {"title": "", "body": "**strong** " + XSS, "preview": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>strong</strong>" in html
    assert "<script>alert" not in html
    assert not Note.objects.exists()


def test_empty_title_shows_the_error_and_keeps_the_text(alice_client):
    response = alice_client.post("/notes/new/", {"title": "  ", "body": "keep me"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the note a title." in html
    assert "keep me" in html
    assert not Note.objects.exists()


def test_huge_body_is_refused_in_the_browser(alice_client, settings):
    settings.NOTE_MAX_CHARS = 50
    response = alice_client.post("/notes/new/", {"title": "Big", "body": "x" * 51})
    assert response.status_code == 400
    assert "the limit is 50" in response.content.decode()


def test_script_in_title_tags_and_body_is_never_executed(alice_client, alice):
    note = services.note_create(owner=alice, title=XSS, body=f"text {XSS} <img src=x onerror=alert(1)>", tags=[XSS])
    services.note_update(note=note, expected_version=1, body="second")
    for url in (f"/notes/{note.pk}/", "/notes/", f"/notes/{note.pk}/edit/", f"/notes/{note.pk}/history/"):
        html = alice_client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img" not in html, url
    detail = alice_client.get(f"/notes/{note.pk}/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in detail


def test_edit_form_saves_with_the_version_it_was_loaded_with(alice_client, alice):
    note = services.note_create(owner=alice, title="Old", body="old")
    form = alice_client.get(f"/notes/{note.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in form
    response = alice_client.post(f"/notes/{note.pk}/edit/", {"title": "New", "body": "new", "tags": "", "version": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.title, note.body, note.version) == ("New", "new", 2)


def test_edit_conflict_keeps_the_users_text_and_shows_the_newer_version(alice_client, alice):
    note = services.note_create(owner=alice, title="Shared", body="original")
    services.note_update(note=note, expected_version=1, body="someone else's change")
    response = alice_client.post(
        f"/notes/{note.pk}/edit/", {"title": "Shared", "body": "my stale change", "tags": "", "version": "1"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "now at version 2" in html
    assert "my stale change" in html
    assert "<p>someone else's change</p>" in html  # the newer version, rendered
    assert 'name="version" value="2"' in html  # saving again is a deliberate overwrite
    note.refresh_from_db()
    assert note.body == "someone else's change"


def test_list_searches_filters_by_tag_and_paginates(alice_client, alice):
    for i in range(23):
        services.note_create(owner=alice, title=f"Note {i:02}", body="filler", tags=["bulk"])
    services.note_create(owner=alice, title="Heron", body="budget", tags=["project"])
    first = alice_client.get("/notes/").content.decode()
    assert "Page 1 of 2" in first
    assert first.count('class="note-title"') == 20
    searched = alice_client.get("/notes/", {"q": "budget"}).content.decode()
    assert searched.count('class="note-title"') == 1
    assert ">Heron</a>" in searched
    tagged = alice_client.get("/notes/", {"tag": "project"}).content.decode()
    assert tagged.count('class="note-title"') == 1
    assert alice_client.get("/notes/", {"q": "nothing-like-this"}).content.decode().count("No notes match") == 1


def test_undo_history_and_restore_buttons(alice_client, alice):
    note = services.note_create(owner=alice, title="T", body="one")
    services.note_update(note=note, expected_version=1, body="two")
    detail = alice_client.get(f"/notes/{note.pk}/").content.decode()
    assert "Undo: back to version 1" in detail
    alice_client.post(f"/notes/{note.pk}/undo/")
    note.refresh_from_db()
    assert (note.body, note.version) == ("one", 3)
    history = alice_client.get(f"/notes/{note.pk}/history/").content.decode()
    assert "Restore version 2" in history
    alice_client.post(f"/notes/{note.pk}/versions/2/restore/")
    note.refresh_from_db()
    assert (note.body, note.version) == ("two", 4)


def test_action_buttons_queue_actions_and_show_their_status(alice_client, alice):
    note = services.note_create(owner=alice, title="T", body="text")
    response = alice_client.post(f"/notes/{note.pk}/actions/", {"kind": "summarise"}, follow=True)
    action = NoteAction.objects.get(note=note)
    assert (action.kind, action.status) == ("summarise", "queued")
    html = response.content.decode()
    assert "Summarise: queued." in html
    assert f'data-action-id="{action.pk}"' in html
    assert '<meta http-equiv="refresh"' in html  # refreshes while the worker is busy
    action_page = alice_client.get(f"/notes/actions/{action.pk}/").content.decode()
    assert "Queued" in action_page
    assert "note_summary v2" in action_page


def test_delete_asks_first_then_deletes(alice_client, alice):
    note = services.note_create(owner=alice, title="Bye", body="")
    assert "Delete this note?" in alice_client.get(f"/notes/{note.pk}/delete/").content.decode()
    assert Note.objects.filter(pk=note.pk).exists()
    assert alice_client.post(f"/notes/{note.pk}/delete/").status_code == 302
    assert not Note.objects.filter(pk=note.pk).exists()


@pytest.mark.stack
def test_generate_page_lists_only_ready_documents_of_the_user(alice_client, alice, bob):
    from tests.qa.conftest import ready_document

    mine = ready_document(alice, "mine.txt", "Alice's document.")
    theirs = ready_document(bob, "theirs.txt", "Bob's document.")
    html = alice_client.get("/notes/generate/").content.decode()
    assert f'value="{mine.pk}"' in html
    assert f'value="{theirs.pk}"' not in html
    response = alice_client.post("/notes/generate/", {"document": [str(theirs.pk)]})
    assert response.status_code == 400
    assert not NoteAction.objects.exists()
    response = alice_client.post("/notes/generate/", {"document": [str(mine.pk)]})
    action = NoteAction.objects.get(owner=alice)
    assert response["Location"] == f"/notes/actions/{action.pk}/"


def test_another_users_note_pages_are_404(client, alice, bob):
    note = services.note_create(owner=alice, title="Private", body="secret")
    client.force_login(bob)
    for url in ("", "edit/", "history/", "delete/"):
        assert client.get(f"/notes/{note.pk}/{url}").status_code == 404, url
    for url in ("edit/", "undo/", "delete/", "versions/1/restore/", "actions/"):
        assert client.post(f"/notes/{note.pk}/{url}", {"kind": "summarise", "version": "1"}).status_code == 404, url
    assert "Private" not in client.get("/notes/").content.decode()
    assert Note.objects.get(pk=note.pk).body == "secret"
    assert not NoteAction.objects.exists()


def test_live_preview_renders_sanitised_markdown_and_saves_nothing(alice_client, client):
    response = alice_client.post("/notes/preview/", {"body": "**strong** " + XSS})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="markdown" id="preview-body"><p><strong>strong</strong>' in html
    assert "<script>alert" not in html
    assert not Note.objects.exists()
    assert alice_client.get("/notes/preview/").status_code == 405
    client.logout()
    assert client.post("/notes/preview/", {"body": "x"}).status_code == 302


def test_note_page_polls_only_while_busy_and_htmx_gets_the_fragment(alice_client, alice):
    note = services.note_create(owner=alice, title="Plan", body="x")
    assert 'hx-trigger="every 1s"' in alice_client.get(f"/notes/{note.pk}/").content.decode()  # being indexed
    fragment = alice_client.get(f"/notes/{note.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="note-live"')
    Note.objects.filter(pk=note.pk).update(index_status="ready")
    assert 'hx-trigger="every 1s"' not in alice_client.get(f"/notes/{note.pk}/").content.decode()
