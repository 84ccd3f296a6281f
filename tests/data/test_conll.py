from __future__ import annotations

import io

import pytest

from rasd.data.formats import ReadStats, read_conll, read_records, write_conll
from rasd.data.records import Record, Span
from rasd.errors import DataError, FormatError


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def spans(record: Record) -> list[tuple[str, str]]:
    return [(s.label, s.text_in(record.text)) for s in record.spans]


def test_bom_crlf_and_direction_marks(tmp_path):
    body = ("\u200fقصف\tO\r\n\u200eحقل\tB-LOC\r\nالعمر\u200f\tI-LOC\r\n\u200b\tO\r\n.\tO\r\n\r\n"
            "\u200eالجيـــش\tB-ORG\r\nالأمريكي\tI-ORG\r\n")
    path = write(tmp_path, "marks.tsv", b"\xef\xbb\xbf" + body.encode("utf-8"))
    stats = ReadStats()
    records = list(read_conll(path, stats=stats))
    assert [r.text for r in records] == ["قصف حقل العمر .", "الجيـــش الأمريكي"]
    assert [spans(r) for r in records] == [[("LOC", "حقل العمر")], [("ORG", "الجيـــش الأمريكي")]]
    assert not any(ch in r.text for r in records for ch in "\ufeff\u200b\u200e\u200f\r")
    assert stats.dropped_tokens == 1  # the token that was only a U+200B
    assert [r.id for r in records] == ["marks-1", "marks-2"] and records[0].doc_id is None


def test_a_dropped_mark_token_passes_its_chunk_start_on(tmp_path):
    path = write(tmp_path, "x.conll", "قصف O\n\u200f B-LOC\nحقل I-LOC\nالعمر I-LOC\n")
    stats = ReadStats()
    (record,) = read_conll(path, stats=stats)
    assert spans(record) == [("LOC", "حقل العمر")] and stats.dropped_tokens == 1 and not stats.repairs


def test_docstart_gives_documents_and_segment_marks_are_skipped(tmp_path):
    path = write(tmp_path, "news.conll", "-DOCSTART- -X- -X- O\n\nأ O\nب O\n\nج O\n$#$ O\n\n-DOCSTART- O\n\nد B-LOC\n")
    records = list(read_conll(path))
    assert [(r.id, r.doc_id, r.text) for r in records] == [
        ("news-1", "news-doc1", "أ ب"), ("news-2", "news-doc1", "ج"), ("news-3", "news-doc2", "د")]


def test_nested_file_needs_flatten(fixtures):
    path = fixtures / "nested.conll"
    with pytest.raises(FormatError) as err:
        list(read_conll(path))
    message = str(err.value)
    assert "nested.conll:5:" in message and "'I-ORG B-PERS'" in message
    assert "--flatten outer" in message and "--flatten inner" in message
    with pytest.raises(FormatError, match="--flatten"):
        list(read_records(path))


def test_flatten_outer_and_inner(fixtures):
    path = fixtures / "nested.conll"
    outer = list(read_conll(path, flatten="outer"))
    assert [spans(r) for r in outer] == [
        [("ORG", "مجلس الأمن ضد الأسد"), ("GPE", "دمشق")],
        [("OCC", "سكرتير اللجنة القومية في نابلس")],
    ]
    stats = ReadStats()
    inner = list(read_conll(path, flatten="inner", stats=stats))
    assert [spans(r) for r in inner] == [
        [("ORG", "مجلس الأمن ضد"), ("PERS", "الأسد"), ("GPE", "دمشق")],
        [("OCC", "سكرتير"), ("ORG", "اللجنة القومية"), ("OCC", "في"), ("GPE", "نابلس")],
    ]
    # the inner tag cut the OCC chunk: its remainder starts a chunk of its own, and that is reported
    assert [(n.kind, n.line) for n in stats.repairs] == [("tags", 13)]
    assert "'I-OCC' after 'I-ORG'" in stats.repairs[0].message
    assert all(" $#$" not in r.text for r in outer + inner)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("قصف O\nحقل\n", 2, "one column"),
        ("قصف O\nحقل LOC\n", 2, "'LOC' is not 'O'"),
        ("قصف O\nحقل B-\n", 2, "'B-' is not 'O'"),
        ("EU NNP B-NP B-ORG\n", 1, "4 columns"),  # CoNLL-2003 with POS/chunk columns is not nested
        ("قصف O\n\xff\n", 2, "not valid UTF-8"),
    ],
)
def test_broken_lines_name_file_and_line(tmp_path, content, line, message):
    raw = content.encode("utf-8").replace("\xff".encode(), b"\xff")
    path = write(tmp_path, "bad.conll", raw)
    with pytest.raises(FormatError, match=message) as err:
        list(read_conll(path))
    assert err.value.line == line and str(err.value).startswith(f"{path}:{line}: ")


def test_tags_that_break_the_scheme_are_reported_or_refused(tmp_path):
    content = "".join(f"ك{i} B-LOC\nم{i} I-LOC\n\n" for i in range(5)) + "قصف O\nحقل I-LOC\nالعمر I-LOC\n"
    path = write(tmp_path, "x.conll", content)
    stats = ReadStats()
    records = list(read_conll(path, stats=stats))
    assert stats.tag_scheme == "IOB2"
    assert spans(records[-1]) == [("LOC", "حقل العمر")]
    (notice,) = stats.repairs
    assert notice.line == 17 and notice.record_id == "x-6" and "read as 'B-LOC'" in notice.message
    with pytest.raises(FormatError, match=r"x.conll:17: IOB2 tag error: 'I-LOC' after 'O'"):
        list(read_conll(path, strict_tags=True))


def test_scheme_can_be_given(tmp_path):
    path = write(tmp_path, "x.conll", "حقل B-LOC\nالعمر B-LOC\n")
    assert spans(next(read_conll(path))) == [("LOC", "حقل"), ("LOC", "العمر")]
    with pytest.raises(FormatError, match="BIOES tag error"):
        list(read_conll(path, scheme="BIOES", strict_tags=True))


def test_reading_streams(tmp_path):
    """The first sentence arrives before a broken line further down is even read."""
    path = write(tmp_path, "x.conll", "قصف O\n\n" + "كلمة O\n" * 1000 + "\nحقل\n")
    reader = read_conll(path)
    assert next(reader).text == "قصف"
    assert next(reader).text.count("كلمة") == 1000
    with pytest.raises(FormatError, match="x.conll:1004:"):
        next(reader)


def test_write_conll(expected, tmp_path):
    out = tmp_path / "out.conll"
    assert write_conll(expected, out, docstart=True) == 3
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[:3] == ["-DOCSTART- O", "", "🔴 O"]
    assert lines.count("-DOCSTART- O") == 2  # doc1 (two sentences), doc2
    assert "الجيـــش B-SOURCE" in lines and "الأمريكي I-SOURCE" in lines
    assert "🇺 O" in lines and lines[-3:] == [". O", "", ""]


def test_write_conll_refuses_spans_off_word_boundaries():
    record = Record(id="a", text="قصف حقل العمر", spans=[Span(5, 13, "LOCATION")])
    with pytest.raises(DataError, match="record 'a': span 5-13 \\(LOCATION\\) does not align"):
        write_conll([record], io.StringIO())
