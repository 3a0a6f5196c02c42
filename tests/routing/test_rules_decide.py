"""Keyword rules on lemmas and the pure routing decision."""
from helpdesk.routing.decide import (REASON_CONFIDENT, REASON_LANGUAGE, REASON_LOW_CONFIDENCE,
                                     REASON_NO_MAPPING, REASON_SPECIAL, RoutingConfig, decide,
                                     department_evidence)
from helpdesk.routing.defaults import lemmatise_keywords
from helpdesk.routing.rules import department_scores, make_rule, match_rules

HOUSING, SOCIAL, TATAR = 7, 5, 9
RULES = [make_rule(1, HOUSING, "ЖКХ", ["горячий вода", "управляющий компания"], 0.4),
         make_rule(2, SOCIAL, "Соцзащита", ["пенсия", "пособие"], 0.4)]
CONFIG = RoutingConfig(threshold=0.6, topic_departments={"ЖКХ": HOUSING, "Дороги": HOUSING,
                                                         "Здоровье": SOCIAL},
                       topic_codes={"ЖКХ": "0005.0005.0056.1156"}, tatar_department_id=TATAR,
                       model_version="v1")


def test_rules_match_inflected_words(analysed):
    keywords = lemmatise_keywords(["Горячая вода", "управляющая компания"])
    rules = [make_rule(1, HOUSING, "ЖКХ", keywords, 0.4)] + RULES[1:]
    lemmas = analysed("Горячей воды нет, управляющей компанией не решается").lemmas
    matches = match_rules(lemmas, rules)
    assert [m.rule_id for m in matches] == [1]
    assert matches[0].keywords == keywords and len(keywords) == 2
    assert matches[0].score == 0.8


def test_phrase_needs_adjacent_lemmas(analysed):
    lemmas = analysed("Вода в доме горячая, а компания управляющая").lemmas
    assert match_rules(lemmas, RULES) == []


def test_rule_scores_combine_per_department(analysed):
    matches = match_rules(analysed("пенсию и пособие не платят").lemmas, RULES)
    assert department_scores(matches) == {SOCIAL: 0.8}


def test_confident_topic_goes_to_its_department():
    d = decide("ru", None, [("ЖКХ", 0.7), ("Дороги", 0.2), ("Здоровье", 0.1)], [], CONFIG)
    assert (d.department_id, d.to_triage, d.reason) == (HOUSING, False, REASON_CONFIDENT)
    assert abs(d.confidence - 0.9) < 1e-9  # both housing topics count
    assert d.topic == "ЖКХ" and d.topic_code == "0005.0005.0056.1156"
    assert d.explanation["candidates"][0] == {"label": "ЖКХ", "score": 0.7,
                                               "department_id": HOUSING}
    assert d.explanation["model_version"] == "v1"


def test_low_confidence_goes_to_triage():
    d = decide("ru", None, [("Здоровье", 0.45), ("ЖКХ", 0.35), ("Дороги", 0.2)], [], CONFIG)
    assert d.to_triage and d.department_id is None and d.reason == REASON_LOW_CONFIDENCE


def test_rules_can_lift_or_lower_confidence(analysed):
    cands = [("Здоровье", 0.55), ("ЖКХ", 0.45)]
    agree = match_rules(analysed("пенсию не платят").lemmas, RULES)
    lifted = decide("ru", None, cands, agree, CONFIG)
    assert lifted.department_id == SOCIAL and not lifted.to_triage and lifted.confidence > 0.55
    conflict = match_rules(analysed("нет горячей воды").lemmas, RULES)
    lowered = decide("ru", None, [("Здоровье", 0.7), ("ЖКХ", 0.3)], conflict, CONFIG)
    assert lowered.to_triage and lowered.confidence < 0.6
    assert lowered.matched_rules[0]["rule_id"] == 1


def test_tatar_goes_to_configured_queue_and_special_to_triage():
    cands = [("ЖКХ", 0.99)]
    assert decide("tt", None, cands, [], CONFIG).department_id == TATAR
    assert decide("mixed", None, cands, [], CONFIG).reason == REASON_LANGUAGE
    unconfigured = RoutingConfig(topic_departments=CONFIG.topic_departments)
    assert decide("tt", None, cands, [], unconfigured).to_triage
    special = decide("ru", "gratitude", cands, [], CONFIG)
    assert special.to_triage and special.reason == REASON_SPECIAL


