"""A scheme is configuration: its classes, decision order, span types, labeling functions and word lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimsift.labels import ABSTAIN
from claimsift.scheme import check_dataset_scheme, load_scheme, scheme_config

ROOT = Path(__file__).resolve().parents[1]
WEATHER_DIR = ROOT / "docs" / "examples" / "weather"


def weather(**changes) -> dict:
    """The example's scheme config, its functions' file made absolute (tests run from anywhere)."""
    cfg = scheme_config(WEATHER_DIR / "configs" / "scheme" / "weather.yaml")
    cfg["labeling_functions"] = str(WEATHER_DIR / "weather_lfs.py")
    cfg["lexicons"] = {k: str(WEATHER_DIR / v) for k, v in cfg["lexicons"].items()}
    return {**cfg, **changes}


def test_the_news_scheme_is_its_config():
    from claimsift import labels
    from claimsift.schemes.news import lfs

    news = load_scheme("news")
    assert news.classes == tuple(sorted(news.classes)) and len(news.classes) == 4
    assert news.precedence[0] == "allegation" and news.default_class == news.precedence[-1] == "background"
    assert news.lf_names == lfs.LF_NAMES and news.span_types == ("CONTENT", "CUE", "SOURCE")
    assert labels.CLASSES == list(news.classes)  # the names code written before schemes imports
    assert news.vote("The militia reportedly smuggled weapons across the border.")[0] == "allegation"
    assert {s["type"] for s in news.weak_spans("Police said the road was shut.")} == {"SOURCE", "CUE", "CONTENT"}


def test_a_users_functions_get_their_word_lists(tmp_path):
    (tmp_path / "fruit.txt").write_text("# fruit\napple\npear\n", encoding="utf-8")
    (tmp_path / "my_lfs.py").write_text(
        "def lf_fruit(text, fruit):\n    return 'food' if set(text.lower().split()) & set(fruit) else -1\n\n"
        "def lf_nothing(text):\n    return None\n\n"
        "def helper(text):\n    return 'food'\n", encoding="utf-8")
    cfg = {"name": "kitchen", "classes": ["other", "food"], "default_class": "other",
           "labeling_functions": str(tmp_path / "my_lfs.py"), "lexicons": {"fruit": str(tmp_path / "fruit.txt")}}
    scheme = load_scheme(cfg)
    assert scheme.classes == ("food", "other") and scheme.precedence == ("other", "food")  # given order decides
    assert scheme.lf_names == ["lf_fruit", "lf_nothing"]  # lf_* only, in the order written
    assert scheme.vote("An apple a day") == ["food", ABSTAIN]
    assert scheme.vote("A plum") == [ABSTAIN, ABSTAIN] and scheme.weak_spans("A plum") == []
    before = scheme.fingerprint()
    (tmp_path / "fruit.txt").write_text("apple\nplum\n", encoding="utf-8")
    assert load_scheme({**cfg, "name": "kitchen2"}).vote("A plum") == ["food", ABSTAIN]
    assert load_scheme(cfg).fingerprint() != before  # the word list changed


def test_bad_votes_and_parameters_are_named(tmp_path):
    (tmp_path / "bad.py").write_text("def lf_rumour(text):\n    return 'rumour'\n", encoding="utf-8")
    (tmp_path / "odd.py").write_text("def lf_odd(text, colours):\n    return -1\n", encoding="utf-8")
    base = {"name": "x", "classes": ["a", "b"], "default_class": "a"}
    with pytest.raises(ValueError, match=r"lf_rumour voted 'rumour' on 'Hi': not a class of scheme x \(a, b\)"):
        load_scheme({**base, "labeling_functions": str(tmp_path / "bad.py")}).vote("Hi")
    with pytest.raises(ValueError, match="lf_odd: parameter 'colours' is not a word list of the scheme"):
        load_scheme({**base, "labeling_functions": str(tmp_path / "odd.py")}).vote("Hi")


def test_two_schemes_sharing_a_module_keep_their_own_word_lists(tmp_path):
    (tmp_path / "shared.py").write_text(
        "WORDS = set()\n\ndef setup(lexicons):\n    WORDS.clear()\n    WORDS.update(lexicons['hit'])\n\n"
        "def lf_hit(text):\n    return 'yes' if text in WORDS else -1\n", encoding="utf-8")
    (tmp_path / "one.txt").write_text("one\n", encoding="utf-8")
    (tmp_path / "two.txt").write_text("two\n", encoding="utf-8")
    common = {"classes": ["no", "yes"], "default_class": "no", "labeling_functions": str(tmp_path / "shared.py")}
    one = load_scheme({**common, "name": "one", "lexicons": {"hit": str(tmp_path / "one.txt")}})
    two = load_scheme({**common, "name": "two", "lexicons": {"hit": str(tmp_path / "two.txt")}})
    assert one.vote("one") == ["yes"] and two.vote("one") == [ABSTAIN] and two.vote("two") == ["yes"]


@pytest.mark.parametrize("change, message", [
    ({"default_class": "rain"}, "default_class='rain' must be one of the classes"),
    ({"precedence": ["warning", "forecast"]}, "precedence .* must order exactly the classes"),
    ({"classes": ["warning"]}, "classes must be a list of at least two"),
    ({"classes": ["warning", "fore cast", "observation"]}, "class 'fore cast' is not a plain name"),
    ({"highlight": "storm"}, "highlight='storm' must be null or one of the classes"),
    ({"colour": "red"}, "unknown key"),
    ({"labeling_functions": "no/such/file.py"}, "labeling_functions=no/such/file.py: no such file"),
    ({"lexicons": {"storm": "no_such_words.txt"}}, "lexicons.storm=no_such_words.txt: no such file"),
])
def test_scheme_config_problems_are_one_line_and_name_the_key(change, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message) as err:
        load_scheme(weather(**change))
    assert "\n" not in str(err.value) and "scheme weather" in str(err.value)


def test_a_dataset_of_another_scheme_is_refused(tmp_path):
    news, other = load_scheme("news"), load_scheme(weather())
    (tmp_path / "meta.json").write_text(json.dumps({"classes": list(other.classes), "scheme": other.spec()}))
    check_dataset_scheme(other, tmp_path)
    with pytest.raises(ValueError, match="built with scheme 'weather'.* pass scheme=weather"):
        check_dataset_scheme(news, tmp_path)
    # a dataset from before schemes were recorded: its classes decide
    (tmp_path / "meta.json").write_text(json.dumps({"classes": list(news.classes)}))
    check_dataset_scheme(news, tmp_path)
    with pytest.raises(ValueError, match="rebuild it with `claimsift label scheme=weather`"):
        check_dataset_scheme(other, tmp_path)


def test_snorkel_asks_for_three_functions():
    import numpy as np

    from claimsift.data.labelmodel import LabelModel

    model = LabelModel("snorkel", classes=["a", "b"], precedence=["a", "b"], default_class="b", seed=0)
    with pytest.raises(ValueError, match="needs at least 3 labeling functions, the scheme has 2: pass "
                                         "label_model.kind=majority"):
        model.fit(np.array([[0, 1], [1, -1]]))


def test_the_structured_model_serves_the_news_scheme_alone():
    from claimsift.config import compose
    from claimsift.train import build_model

    cfg = compose("train", ["model=structured"])
    assert build_model(cfg).classes_ == sorted(load_scheme("news").classes)
    cfg.scheme = weather()
    with pytest.raises(ValueError, match=r"^model=structured task=classify: model=structured answers the news "
                                         r"scheme's questions \(scheme=news\); scheme weather has classes"):
        build_model(cfg)


def test_models_take_their_classes_from_the_scheme():
    from claimsift.config import compose
    from claimsift.train import build_model

    cfg = compose("train", ["model=baseline"])
    cfg.scheme = weather()
    model = build_model(cfg).fit(["Rain will fall tomorrow.", "A flood warning is in force.", "It rained."],
                                 ["forecast", "warning", "observation"])
    assert model.classes_ == ["forecast", "observation", "warning"]
    assert model.predict_proba(["Snow will fall tonight."]).shape == (1, 3)
    cfg.task.name = "extract"
    with pytest.raises(ValueError, match="task=extract: scheme weather has no span_types"):
        build_model(cfg)


def test_label_studio_offers_the_schemes_classes():
    from xml.etree import ElementTree

    from claimsift.gold.labelstudio import label_config

    config = ElementTree.fromstring(label_config(weather()))
    assert [c.get("value") for c in config.iter("Choice")] == ["forecast", "observation", "warning"]
    assert list(config.iter("Label")) == []  # no span types, no span labels


def test_a_models_classes_are_checked_as_names_or_against_a_scheme():
    from claimsift.predict.stream import check_classes

    assert check_classes(["forecast", "warning"], "run") == ["forecast", "warning"]
    with pytest.raises(ValueError, match="run: model predicts a class 'two words' that is not a class name"):
        check_classes(["two words"], "run")
    with pytest.raises(ValueError, match="run: model names a class twice"):
        check_classes(["a", "a"], "run")
    with pytest.raises(ValueError, match="run: model predicts a class: unknown label 'warning'"):
        check_classes(["warning"], "run", load_scheme("news").classes)
