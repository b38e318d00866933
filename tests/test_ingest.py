from pathlib import Path

import pytest

from claimsift.data.ingest import RawArticle, Skipped, find_files, read_articles


def _by_id(items):
    return {a.doc_id: a for a in items if isinstance(a, RawArticle)}


def test_each_format_is_read_with_stable_ids(fixtures):
    items = list(read_articles(fixtures / "label_articles"))
    arts = _by_id(items)
    assert set(arts) == {"militia", "brief-1", "brief-2", "note-1", "plain"}
    assert not [i for i in items if isinstance(i, Skipped)]
    # HTML: main text extracted, navigation and footer left out, title kept.
    html = arts["militia"]
    assert html.title == "Militia leader arrested in Basra"
    assert "interior ministry said" in html.text
    assert "Subscribe" not in html.text and "Copyright" not in html.text
    # JSONL: title prepended as the first line; CSV: the text field.
    assert arts["brief-1"].text.startswith("Drone strike near Baghdad airport\n")
    assert arts["brief-2"].title is None
    assert arts["note-1"].text.startswith("Lt. Gen. Ahmed said")
    assert arts["plain"].text.startswith("Parliament debates PMF law")


def test_configurable_field_names(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"key": "x1", "body": "One sentence here."}\n', encoding="utf-8")
    (art,) = read_articles(f, id_field="key", text_field="body")
    assert art.doc_id == "x1" and art.text == "One sentence here."


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"   \n\n", "empty file"),
    ("binary.txt", b"\x00\x01\x02PNG", "binary"),
    ("latin.txt", "caf\xe9 au lait".encode("latin-1"), "not UTF-8"),
    ("rows.jsonl", b'{"id": "a", "text": "fine."}\nnot json\n{"text": "no id"}\n', None),
    ("bad.csv", b"name,body\nx,y\n", "CSV header lacks"),
])
def test_bad_files_are_skipped_with_a_reason(tmp_path, name, content, reason):
    f = tmp_path / name
    f.write_bytes(content)
    items = list(read_articles(f))
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert skipped, f"{name} should be reported"
    assert all(str(f) in s.source for s in skipped)
    if reason:
        assert reason in skipped[0].reason
    else:  # the good row survives, the two bad rows are reported by line
        assert [a.doc_id for a in items if isinstance(a, RawArticle)] == ["a"]
        assert [s.source.rsplit(":", 1)[1] for s in skipped] == ["2", "3"]


def test_nothing_matching_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no article files"):
        find_files(tmp_path / "nope*.txt")
