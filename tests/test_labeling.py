"""Every labeling function of the news scheme on a sentence it must vote on and one it must leave alone."""

import pytest

from claimsift.labels import ABSTAIN
from claimsift.schemes.news import lfs as lf
from claimsift.schemes.news.lfs import ALLEGATION, ATTRIBUTED_CLAIM, BACKGROUND, OFFICIAL_STATEMENT

CASES = {
    "lf_hedged_wrongdoing": (
        "The militia reportedly smuggled weapons across the border.",
        "The militia reportedly opened a new office in Basra.",
        ALLEGATION),
    "lf_attributed_wrongdoing": (
        "During the interrogations, Musleh revealed a 20-member group that was assassinating Iraqi protesters.",
        "Musleh was the West al-Anbar Operations commander.",
        ALLEGATION),
    "lf_accusation": (
        "Militias which are accused of rocket fire against U.S. forces remain active.",
        "The commander attended the meeting in Baghdad.",
        ALLEGATION),
    "lf_official_speaks": (
        "The interior ministry said the border crossing would reopen on Sunday.",
        "Two security sources said the border crossing would reopen on Sunday.",
        OFFICIAL_STATEMENT),
    "lf_official_act": (
        "The U.S. State Department designated the group as a foreign terrorist organization.",
        "The group opened an office in Baghdad in 2015.",
        OFFICIAL_STATEMENT),
    "lf_according_to": (
        "According to sources familiar with the issue, influential officials attempted to have him released.",
        "Influential officials attempted to have him released.",
        ATTRIBUTED_CLAIM),
    "lf_anonymous_source": (
        "Two officials, speaking on condition of anonymity, said the talks had stalled.",
        "The prime minister said the talks had stalled.",
        ATTRIBUTED_CLAIM),
    "lf_reporting_cue": (
        "Analysts said the vote showed a shift in the alliance.",
        "The vote showed a shift in the alliance.",
        ATTRIBUTED_CLAIM),
    "lf_media_source": (
        "Radio Farda reported that the bloc decided to back the ouster.",
        "The bloc decided to back the ouster.",
        ATTRIBUTED_CLAIM),
    "lf_quoted_speech": (
        "“Iraqi and Lebanese protesters have been supporting each other,” Ynet observed.",
        "Iraqi and Lebanese protesters have been supporting each other.",
        ATTRIBUTED_CLAIM),
    "lf_no_attribution": (
        "The protests started October 1 amid public rage over chronic shortages of jobs.",
        "Officials said the protests started October 1.",
        BACKGROUND),
    "lf_context_opener": (
        "Since 2017, Musleh was the West al-Anbar Operations commander.",
        "Since 2017, officials said, Musleh was the commander.",
        BACKGROUND),
    "lf_headline_or_caption": (
        "IRGC Quds Force chief secretly visits Iraq",
        "IRGC Quds Force chief secretly visits Iraq, reports say",
        BACKGROUND),
}


