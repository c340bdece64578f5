"""Which generation is live and what its collections are called, read from the database (no Chroma needed)."""

import pytest

from rag_app.index import generations
from rag_app.index.models import Generation

pytestmark = pytest.mark.django_db


def test_an_index_never_migrated_has_one_implicit_live_generation_with_the_old_names():
    gen = generations.live("chunks")
    assert (gen.number, gen.state, gen.endpoint) == (1, "live", None)
    assert gen.collection(7).name == "chunks_u7"
    assert [g.number for g in generations.written("chunks")] == [1]


def test_writes_go_to_live_building_ready_and_kept_generations_and_the_live_one_first(settings):
    settings.PROVIDER_CONFIG_TTL = 60.0
    for number, state in ((1, "kept"), (2, "live"), (3, "dropped"), (4, "building")):
        Generation.objects.create(index_name="idx", number=number, kind="local", model=f"m{number}", state=state)
    generations.invalidate()
    written = generations.written("idx")
    assert [(g.number, g.state) for g in written] == [(2, "live"), (1, "kept"), (4, "building")]
    assert written[0].endpoint is not None
    assert written[0].endpoint.model == "m2"
    assert written[2].collection(7).name == "idx_g4_u7"

    Generation.objects.filter(index_name="idx", number=2).update(state="kept")
    Generation.objects.filter(index_name="idx", number=1).update(state="live")
    assert generations.live("idx").number == 2  # within the TTL this process still reads the old one ...
    generations.invalidate()
    assert generations.live("idx").number == 1  # ... and the new one once it reads again
