"""The generations admin: progress and time left, the last side-by-side check, the switch guard (no Chroma needed)."""

import pytest

from rag_app.index import generations
from rag_app.index.models import Generation

pytestmark = pytest.mark.django_db

CHECK = "recent questions: old = generation 1 (live), new = generation 2\nrecall@10  1.000  0.500  -0.500"


@pytest.fixture
def rows(settings):
    name = settings.CHROMA_COLLECTION
    live = Generation.objects.create(index_name=name, number=1, kind="local", model="all-MiniLM-L6-v2", state="live")
    building = Generation.objects.create(
        index_name=name, number=2, kind="local", model="SmolLM2-135M-mean", total=400, done=100, build_seconds=10.0
    )
    return live, building


def test_the_list_shows_each_generation_with_its_progress_and_time_left(staff_client, rows):
    page = staff_client.get("/admin/index/generation/").content.decode()
    assert "local:SmolLM2-135M-mean" in page
    assert "100/400 passages (25.0%), 10.0/s, about 30 s left" in page
    assert "30 s" in page


def test_the_change_page_shows_the_last_check_and_the_switch_is_refused_when_it_found_worse(staff_client, rows):
    _, new = rows
    Generation.objects.filter(pk=new.pk).update(state="ready", check_output=CHECK, check_worse=True)
    page = staff_client.get(f"/admin/index/generation/{new.pk}/change/").content.decode()
    assert "<pre>recent questions: old = generation 1 (live)" in page

    response = staff_client.post(
        "/admin/index/generation/", {"action": "switch", "_selected_action": [new.pk]}, follow=True
    )
    assert "worse than the live one" in response.content.decode()
    assert Generation.objects.get(pk=new.pk).state == "ready"
    assert generations.live(new.index_name).number == 1


def test_the_add_form_asks_only_for_the_endpoint_and_queues_a_build(staff_client, settings):
    page = staff_client.get("/admin/index/generation/add/").content.decode()
    assert 'name="kind"' in page
    assert 'name="model"' in page
    assert 'name="state"' not in page
    response = staff_client.post("/admin/index/generation/add/", {"kind": "local", "model": "SmolLM2-135M-mean"})
    assert response.status_code == 302
    rows = Generation.objects.filter(index_name=settings.CHROMA_COLLECTION).order_by("number")
    assert [(r.number, r.state, r.model) for r in rows] == [
        (1, "live", "all-MiniLM-L6-v2"),  # the generation from before, with the endpoint it was built by
        (2, "building", "SmolLM2-135M-mean"),
    ]
    again = staff_client.post("/admin/index/generation/add/", {"kind": "local", "model": "other"})
    assert "still building" in again.content.decode()
