"""The topic model: thematic-classifier prior, confidence ordering, older saved models."""
import numpy as np
import pytest

from helpdesk.routing.classifier import (FORMAT_VERSION, THEMATIC_PRIORS, TopicModel,
                                         load_model, save_model, thematic_texts)
from helpdesk.routing.evaluation import prepare
from tests.routing.conftest import TRAINING_ROWS

RARE = [("Почта потеряла посылку, отделение закрыто", "Связь")]
QUERIES = ["Нет мобильной связи и интернета в селе, оператор не отвечает",
           "Плохая сотовая связь, звонки обрываются"]


@pytest.fixture(scope="module")
def data(pipeline):
    texts, labels = zip(*(TRAINING_ROWS + RARE), strict=True)
    return prepare(list(texts)), list(labels), prepare(QUERIES)


def test_thematic_texts_cover_every_mapped_label():
    pairs = thematic_texts()
    assert {label for label, _ in pairs} == set(THEMATIC_PRIORS)
    communication = [text for label, text in pairs if label == "Связь"]
    assert any("связи" in text for text in communication)
    # A level-5 node is read with its parent: "массовый спорт" alone says little.
    sport = [text for label, text in pairs if label == "Физкультура и спорт"]
    assert any(text.endswith("массовый спорт") and len(text) > len("массовый спорт")
               for text in sport)


def test_prior_finds_a_label_seen_once(data):
    feats, labels, queries = data
    plain = TopicModel(thematic=False).fit(feats, labels)
    assert plain.prior_estimator_ is None
    assert all(c[0][0] != "Связь" for c in plain.candidates(queries))
    model = TopicModel().fit(feats, labels)
    assert model.prior_estimator_ is not None
    assert all(c[0][0] == "Связь" for c in model.candidates(queries))


def test_no_prior_for_labels_outside_the_mapping(data):
    feats, labels, _ = data
    other = ["А" if label == "Дороги" else "Б" for label in labels]
    model = TopicModel().fit(feats, other)
    assert model.prior_estimator_ is None and list(model.classes_) == ["А", "Б"]


def test_candidates_keep_the_predicted_label_on_top(data):
    feats, labels, queries = data
    model = TopicModel().fit(feats, labels)
    P = model.predict_proba(queries)
    assert np.all(P.sum(axis=1) <= 1.0 + 1e-9)
    for row, cands in zip(P, model.candidates(queries, k=len(model.classes_)), strict=True):
        scores = [s for _, s in cands]
        assert scores == sorted(scores, reverse=True)
        assert scores[0] == pytest.approx(row.max())


def test_a_format_1_model_still_loads_and_predicts(data, tmp_path):
    feats, labels, queries = data
    model = TopicModel(thematic=False).fit(feats, labels)
    del model.prior_estimator_  # what a model saved before format 2 lacks
    path = tmp_path / "old.joblib"
    meta = save_model(model, path, {"n_examples": len(labels)})
    assert meta["format"] == FORMAT_VERSION
    loaded, _ = load_model(path)
    cands = loaded.candidates(queries)
    assert len(cands) == 2 and all(0.0 < c[0][1] <= 1.0 for c in cands)
