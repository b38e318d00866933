from claimsift.data.clean import boilerplate_reason, clean

BOILERPLATE = [
    ("728 x 90", "ad slot"),
    ("Read more:", "read more"),
    ("Source » iranfocus", "source line"),
    ("30 people are talking about this", "social counter"),
    ("No comments:", "comment prompt"),
    ("Post a Comment", "comment prompt"),
    ("Please let us know if you're having issues with commenting.", "comment prompt"),
    ("Was it worth reading? Let us know.", "feedback prompt"),
    ("#IRGCOutOfIraq #Iran #BlackListMOIS", "social embed"),
    ("Holy Shrines’ Reconstruction Headquarters#IRGCTerrorists #IRGCOutOfIraq", "social embed"),
]
ARTICLE_LINES = [
    "Iraqi MP Adnan al-Zarfi said the groups were illegal.",
    "Source: two security officials told Reuters the plan had failed.",  # a sentence, not a "Source »" line
    "Read more about the protests in our coverage of Baghdad, where thousands marched on Friday.",
    "The #Iraq protests began in October.",
    "IRGC Quds Force chief secretly visits Iraq",
]


def test_boilerplate_lines_are_recognised():
    for line, reason in BOILERPLATE:
        assert boilerplate_reason(line) == reason, line


def test_article_lines_are_kept():
    for line in ARTICLE_LINES:
        assert boilerplate_reason(line) is None, line


def test_clean_reports_what_it_dropped_and_drops_repeated_captions():
    raw = "Title\n\n728 x 90\nA caption line\nA caption line\nBody sentence.\u00a0More.\nNo comments:\n"
    c = clean(raw)
    assert c.text == "Title\nA caption line\nBody sentence. More."
    assert [r for _, r in c.dropped] == ["ad slot", "repeated line", "comment prompt"]


def test_seed_boilerplate(root):
    c = clean((root / "seeds" / "004_d7089af4d349109d.txt").read_text(encoding="utf-8"))
    assert "people are talking about this" not in c.text
    assert "#BlackListMOIS" not in c.text
    assert "Post a Comment" not in c.text
    assert len(c.dropped) == 7