def test_unmapped_topic_is_never_guessed():
    d = decide("ru", None, [("Тестовая категория", 0.97), ("ЖКХ", 0.03)], [], CONFIG)
    assert d.to_triage and d.reason == REASON_NO_MAPPING


LAW = 11  # a department no topic maps to: the model can never propose it
LAW_RULE = make_rule(3, LAW, "Правопорядок", ["кража", "мошенник"], 0.3)


def test_rule_for_an_unmapped_department_yields_to_a_confident_model(analysed):
    matches = match_rules(analysed("Сообщаю о краже крышки люка, мошенники из управляющей "
                                   "компании").lemmas, [LAW_RULE])
    assert matches and matches[0].score == 0.6  # two keywords: once enough to take the message
    d = decide("ru", None, [("ЖКХ", 0.8), ("Здоровье", 0.2)], matches, CONFIG)
    assert (d.department_id, d.reason) == (HOUSING, REASON_CONFIDENT)
    assert abs(d.confidence - 0.8) < 1e-9  # the model's own confidence, not lowered
    assert d.matched_rules == [matches[0].as_dict() | {"yielded": True}]  # still shown


def test_rule_for_an_unmapped_department_counts_when_the_model_is_unsure(analysed):
    matches = match_rules(analysed("Мошенники украли деньги, кража с карты").lemmas, [LAW_RULE])
    d = decide("ru", None, [("ЖКХ", 0.5), ("Здоровье", 0.5)], matches, CONFIG)
    assert d.to_triage and d.reason == REASON_LOW_CONFIDENCE
    assert d.explanation["matched_rules"][0].get("yielded") is None
    ranked = department_evidence([("ЖКХ", 0.5), ("Здоровье", 0.5)], matches, CONFIG)
    assert ranked[0][0] == LAW and abs(ranked[0][1] - 0.5) < 1e-9  # the suggestion for triage


def test_once_a_topic_maps_to_the_department_its_rule_no_longer_yields(analysed):
    matches = match_rules(analysed("Мошенники украли деньги, кража с карты").lemmas, [LAW_RULE])
    learnt = RoutingConfig(threshold=0.6, topic_departments={**CONFIG.topic_departments,
                                                             "Комитет по законности": LAW})
    d = decide("ru", None, [("ЖКХ", 0.8), ("Здоровье", 0.2)], matches, learnt)
    assert d.department_id is None and d.to_triage  # conflicting evidence: a person decides
    assert not any(r.get("yielded") for r in d.matched_rules)
    assert department_evidence([("ЖКХ", 0.8)], matches, learnt)[0][0] == LAW


def _shipped_rules():
    from helpdesk.routing.defaults import RULES

    return [make_rule(i, i, name, lemmatise_keywords(phrases), 0.3)
            for i, (_, name, phrases) in enumerate(RULES)]


def test_shipped_rules_ignore_landmarks_status_and_addressees(analysed):
    """Words citizens add to any complaint fire no shipped rule: only the subject does."""
    rules = _shipped_rules()
    text = ("Яма на дороге у школы 54 и детского сада, остановка Центральный рынок. Я инвалид, "
            "многодетная семья, скорая помощь не проедет, мы платим налоги, а бюджет молчит. "
            "Обращусь в прокуратуру и полицию, участковый в курсе, выбора у нас нет, "
            "муниципальное образование бездействует")
    assert [m.name for m in match_rules(analysed(text).lemmas, rules)] == ["ЖКХ и дороги"]


def test_shipped_rules_still_name_their_subjects(analysed):
    rules = _shipped_rules()
    for text, name in [("Третий год нет места в детском саду", "Образование и культура"),
                       ("Учитель оскорбляет детей на уроках", "Образование и культура"),
                       ("Мошенники оформили кредит на моё имя", "Правопорядок"),
                       ("Не дают налоговый вычет за лечение", "Налоги и бюджет"),
                       ("Где избирательный участок нашего дома", "Местное самоуправление"),
                       ("Врач в поликлинике не принимает", "Социальная сфера")]:
        assert [m.name for m in match_rules(analysed(text).lemmas, rules)] == [name], text
