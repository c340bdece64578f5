"""Optimistic concurrency (409 on a stale version), undo, history and restore, per user."""

import threading

import pytest
from django.db import connection

from notes import services
from notes.models import Note
from rag_app.errors import ApplicationError


def create(client, **fields):
    response = client.post("/api/notes/", {"title": "Draft", "body": "v1 body", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def patch(client, note_id, **fields):
    return client.patch(f"/api/notes/{note_id}/", fields, format="json")


@pytest.mark.django_db
def test_stale_version_is_a_409_with_a_clear_message(alice_api):
    note = create(alice_api)
    assert patch(alice_api, note["id"], version=1, body="first writer").status_code == 200
    response = patch(alice_api, note["id"], version=1, body="second writer")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "version_conflict"
    assert "version 1" in error["message"]
    assert "now at version 2" in error["message"]
    assert Note.objects.get(pk=note["id"]).body == "first writer"
    # with the current version, the write goes through (last write wins, knowingly)
    assert patch(alice_api, note["id"], version=2, body="second writer").json()["version"] == 3


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_edits_of_one_version_one_wins_one_gets_409(alice):
    note = services.note_create(owner=alice, title="Shared", body="start")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def edit(text: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.note_update(note=note, expected_version=1, body=text).version)
        except ApplicationError as exc:
            outcomes.append(exc.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(text,)) for text in ("from A", "from B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes, key=str) == sorted([2, 409], key=str)
    stored = Note.objects.get(pk=note.pk)
    assert stored.version == 2
    assert stored.body in ("from A", "from B")
    assert stored.versions.count() == 1


@pytest.mark.django_db
def test_undo_walks_back_through_edits(alice_api):
    note = create(alice_api, tags=["one"])
    patch(alice_api, note["id"], version=1, body="v2 body", tags=["two"])
    patch(alice_api, note["id"], version=2, title="Final", body="v3 body")
    first = alice_api.post(f"/api/notes/{note['id']}/undo/", {}, format="json").json()
    assert (first["title"], first["body"], first["tags"], first["version"]) == ("Draft", "v2 body", ["two"], 4)
    second = alice_api.post(f"/api/notes/{note['id']}/undo/", {}, format="json").json()
    assert (second["title"], second["body"], second["tags"], second["version"]) == ("Draft", "v1 body", ["one"], 5)
    assert second["can_undo"] is False
    response = alice_api.post(f"/api/notes/{note['id']}/undo/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_undo"


@pytest.mark.django_db
def test_undo_checks_the_version_when_given(alice_api):
    note = create(alice_api)
    patch(alice_api, note["id"], version=1, body="edited")
    response = alice_api.post(f"/api/notes/{note['id']}/undo/", {"version": 1}, format="json")
    assert response.status_code == 409
    assert Note.objects.get(pk=note["id"]).body == "edited"


@pytest.mark.django_db
def test_history_lists_earlier_versions_and_restore_makes_one_current(alice_api):
    note = create(alice_api)
    patch(alice_api, note["id"], version=1, body="v2 body")
    patch(alice_api, note["id"], version=2, body="v3 body")
    history = alice_api.get(f"/api/notes/{note['id']}/versions/").json()
    assert [(v["version"], v["body"]) for v in history["results"]] == [(2, "v2 body"), (1, "v1 body")]
    assert history["results"][1]["change"] == "Created"
    restored = alice_api.post(f"/api/notes/{note['id']}/versions/1/restore/", {}, format="json").json()
    assert (restored["body"], restored["version"], restored["change"]) == ("v1 body", 4, "Restored version 1")
    # the restore itself can be undone
    undone = alice_api.post(f"/api/notes/{note['id']}/undo/", {}, format="json").json()
    assert undone["body"] == "v3 body"


@pytest.mark.django_db
def test_restoring_a_version_that_does_not_exist_is_a_404(alice_api):
    note = create(alice_api)
    response = alice_api.post(f"/api/notes/{note['id']}/versions/7/restore/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_another_user_cannot_undo_restore_or_read_history(alice_api, bob_api):
    note = create(alice_api)
    patch(alice_api, note["id"], version=1, body="alice's edit")
    base = f"/api/notes/{note['id']}"
    assert bob_api.post(f"{base}/undo/", {}, format="json").status_code == 404
    assert bob_api.post(f"{base}/versions/1/restore/", {}, format="json").status_code == 404
    assert bob_api.get(f"{base}/versions/").status_code == 404
    stored = Note.objects.get(pk=note["id"])
    assert (stored.body, stored.version) == ("alice's edit", 2)
