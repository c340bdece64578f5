"""LLM actions through the real worker and the real SmolLM2: progress, model recorded, undo, ownership.

The 135M model's wording is weak, so these tests check structure (non-empty result, status, model,
versions), never wording.
"""

import pytest

from notes.models import NoteAction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]

BODY = (
    "Our team met on Monday to plan the garden. We will plant tomatoes, basil and peppers in the "
    "south bed in April. Maria buys the seeds; Tom builds a fence against rabbits. Watering is every "
    "evening in summer. The budget is 200 euros."
)


def create_note(client, **fields):
    response = client.post(
        "/api/notes/", {"title": "Garden meeting", "body": BODY, "tags": ["garden"], **fields}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def indexed(alice_api, wait_for_index):
    """A note whose indexing has finished, so the action is the only task the worker runs."""

    def make(**fields):
        note = create_note(alice_api, **fields)
        assert wait_for_index(alice_api, note["id"])["index_status"] == "ready"
        return note

    return make


def test_summarise_runs_on_the_real_model_and_can_be_undone(worker, alice_api, indexed, wait_for_action):
    note = indexed()
    queued = alice_api.post(f"/api/notes/{note['id']}/actions/", {"kind": "summarise"}, format="json")
    assert queued.status_code == 202, queued.content
    assert queued.json()["status"] == "queued"
    assert queued.json()["prompt_name"] == "note_summary"
    assert queued.json()["prompt_version"] == 2

    action = wait_for_action(alice_api, queued.json()["id"])
    assert action["status"] == "done", action["error"]
    assert action["provider"] == "local"
    assert action["model"] == "SmolLM2-135M-Instruct"
    assert action["result"]["summary"].strip()
    assert action["started_at"]
    assert action["finished_at"]

    summarised = alice_api.get(f"/api/notes/{note['id']}/").json()
    assert summarised["summary"] == action["result"]["summary"]
    assert summarised["version"] == action["version_after"] > action["version_before"]
    assert "SmolLM2-135M-Instruct" in summarised["change"]
    assert summarised["body"] == BODY

    listed = alice_api.get(f"/api/notes/{note['id']}/actions/").json()
    assert [a["id"] for a in listed["results"]] == [action["id"]]

    undone = alice_api.post(f"/api/notes/{note['id']}/undo/", {}, format="json").json()
    assert undone["summary"] == ""
    assert undone["body"] == BODY
    assert undone["version"] == summarised["version"] + 1


def test_suggest_sets_a_title_and_keeps_existing_tags_and_undo_restores(worker, alice_api, indexed, wait_for_action):
    note = indexed(title="untitled")
    queued = alice_api.post(f"/api/notes/{note['id']}/actions/", {"kind": "suggest"}, format="json").json()
    action = wait_for_action(alice_api, queued["id"])
    assert action["status"] == "done", action["error"]
    assert action["model"] == "SmolLM2-135M-Instruct"
    suggested = action["result"]
    assert suggested["title"] or suggested["tags"]

    changed = alice_api.get(f"/api/notes/{note['id']}/").json()
    assert "garden" in changed["tags"]
    assert set(suggested["tags"]) <= set(changed["tags"])
    if suggested["title"]:
        assert changed["title"] == suggested["title"]
    assert changed["version"] == 2

    undone = alice_api.post(f"/api/notes/{note['id']}/undo/", {}, format="json").json()
    assert (undone["title"], undone["tags"]) == ("untitled", ["garden"])


def test_unknown_action_is_refused(alice_api):
    note = create_note(alice_api)
    response = alice_api.post(f"/api/notes/{note['id']}/actions/", {"kind": "delete_everything"}, format="json")
    assert response.status_code == 400
    assert not NoteAction.objects.exists()


def test_another_user_cannot_run_or_see_actions(alice_api, bob_api):
    note = create_note(alice_api)
    assert bob_api.post(f"/api/notes/{note['id']}/actions/", {"kind": "summarise"}, format="json").status_code == 404
    assert bob_api.get(f"/api/notes/{note['id']}/actions/").status_code == 404
    assert not NoteAction.objects.exists()
    action = alice_api.post(f"/api/notes/{note['id']}/actions/", {"kind": "summarise"}, format="json").json()
    assert bob_api.get(f"/api/notes/actions/{action['id']}/").status_code == 404
    assert bob_api.get("/api/notes/actions/").json()["count"] == 0
    assert alice_api.get("/api/notes/actions/").json()["count"] == 1
