"""The spaCy Danish component: fallback, logging, and the record in the model."""
from __future__ import annotations

import importlib.util
import json
import logging
import tarfile

from nlu_components import danish_spacy
from nlu_components.danish_spacy import FALLBACK_PIPELINE, RECORD_FILE, load_danish_pipeline

SM_INSTALLED = importlib.util.find_spec("da_core_news_sm") is not None


def test_missing_pipeline_falls_back_to_blank_danish_with_lookup_lemmas(caplog, monkeypatch):
    monkeypatch.setattr(danish_spacy, "_fallback_logged", False)
    with caplog.at_level(logging.WARNING, logger="nlu_components.danish_spacy"):
        model = load_danish_pipeline("da_not_installed_pipeline")
        load_danish_pipeline("da_not_installed_pipeline")
    assert model.model_name == FALLBACK_PIPELINE
    assert model.model.lang == "da"
    lemmas = [t.lemma_ for t in model.model("børnene flyttede til kommunerne")]
    assert lemmas[0] == "barn" and lemmas[1] == "flytte"
    warnings = [r for r in caplog.records if "Falling back" in r.getMessage()]
    assert len(warnings) == 1, "the fallback is logged once"


def test_the_trained_model_records_its_spacy_pipeline(model_path):
    with tarfile.open(model_path) as archive:
        # one record per graph node of the component (the model provider and
        # the message processor), both written at training time
        names = [n for n in archive.getnames() if n.endswith(RECORD_FILE)]
        assert names, archive.getnames()
        records = [json.load(archive.extractfile(name)) for name in names]
    expected = "da_core_news_sm" if SM_INSTALLED else FALLBACK_PIPELINE
    for record in records:
        assert record["pipeline"] == expected
        assert record["lang"] == "da"
        assert record["spacy_version"].startswith("3.4")
