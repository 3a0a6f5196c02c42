"""Closing results (ССТУ values) and 59-ФЗ ст. 11 reasons, with their Russian labels."""

RESULTS = {
    "supported": "Поддержано",
    "explained": "Разъяснено",
    "not_supported": "Не поддержано",
    "forwarded": "Направлено по компетенции",
    "answered": "Дан ответ автору",
    "no_answer": "Оставлено без ответа",
}

ART11_REASONS = {
    "no_name_or_address": "Не указаны фамилия или адрес для ответа (ст. 11 ч. 1)",
    "court_decision": "Обжалование судебного решения (ст. 11 ч. 2)",
    "obscene": "Нецензурные или оскорбительные выражения, угрозы (ст. 11 ч. 3)",
    "unreadable": "Текст не поддаётся прочтению (ст. 11 ч. 4)",
    "no_substance": "Из текста нельзя понять суть обращения (ст. 11 ч. 4.1)",
    "repeated": "Повторное обращение без новых доводов (ст. 11 ч. 5)",
    "published": "Ответ уже размещён на официальном сайте (ст. 11 ч. 5.1)",
    "not_appeal": "Не является обращением: благодарность, реклама или бессмысленный текст",
}

# The results a ст. 11 reason goes with. Most reasons mean no answer on the merits; a pointer to
# an answer already published (ч. 5.1) is itself the answer.
REASON_RESULTS = {"published": ("answered", "explained", "no_answer")}

# Results saying the citizen got an answer: closing with them needs a reply actually sent.
ANSWER_RESULTS = ("supported", "explained", "not_supported", "answered")

# Manual status changes offered on the ticket page (endings have their own actions).
MANUAL_STATUSES = ("triage", "assigned", "answered")