def test_every_labeling_function_has_a_case():
    assert set(CASES) == set(lf.LF_NAMES)
    assert len(set(lf.LF_NAMES)) == len(lf.LF_NAMES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_labeling_function(name):
    positive, negative, expected = CASES[name]
    fn = getattr(lf, name)
    assert fn(positive) == expected, f"{name} should vote {expected} on: {positive}"
    assert fn(negative) == ABSTAIN, f"{name} should abstain on: {negative}"


def _spans(text):
    return {(s["type"], s["text"]) for s in lf.weak_spans(text)}


@pytest.mark.parametrize("text,expected", [
    ("“Iraq is not an occupied country,” said Iraqi MP Adnan al-Zarfi.",
     {("CONTENT", "“Iraq is not an occupied country,”"), ("CUE", "said"), ("SOURCE", "Iraqi MP Adnan al-Zarfi")}),
    ("“This network had influenced Iraqi security organizations,” al-Hadas quoted Musleh as saying.",
     {("CONTENT", "“This network had influenced Iraqi security organizations,”"), ("CUE", "quoted"),
      ("SOURCE", "Musleh")}),
    ("According to sources familiar with the issue, influential officials attempted to have him released.",
     {("CUE", "According to"), ("SOURCE", "sources familiar with the issue"),
      ("CONTENT", "influential officials attempted to have him released")}),
    ("A number of these attacks have been carried out by drones, he explained.",
     {("CONTENT", "A number of these attacks have been carried out by drones"), ("SOURCE", "he"),
      ("CUE", "explained")}),
    ("Security officials told Reuters that it was linked to attacks on U.S. forces.",
     {("SOURCE", "Security officials"), ("CUE", "told"), ("CONTENT", "it was linked to attacks on U.S. forces")}),
    ("Soleimani reportedly appears to have taken over the response.",
     {("CUE", "reportedly"), ("CONTENT", "appears to have taken over the response")}),
])
def test_span_rules(text, expected):
    assert _spans(text) == expected
    for s in lf.weak_spans(text):
        assert text[s["start"]:s["end"]] == s["text"]


def test_span_rules_leave_unattributed_sentences_alone():
    assert lf.weak_spans("Since 2017, Musleh was the West al-Anbar Operations commander.") == []
    # A passive cue has no source in its subject.
    assert lf.weak_spans("Casualties have been reported without any details.") == []


def test_spans_never_overlap():
    text = ("“Some detainees have been forced to make confessions,” Khazali said, adding, "
            "according to the AP, that the arrests were illegal.")
    spans = sorted(lf.weak_spans(text), key=lambda s: s["start"])
    for a, b in zip(spans, spans[1:]):
        assert a["end"] <= b["start"]


@pytest.mark.parametrize("text,expected", [
    # Doubled-apostrophe quotes with the attribution in the middle: two CONTENT pieces of one attribution.
    ("''I think they'll do the right thing,'' Mr. Rendell said, ''and the right thing is clear.''",
     {("CONTENT", "''I think they'll do the right thing,''"), ("SOURCE", "Mr. Rendell"), ("CUE", "said"),
      ("CONTENT", "''and the right thing is clear.''")}),
    # An inverted cue takes the whole noun phrase after it, apposition included.
    ("“The Border Patrol has done an incredible job,” said Gen. Barry McCaffrey, the former drug policy director.",
     {("CONTENT", "“The Border Patrol has done an incredible job,”"), ("CUE", "said"),
      ("SOURCE", "Gen. Barry McCaffrey, the former drug policy director")}),
    # A clause opener is not part of the SOURCE; a pronoun is a SOURCE; cue adjuncts stay out of the CONTENT.
    ("But even as Trump claimed on Tuesday that the cases differed, the prosecutors said they were alike.",
     {("SOURCE", "Trump"), ("CUE", "claimed"), ("CONTENT", "the cases differed"), ("SOURCE", "the prosecutors"),
      ("CUE", "said"), ("CONTENT", "they were alike")}),
    ("In a speech last July, he said the wall would be built.",
     {("SOURCE", "he"), ("CUE", "said"), ("CONTENT", "the wall would be built")}),
    # Content, Source said + an adjunct of the cue.
    ("The governor is on firm footing questioning the budget, Mara Olsen said Monday.",
     {("CONTENT", "The governor is on firm footing questioning the budget"), ("SOURCE", "Mara Olsen"),
      ("CUE", "said")}),
    # A bare attribution whose content is in the next sentence.
    ("Bush said.", {("SOURCE", "Bush"), ("CUE", "said")}),
    # A name ending in an auxiliary's letters ("Morr|is says"): the cue starts at a word.
    ("Spokeswoman Haley Morris says the plan failed.",
     {("SOURCE", "Spokeswoman Haley Morris"), ("CUE", "says"), ("CONTENT", "the plan failed")}),
    ("The analysis said the plan failed.",
     {("SOURCE", "The analysis"), ("CUE", "said"), ("CONTENT", "the plan failed")}),
    # A cue adjunct is whole words: "again" is not the start of "against", "memo" of "memoir" (an adjunct too).
    ("Officials warned China against provocative behavior in the South China Sea.",
     {("SOURCE", "Officials"), ("CUE", "warned"), ("CONTENT", "against provocative behavior in the South China Sea")}),
    ("She wrote in her memoir that the plan failed.",
     {("SOURCE", "She"), ("CUE", "wrote"), ("CONTENT", "the plan failed")}),
    ("She said in a series of tweets that the plan failed.",
     {("SOURCE", "She"), ("CUE", "said"), ("CONTENT", "the plan failed")}),
    ("He said in a memorandum that the plan failed.",
     {("SOURCE", "He"), ("CUE", "said"), ("CONTENT", "in a memorandum that the plan failed")}),
])
def test_span_rules_polnear_patterns(text, expected):
    assert _spans(text) == expected
    spans = sorted(lf.weak_spans(text), key=lambda s: s["start"])
    for a, b in zip(spans, spans[1:]):
        assert a["end"] <= b["start"]


def test_span_attributions_name_their_rule():
    got = lf.span_attributions("“Iraq is not an occupied country,” said Iraqi MP Adnan al-Zarfi.")
    assert [name for name, _ in got] == ["span_quote_then_tail"]
    assert lf.span_attributions("Officials said the talks stalled.", [lf.span_hedge]) == []


def test_span_rule_limits_are_named(monkeypatch):
    """The span rules' word limits are module constants (with a reason each), not numbers inside the rules."""
    import claimsift.schemes.news.lfs as labeling

    text = "The head of the regional water authority said the dam was safe."
    assert [s["text"] for s in labeling.weak_spans(text) if s["type"] == "SOURCE"] == [
        "The head of the regional water authority"]
    monkeypatch.setattr(labeling, "MAX_SOURCE_WORDS", 5)  # a seven-word subject is now too long to be a SOURCE
    assert labeling.weak_spans(text) == []
