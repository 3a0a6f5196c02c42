"""Closing results (ССТУ values), 59-ФЗ ст. 11 reasons and the special kinds of message, with
their Russian labels: the vocabulary of a ticket's ending (routing detects the special kinds)."""

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

GRATITUDE, SPAM, ABUSE, MEANINGLESS = "gratitude", "spam", "abuse", "meaningless"

SPECIAL_KIND_LABELS = {
    GRATITUDE: "Благодарность (не является обращением)",
    SPAM: "Спам или реклама",
    ABUSE: "Нецензурная брань или угрозы (ст. 11 ч. 3 59-ФЗ)",
    MEANINGLESS: "Текст без смысла (не является обращением)",
}

# Manual status changes offered on the ticket page (endings have their own actions).
MANUAL_STATUSES = ("triage", "assigned", "answered")
