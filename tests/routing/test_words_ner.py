"""NER over the segmenter's tokens (nlp.WordsNER) finds what natasha's own Doc.tag_ner finds."""
import csv
from pathlib import Path

from natasha import Doc

from helpdesk.routing.nlp import TATAR_LETTERS, analyse_many

DATA = Path(__file__).resolve().parents[2] / "helpdesk" / "routing" / "data" / "kursk-appeals-train.csv"
EDGES = ["", "   ", "\n\n", "Иванов", "ПИШЕТ ИВАНОВ ИВАН ИВАНОВИЧ ИЗ КАЗАНИ, УЛ. ЛЕНИНА 5",
         "обращаюсь к депутату гайнутдинову. т.е. к нему! А.С. Пушкин г.Казань,ул.Баумана",
         "Исәнмесез! Минем исемем Гөлнара, Арча районыннан язам. Мэрия Казани молчит.",
         "Ленин. Сталин? Путин! Москва... Казань", "😀 Иван 😀 Петров 😀"]


def messages() -> list[str]:
    with open(DATA, encoding="utf-8") as fh:
        rows = [row["text"] for row in csv.DictReader(fh)]
    return rows[:400] + EDGES


def test_same_spans_as_natasha(pipeline):
    texts = messages()
    analyses = analyse_many(texts, pipeline)
    assert any(a.spans for a in analyses)  # the sample does name people and places
    for analysis in analyses:
        doc = Doc(analysis.restored)  # what NER reads: the text with its case restored
        doc.segment(pipeline.segmenter)
        if doc.tokens:
            doc.tag_ner(pipeline.ner_tagger)
        # analyse_many drops a PER made of Tatar letters (a greeting, not a person).
        expected = [(s.type, s.start, s.stop) for s in doc.spans or ()]
        expected = [s for s in expected if not _tatar_person(analysis, s)]
        assert [(s.type, s.start, s.stop) for s in analysis.spans] == expected, analysis.text


def _tatar_person(analysis, span) -> bool:
    kind, start, stop = span
    return kind == "PER" and bool(TATAR_LETTERS.search(analysis.restored[start:stop]))
