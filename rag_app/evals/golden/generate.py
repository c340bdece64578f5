"""Make the golden Q&A set: a corpus about invented topics and the questions (with support) it answers.

The shipped files next to this module (corpus/ and golden.jsonl) are this script's output, and a
test checks they still are. Change the topics here, then run `python -m rag_app.evals.golden.generate`.
The topics are invented so that no question can be answered from general knowledge, and distinct so
that each on-topic question has exactly one right document.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Topic:
    """One corpus document and the questions it answers: (question, a phrase of the document that answers it)."""

    file: str
    title: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading or "", paragraphs)
    questions: tuple[tuple[str, str], ...]


TOPICS = (
    Topic(
        "brackwater-ferry.txt",
        "Brackwater ferry: timetable and rules for passengers",
        (
            (
                "",
                (
                    "The Brackwater ferry links the harbour town of Brackwater with Tollen Island across the "
                    "Greywater Sound. The only vessel on the route is the Gull's Promise, a steel-hulled ferry "
                    "built in 1974 that carries up to 180 passengers and 22 cars.",
                    "The crossing takes 35 minutes in calm weather. The first sailing leaves Brackwater at 06:40 "
                    "and the last sailing leaves Tollen Island at 22:10. In winter the timetable is reduced and "
                    "there are no sailings on Tuesday afternoons, when the ferry is inspected.",
                    "A single adult fare costs 4 crowns and a car with driver costs 19 crowns. Children under "
                    "twelve travel free. Bicycles are carried on every sailing except on Sundays, when the car "
                    "deck is reserved for the island market traders.",
                    "When the wind at the harbour mast exceeds 55 knots the harbour master cancels all sailings. "
                    "Tickets for a cancelled sailing are refunded at the ticket office on the quay or exchanged "
                    "for the next sailing.",
                ),
            ),
        ),
        (
            ("How long does the Brackwater ferry crossing take?", "35 minutes"),
            ("When does the last ferry leave Tollen Island?", "22:10"),
            ("At what wind speed are the Brackwater ferry sailings cancelled?", "55 knots"),
        ),
    ),
    Topic(
        "lumen-orchard.md",
        "The Lumen Orchard Cooperative",
        (
            (
                "History",
                (
                    "The Lumen Orchard Cooperative was founded in 1987 in the Harrowgate valley by the grower "
                    "Ilse Marrow, who persuaded eleven neighbouring farms to share one cold store and one press. "
                    "Today the cooperative has 42 member farms.",
                ),
            ),
            (
                "The vesper pear",
                (
                    "The cooperative is known for the vesper pear, a late variety with a faintly luminous, pale "
                    "green skin that is picked by lamplight in the first week of October. Vesper pears are "
                    "stored at 2 degrees Celsius and keep for up to five months.",
                ),
            ),
            (
                "The harvest festival",
                (
                    "Every year on the second Saturday of October the cooperative holds the Lantern Harvest "
                    "festival in Harrowgate. Members sell perry, pear cider and dried pear rings, and the "
                    "festival ends with a procession of 300 paper lanterns.",
                ),
            ),
            (
                "Membership",
                (
                    "New farms may join after a trial season. Each member farm has one vote at the spring "
                    "assembly, delivers its fruit to the shared press in Harrowgate and pays a yearly levy of "
                    "120 crowns towards the cold store, which holds 900 crates.",
                ),
            ),
        ),
        (
            ("Who founded the Lumen Orchard Cooperative?", "Ilse Marrow"),
            ("How many member farms does the Lumen Orchard Cooperative have?", "42 member farms"),
            ("At what temperature are vesper pears stored?", "2 degrees Celsius"),
        ),
    ),
    Topic(
        "quillfeather-language.md",
        "Quillfeather, a constructed language",
        (
            (
                "",
                (
                    "Quillfeather is a constructed language created in 1962 by the linguist Oren Tesk for the "
                    "radio serial The Glass Archipelago. It was designed to sound soft and airy, so no word ends "
                    "in a hard stop such as k or t.",
                ),
            ),
            (
                "Sounds and grammar",
                (
                    "Quillfeather has 14 vowels and only 9 consonants. Verbs always come at the end of a "
                    "sentence, and plurals are formed by repeating the last syllable of a noun: one sela "
                    "(stone), many selala.",
                ),
            ),
            (
                "Vocabulary",
                (
                    "The word mirath means bridge, oluve means river and tessin means to listen. The greeting "
                    "tessin-ai means 'I am listening to you' and is said on meeting someone. About 2,000 people "
                    "are thought to speak Quillfeather as a hobby.",
                ),
            ),
            (
                "Writing",
                (
                    "Quillfeather is written in its own alphabet of curved letters, read from left to right. "
                    "Oren Tesk published the first dictionary in 1965 with 3,400 words; the Quillfeather Society "
                    "has added about a thousand more since, mostly for modern things such as telephones and "
                    "computers.",
                ),
            ),
        ),
        (
            ("Who created the Quillfeather language?", "Oren Tesk"),
            ("How many vowels does Quillfeather have?", "14 vowels"),
            ("What does the Quillfeather word mirath mean?", "mirath means bridge"),
        ),
    ),
    Topic(
        "saltglass-kiln.txt",
        "Operating manual for the Saltglass community kiln",
        (
            (
                "",
                (
                    "The Saltglass studio shares one large gas kiln, known to members as Old Bessa. It was built "
                    "in 2009 by the potter Rufus Anand and holds at most 60 pieces per firing.",
                    "Glaze firings reach 1,240 degrees Celsius. After a firing the kiln must cool for 18 hours "
                    "before the door is opened; opening it earlier cracks the pots and can damage the bricks.",
                    "Members book firings on the paper sheet by the studio door. A full firing costs 30 crowns, "
                    "shared between everyone with work in the kiln. Only members who have completed the "
                    "two-evening kiln course may load or fire Old Bessa.",
                    "Salt is thrown in through the four ports in the roof of the kiln when it reaches top "
                    "temperature, which gives the pots their orange-peel glaze.",
                    "Glazes are mixed in the back room. Members must wear a dust mask when weighing dry "
                    "materials, and every bucket of glaze must be labelled with its owner's name and the date. "
                    "Unlabelled buckets are emptied on the first Monday of each month.",
                ),
            ),
        ),
        (
            ("How many pieces does the Saltglass kiln hold per firing?", "60 pieces"),
            ("How long must the Saltglass kiln cool after a firing?", "18 hours"),
            ("What temperature do glaze firings reach in the Saltglass kiln?", "1,240 degrees"),
        ),
    ),
    Topic(
        "kestrel-station.md",
        "Kestrel Station crew handbook",
        (
            (
                "",
                (
                    "Kestrel Station is a research outpost in low orbit at an altitude of 412 kilometres. Its "
                    "crew of nine serves rotations of 160 days, and the current commander is Yara Voss.",
                ),
            ),
            (
                "Water and air",
                (
                    "Almost all water on board is recycled by the condensation loop in the Juniper module, which "
                    "recovers 96 percent of the water the crew uses. Oxygen is made by splitting water in the "
                    "electrolysis unit.",
                ),
            ),
            (
                "Food",
                (
                    "The hydroponic bay grows dwarf wheat, radishes and lettuce under red and blue lights. Fresh "
                    "food makes up about a tenth of the crew's meals; the rest arrives on the quarterly supply "
                    "capsule.",
                ),
            ),
            (
                "Emergencies",
                (
                    "In a fire or a loss of pressure the crew gather in the Juniper module, which can be sealed "
                    "and holds air for 72 hours.",
                ),
            ),
            (
                "Daily routine",
                (
                    "The crew day starts at 06:00 station time with a call to ground control. Each crew member "
                    "exercises for two hours a day on the treadmill or the rowing machine to slow the loss of "
                    "bone and muscle.",
                ),
            ),
        ),
        (
            ("Who is the commander of Kestrel Station?", "Yara Voss"),
            ("At what altitude does Kestrel Station orbit?", "412 kilometres"),
            ("How much of its water does Kestrel Station recycle?", "96 percent"),
        ),
    ),
    Topic(
        "tindall-chess-club.txt",
        "Tindall Chess Club: a guide for new members",
        (
            (
                "",
                (
                    "The Tindall Chess Club meets every Thursday at 19:30 in the reading room of the old Tindall "
                    "library. Visitors may play two evenings for free before joining.",
                    "The annual membership fee is 25 crowns, or 10 crowns for students. Members receive the club "
                    "newsletter, The Knight's Tour, four times a year.",
                    "The club championship is played over nine rounds each spring. The 2023 champion was Piet "
                    "Olander, who won with an opening the members call the Tindall Gambit: a pawn is given up on "
                    "the fourth move to open the bishop's diagonal.",
                    "Rapid tournaments with fifteen minutes per player are held on the last Thursday of every month.",
                    "The club owns twelve boards and clocks, kept in the cupboard under the library stairs. "
                    "Members may borrow a set for a week by writing their name in the loan book. Junior members "
                    "under sixteen meet on Saturday mornings with a coach.",
                ),
            ),
        ),
        (
            ("When does the Tindall Chess Club meet?", "every Thursday at 19:30"),
            ("How much is the annual membership fee of the Tindall Chess Club?", "25 crowns"),
            ("Who won the Tindall Chess Club championship in 2023?", "Piet Olander"),
        ),
    ),
    Topic(
        "hollow-mountain-tunnel.md",
        "The Hollow Mountain rail tunnel",
        (
            (
                "",
                (
                    "The Hollow Mountain tunnel carries the Orvik valley railway under the Korrin ridge. It is "
                    "11.6 kilometres long and opened in 1931 after nine years of construction.",
                ),
            ),
            (
                "Construction",
                (
                    "The chief engineer was Agnes Pell, who insisted on drilling from both ends at once; the two "
                    "headings met in March 1929 only 14 centimetres apart. Forty-one workers died during the "
                    "construction, and a memorial stands at the northern portal.",
                ),
            ),
            (
                "Operation today",
                (
                    "Trains may pass through the tunnel at no more than 80 kilometres per hour. Three "
                    "ventilation shafts reach the surface, the deepest of them 380 metres. Freight trains use "
                    "the tunnel at night.",
                ),
            ),
            (
                "Before the tunnel",
                (
                    "Trains used to cross the Korrin ridge over the Stennet pass, a climb that needed two "
                    "locomotives and closed for snow four months a year. The tunnel cut the journey from Orvik "
                    "to the coast from five hours to just under three.",
                ),
            ),
        ),
        (
            ("How long is the Hollow Mountain tunnel?", "11.6 kilometres"),
            ("Who was the chief engineer of the Hollow Mountain tunnel?", "Agnes Pell"),
            ("What is the speed limit for trains in the Hollow Mountain tunnel?", "80 kilometres per hour"),
        ),
    ),
    Topic(
        "copper-moss-beetle.txt",
        "Field notes: the copper moss beetle",
        (
            (
                "",
                (
                    "The copper moss beetle is a small beetle, about 6 millimetres long, with a metallic copper "
                    "shell. It lives only above 1,800 metres in the Vellan Alps, where it shelters in cushions "
                    "of moss on north-facing rocks.",
                    "The beetle feeds on lichen and on the spores of moss. An adult lives for about 14 months, "
                    "and a female lays around 30 eggs in early summer.",
                    "In the survey of 2021 the field team counted 2,300 beetles on the Sarn plateau, a third "
                    "fewer than in the survey of 2015. The decline is thought to follow the warmer, drier "
                    "summers that shrink the moss cushions.",
                    "The team marks each beetle with a tiny numbered tag and catches the plateau again a week "
                    "later to estimate the population. Visitors are asked to keep to the marked paths, because "
                    "trampled moss takes decades to grow back.",
                ),
            ),
        ),
        (
            ("What does the copper moss beetle eat?", "feeds on lichen"),
            ("How long does a copper moss beetle live?", "14 months"),
            ("How many copper moss beetles were counted on the Sarn plateau in 2021?", "2,300 beetles"),
        ),
    ),
)

# Questions no document answers: the right reply is that the material does not say.
OFF_TOPIC = (
    "How do I bake sourdough bread at home?",
    "What is the capital city of Australia?",
    "Who painted the Mona Lisa?",
    "How many moons does Jupiter have?",
    "What is the best way to learn to play the guitar?",
    "How do I change a flat tyre on a car?",
)

# Issue 13: questions whose answer is a number, a date, an amount or a name (file, support), and
# near-miss off-topic questions that share a word with the corpus but have no answer in it. The
# "held_out" ones were written with the others but never looked at while tuning the verifier's knobs.
FACT_QUESTIONS = (
    ("When was the Gull's Promise built?", "brackwater-ferry.txt", "1974", "tune"),
    ("How much does a single adult fare on the Brackwater ferry cost?", "brackwater-ferry.txt", "4 crowns", "tune"),
    ("In what year was the Lumen Orchard Cooperative founded?", "lumen-orchard.md", "1987", "tune"),
    ("How many consonants does Quillfeather have?", "quillfeather-language.md", "9 consonants", "tune"),
    ("Who built the Saltglass kiln?", "saltglass-kiln.txt", "Rufus Anand", "tune"),
    ("How long are the crew rotations on Kestrel Station?", "kestrel-station.md", "160 days", "tune"),
    ("When did the Hollow Mountain tunnel open?", "hollow-mountain-tunnel.md", "1931", "tune"),
    ("How many eggs does a female copper moss beetle lay?", "copper-moss-beetle.txt", "30 eggs", "tune"),
    ("When does the first sailing leave Brackwater?", "brackwater-ferry.txt", "06:40", "held_out"),
    ("How much is the yearly levy for a Lumen Orchard member farm?", "lumen-orchard.md", "120 crowns", "held_out"),
    ("In which year was Quillfeather created?", "quillfeather-language.md", "1962", "held_out"),
    ("How much does a full firing of the Saltglass kiln cost?", "saltglass-kiln.txt", "30 crowns", "held_out"),
    ("How long can the Juniper module on Kestrel Station hold air?", "kestrel-station.md", "72 hours", "held_out"),
    ("How much do students pay for Tindall Chess Club membership?", "tindall-chess-club.txt", "10 crowns", "held_out"),
    (
        "How deep is the deepest ventilation shaft of the Hollow Mountain tunnel?",
        "hollow-mountain-tunnel.md",
        "380 metres",
        "held_out",
    ),
    ("How long is a copper moss beetle?", "copper-moss-beetle.txt", "6 millimetres", "held_out"),
)
NEAR_MISS = (
    ("How many strings does a cello have?", "tune"),
    ("How long does the ferry from Dover to Calais take?", "tune"),
    ("Who founded the Apple computer company?", "tune"),
    ("How long is the Channel Tunnel?", "tune"),
    ("Who is the commander of the International Space Station?", "tune"),
    ("When does the Brackwater public library open?", "held_out"),
    ("How many vowels does the Finnish language have?", "held_out"),
    ("What temperature should a pizza oven reach?", "held_out"),
    ("Who won the 2023 world chess championship?", "held_out"),
    ("How long do apple trees live?", "held_out"),
    ("How tall is Mount Everest?", "held_out"),
)


def render(topic: Topic) -> str:
    """The document's text: Markdown with headings for .md files, plain paragraphs otherwise."""
    markdown = topic.file.endswith(".md")
    blocks = [f"# {topic.title}" if markdown else topic.title]
    for heading, paragraphs in topic.sections:
        if heading and markdown:
            blocks.append(f"## {heading}")
        blocks.extend(paragraphs)
    return "\n\n".join(blocks) + "\n"


