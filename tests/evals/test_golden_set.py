"""The shipped golden set is exactly what its generator makes, and every question fits its corpus."""

import json
from pathlib import Path

from rag_app.evals.golden import generate

SHIPPED = Path(generate.__file__).parent


def test_shipped_files_equal_the_generators_output(tmp_path):
    generate.write(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(
        p.relative_to(SHIPPED) for p in SHIPPED.rglob("*") if p.is_file() and p.suffix in (".md", ".txt", ".jsonl")
    )
    assert made == shipped, "run: python -m rag_app.evals.golden.generate"
    for relative in made:
        assert (tmp_path / relative).read_bytes() == (SHIPPED / relative).read_bytes(), relative


def test_each_support_phrase_is_in_its_document_and_in_no_other():
    corpus = generate.corpus()
    rows = [json.loads(line) for line in (SHIPPED / "golden.jsonl").read_text().splitlines()]
    on_topic = [r for r in rows if r["expected_source"]]
    off_topic = [r for r in rows if not r["expected_source"]]
    assert 6 <= len(corpus) <= 10
    assert 50 <= len(rows) <= 60
    assert {r["split"] for r in rows} == {"tune", "held_out"}
    assert len(off_topic) >= 5
    assert all(r["support"] is None for r in off_topic)
    for row in on_topic:
        holders = [name for name, text in corpus.items() if row["support"] in text]
        assert holders == [row["expected_source"]], row
    assert len({r["question"] for r in rows}) == len(rows)


def test_writing_again_removes_corpus_files_that_are_no_longer_generated(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "old-topic.txt").write_text("gone")
    generate.write(tmp_path)
    assert not (tmp_path / "corpus" / "old-topic.txt").exists()
