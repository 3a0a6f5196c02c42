"""Personal data in a text staff are about to publish (a public answer under a post): the
extraction pipeline's full name, phone, postal address and e-mail (152-ФЗ: a comment thread is
read by everyone)."""
from helpdesk.routing.extraction import extract
from helpdesk.routing.language import RUSSIAN, detect_language
from helpdesk.routing.nlp import analyse, get_pipeline

LABELS = {"person": "ФИО", "phones": "телефон", "postal_address": "адрес", "street": "адрес",
          "emails": "электронная почта"}


def personal_data(text: str) -> list[str]:
    """What the text discloses, as «вид: значение» lines (empty when nothing is found)."""
    text = (text or "").strip()
    if not text:
        return []
    pipe = get_pipeline()
    analysis = analyse(text)
    extracted = extract(analysis, pipe, detect_language(text))
    found: list[str] = []
    names = _names(analysis) if detect_language(text) == RUSSIAN else []
    person = (extracted.get("person") or {}).get("full_name")
    for name in ([person] if person else []) + names:
        _add(found, f"{LABELS['person']}: {name}")
    for phone in extracted.get("phones") or ():
        _add(found, f"{LABELS['phones']}: {phone}")
    address = extracted.get("postal_address") or extracted.get("street")
    if address:
        _add(found, f"{LABELS['postal_address']}: {address}")
    for email in extracted.get("emails") or ():
        _add(found, f"{LABELS['emails']}: {email}")
    return found


def _names(analysis) -> list[str]:
    """Every PER span of two words or more: a name with a surname or patronymic, also after
    «Уважаемый» (which extract() skips, since there it looks for the writer's own name)."""
    return [" ".join(t.text for t in span.tokens) or span.text
            for span in analysis.spans_of("PER") if len(span.text.split()) >= 2]


def _add(found: list[str], line: str) -> None:
    if line not in found and not any(line in other for other in found):
        found.append(line)