def corpus() -> dict[str, str]:
    """File name -> text of every corpus document."""
    return {topic.file: render(topic) for topic in TOPICS}


def golden() -> list[dict[str, str | None]]:
    """The questions: on-topic ones with their document and support, then the off-topic ones."""
    rows: list[dict[str, str | None]] = [
        {"question": q, "expected_source": topic.file, "support": support, "split": "tune"}
        for topic in TOPICS
        for q, support in topic.questions
    ]
    rows += [{"question": q, "expected_source": None, "support": None, "split": "tune"} for q in OFF_TOPIC]
    rows += [{"question": q, "expected_source": f, "support": s, "split": split} for q, f, s, split in FACT_QUESTIONS]
    rows += [{"question": q, "expected_source": None, "support": None, "split": split} for q, split in NEAR_MISS]
    return rows


def write(directory: Path) -> list[Path]:
    """Write corpus/<file> and golden.jsonl under directory (stale corpus files removed); the paths written."""
    folder = directory / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    texts = corpus()
    for stale in folder.iterdir():
        if stale.name not in texts:
            stale.unlink()
    written = []
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in golden())
    (directory / "golden.jsonl").write_text(lines, encoding="utf-8")
    written.append(directory / "golden.jsonl")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for path in write(target):
        print(path)
