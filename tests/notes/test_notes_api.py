"""GET/POST/PATCH/DELETE /api/notes/: validation, search, tags, pagination and per-user visibility."""

import pytest
from django.test import override_settings

from notes.models import Note, NoteVersion

pytestmark = pytest.mark.django_db


def create(client, **fields):
    return client.post("/api/notes/", {"title": "A note", "body": "", **fields}, format="json")


def test_create_returns_the_note_with_rendered_body_and_tags(alice_api, alice):
    response = create(alice_api, title="  Trip plan ", body="# Day one\n\n**Rome**", tags=["Travel", "italy", "travel"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Trip plan"
    assert body["owner"] == "alice"
    assert body["tags"] == ["italy", "travel"]
    assert body["version"] == 1
    assert body["can_undo"] is False
    assert body["index_status"] == "queued"
    assert "<h1>Day one</h1>" in body["body_html"]
    assert "<strong>Rome</strong>" in body["body_html"]
    assert body["url"] == f"/notes/{body['id']}/"
    assert body["created_at"]
    assert body["updated_at"]
    note = Note.objects.get(pk=body["id"])
    assert note.owner == alice
    assert note.body == "# Day one\n\n**Rome**"


@pytest.mark.parametrize("title", ["", "   ", "\n"])
def test_empty_title_is_refused(alice_api, title):
    response = create(alice_api, title=title)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_title"
    assert not Note.objects.exists()


def test_missing_title_is_a_field_error(alice_api):
    response = alice_api.post("/api/notes/", {"body": "x"}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()["error"]["fields"]


def test_title_over_200_characters_is_refused(alice_api):
    assert create(alice_api, title="t" * 200).status_code == 201
    response = create(alice_api, title="t" * 201)
    assert response.status_code == 400
    assert "limit is 200" in response.json()["error"]["message"]


@override_settings(NOTE_MAX_CHARS=1000)
def test_body_over_the_limit_is_refused_on_create_and_edit(alice_api):
    assert create(alice_api, body="b" * 1000).status_code == 201
    response = create(alice_api, body="b" * 1001)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "body_too_long"
    assert "limit is 1000" in error["message"]
    note = create(alice_api, body="short").json()
    patched = alice_api.patch(f"/api/notes/{note['id']}/", {"version": 1, "body": "b" * 1001}, format="json")
    assert patched.status_code == 400
    assert Note.objects.get(pk=note["id"]).body == "short"


def test_default_body_limit_is_100000_characters(alice_api, settings):
    assert settings.NOTE_MAX_CHARS == 100_000
    assert create(alice_api, body="x" * 100_000).status_code == 201
    assert create(alice_api, body="x" * 100_001).status_code == 400


def test_a_request_bigger_than_django_accepts_is_a_json_413(alice_api, settings):
    response = create(alice_api, body="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Note.objects.exists()


def test_too_many_or_too_long_tags_are_refused(alice_api):
    assert create(alice_api, tags=[f"t{i}" for i in range(21)]).json()["error"]["code"] == "too_many_tags"
    assert create(alice_api, tags=["x" * 41]).json()["error"]["code"] == "bad_tag"
    assert not Note.objects.exists()


def test_patch_changes_only_the_given_fields_and_bumps_the_version(alice_api):
    note = create(alice_api, title="Old", body="old body", tags=["a"]).json()
    response = alice_api.patch(f"/api/notes/{note['id']}/", {"version": 1, "body": "new body"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["body"], body["tags"], body["version"]) == ("Old", "new body", ["a"], 2)
    assert body["can_undo"] is True
    assert body["change"] == "Edited"
    kept = NoteVersion.objects.get(note_id=note["id"])
    assert (kept.version, kept.body) == (1, "old body")


def test_patch_without_version_is_refused(alice_api):
    note = create(alice_api).json()
    response = alice_api.patch(f"/api/notes/{note['id']}/", {"title": "New"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]
    assert Note.objects.get(pk=note["id"]).title == "A note"


def test_patch_with_nothing_new_keeps_the_version(alice_api):
    note = create(alice_api, title="Same", tags=["x"]).json()
    response = alice_api.patch(
        f"/api/notes/{note['id']}/", {"version": 1, "title": "Same", "tags": ["X"]}, format="json"
    )
    assert response.json()["version"] == 1
    assert not NoteVersion.objects.exists()


def test_delete_removes_the_note(alice_api):
    note = create(alice_api).json()
    assert alice_api.delete(f"/api/notes/{note['id']}/").status_code == 204
    assert alice_api.get(f"/api/notes/{note['id']}/").status_code == 404
    assert not Note.objects.exists()


def test_search_matches_title_and_body_case_insensitively(alice_api):
    create(alice_api, title="Heron budget", body="numbers")
    create(alice_api, title="Shopping", body="Buy HERON-shaped cookies")
    create(alice_api, title="Other", body="nothing")
    found = alice_api.get("/api/notes/", {"q": "heron"}).json()
    assert found["count"] == 2
    assert {n["title"] for n in found["results"]} == {"Heron budget", "Shopping"}


def test_tag_filter_and_search_combine(alice_api):
    create(alice_api, title="Work one", tags=["work"])
    create(alice_api, title="Work two", tags=["work", "urgent"])
    create(alice_api, title="Home", tags=["home"])
    assert {n["title"] for n in alice_api.get("/api/notes/", {"tag": "work"}).json()["results"]} == {
        "Work one",
        "Work two",
    }
    assert [n["title"] for n in alice_api.get("/api/notes/", {"tag": "WORK", "q": "two"}).json()["results"]] == [
        "Work two"
    ]
    assert alice_api.get("/api/notes/", {"tag": "nope"}).json()["count"] == 0


def test_list_is_paginated_newest_change_first_with_excerpts(alice_api):
    ids = [create(alice_api, title=f"Note {i}", body="word " * 100).json()["id"] for i in range(5)]
    first = alice_api.get("/api/notes/", {"limit": 2}).json()
    assert first["count"] == 5
    assert [n["id"] for n in first["results"]] == [ids[4], ids[3]]
    assert first["next"]
    second = alice_api.get("/api/notes/", {"limit": 2, "offset": 4}).json()
    assert [n["id"] for n in second["results"]] == [ids[0]]
    listed = first["results"][0]
    assert "body" not in listed
    assert len(listed["excerpt"]) <= 200
    assert listed["excerpt"].startswith("word word")


def test_anonymous_requests_are_refused(client):
    assert client.get("/api/notes/").status_code in (401, 403)
    assert client.post("/api/notes/", {"title": "x"}).status_code in (401, 403)


def test_other_users_notes_are_invisible_and_untouchable(alice_api, bob_api):
    note = create(alice_api, title="Alice's secret", body="the code is 1234", tags=["private"]).json()
    url = f"/api/notes/{note['id']}/"
    assert bob_api.get("/api/notes/").json()["count"] == 0
    assert bob_api.get("/api/notes/", {"q": "secret"}).json()["count"] == 0
    assert bob_api.get("/api/notes/", {"tag": "private"}).json()["count"] == 0
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, {"version": 1, "title": "mine"}, format="json").status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert bob_api.get(f"{url}versions/").status_code == 404
    stored = Note.objects.get(pk=note["id"])
    assert (stored.title, stored.version) == ("Alice's secret", 1)
    assert alice_api.get("/api/notes/", {"q": "secret"}).json()["count"] == 1
