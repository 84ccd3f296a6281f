from __future__ import annotations

import json

import pytest

from rasd.data.convert import convert
from rasd.data.formats import ReadStats, read_conll, read_jsonl, read_records
from rasd.errors import ConfigError, DataError


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_jsonl_to_conll_to_jsonl_round_trip(fixtures, expected, tmp_path):
    conll = tmp_path / "incidents.conll"
    first = convert(fixtures / "incidents.jsonl", conll)
    assert (first.from_format, first.to_format, first.written) == ("jsonl", "conll", 3)
    assert first.warnings == ["CoNLL has no place for event types: 3 records had one and it was not written"]
    back = tmp_path / "back.jsonl"
    second = convert(conll, back)
    assert (second.from_format, second.to_format, second.written) == ("conll", "jsonl", 3)
    for got, want in zip(read_jsonl(back), expected, strict=True):
        assert squeeze(got.text) == squeeze(want.text)
        assert [(s.label, squeeze(s.text_in(got.text))) for s in got.spans] == [
            (s.label, squeeze(s.text_in(want.text))) for s in want.spans]
    # and once more: CoNLL -> JSONL -> CoNLL gives the same file
    again = tmp_path / "again.conll"
    convert(back, again)
    assert again.read_text(encoding="utf-8") == conll.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "options"),
    [("label_studio.json", {}), ("label_studio_utf16.json", {"repair_offsets": True}), ("doccano.jsonl", {}),
     ("doccano_utf16.jsonl", {"repair_offsets": True}), ("prodigy.jsonl", {}), ("brat", {}),
     ("nested.conll", {"flatten": "outer"})],
)
def test_tool_format_to_jsonl_gives_the_same_records(fixtures, tmp_path, name, options):
    out = tmp_path / "out.jsonl"
    result = convert(fixtures / name, out, **options)
    direct = list(read_records(fixtures / name, repair_offsets=options.get("repair_offsets", False),
                               flatten=options.get("flatten"), stats=ReadStats()))
    assert [r.to_dict() for r in read_jsonl(out)] == [r.to_dict() for r in direct]
    assert result.written == len(direct) and result.rejects_path is None
    assert len(result.repairs) == (10 if options.get("repair_offsets") else 0)
    json.dumps(result.to_dict())  # the report is plain JSON


def test_skip_invalid_leaves_a_rejects_file(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "قصف"}\n{"id": "b", "text": ""}\nnot json\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataError, match="in.jsonl:2: record 'b': text is empty"):
        convert(src, out)
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl.tmp*"))  # nothing half-written
    result = convert(src, out, skip_invalid=True)
    assert result.written == 1 and result.rejected == 2
    assert result.rejects_path == str(tmp_path / "out.rejects.jsonl")
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], "record" in r, "raw" in r) for r in rejects] == [(2, True, False), (3, False, True)]
    clean = convert(src.parent / "out.jsonl", tmp_path / "clean.jsonl", skip_invalid=True)
    assert clean.rejects_path is None and not (tmp_path / "clean.rejects.jsonl").exists()


def test_convert_nested_conll_with_flatten_and_docstart(fixtures, tmp_path):
    out = tmp_path / "flat.conll"
    result = convert(fixtures / "nested.conll", out, flatten="inner", docstart=True)
    assert result.written == 2 and len(result.repairs) == 1 and result.stats.tag_scheme == "IOB2"
    assert out.read_text(encoding="utf-8").count("-DOCSTART- O") == 2  # one document per sentence
    assert [r.doc_id for r in read_conll(out)] == ["flat-doc1", "flat-doc2"]


def test_convert_option_mistakes(fixtures, tmp_path):
    with pytest.raises(ConfigError, match="cannot tell the output format"):
        convert(fixtures / "incidents.jsonl", tmp_path / "out.xlsx")
    with pytest.raises(ConfigError, match="same file"):
        convert(fixtures / "incidents.jsonl", fixtures / "incidents.jsonl")
    result = convert(fixtures / "incidents.jsonl", tmp_path / "out.data", to_format="conll")
    assert result.to_format == "conll" and result.written == 3
