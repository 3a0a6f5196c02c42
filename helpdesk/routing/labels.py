"""The shipped label set, cleaned of the source data's artefacts before training or evaluating.

The Kursk data carries two categories that explain nothing to a citizen of today: a
«Тестовая категория» (one test row of the portal) and «Меры соцподдержки (COVID)», the
pandemic-era measures whose messages are about schooling, medicine, trade or social benefits.
The test row is dropped; a COVID-era message takes the category of the sphere its fine topic
names (the data's `topic` column), social support when it names none.
"""
DROPPED = frozenset({"Тестовая категория"})
COVID = "Меры соцподдержки (COVID)"
COVID_SPHERES = (("образован", "Образование"), ("медицин", "Здравоохранение"),
                 ("бизнес", "Торговля"), ("торговл", "Торговля"))
COVID_DEFAULT = "Социальная защита"
ARTEFACTS = DROPPED | {COVID}


def clean_label(label: str, topic: str = "") -> str | None:
    """The label to train on, or None to leave the row out."""
    if label in DROPPED:
        return None
    if label == COVID:
        topic = (topic or "").lower()
        return next((name for stem, name in COVID_SPHERES if stem in topic), COVID_DEFAULT)
    return label
