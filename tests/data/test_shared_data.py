"""Importing the real corpora beside the checkout (../shared/data); skipped where they are absent.

The expected counts come from each folder's NOTES.md and were checked against the files:
ANERcorp-train has 3,782 blank-line separated sentences and 123,903 tokens (no marks-only token,
910 tokens carry U+200F); NewsFANE has a BOM, CRLF line ends, 152,599 tokens prefixed with U+200E,
4,760 sentences (the last without a trailing blank line) and 168,080 tokens; the Wojood sample's
train.txt has 18,537 tokens in 1,114 blank-line separated blocks (NOTES.md counts the 1,113 blank
lines) plus 350 ``$#$`` segment lines that are not tokens.
"""

from __future__ import annotations

import pytest

from rasd.data.formats import ReadStats, read_records, sniff_format
from rasd.data.stats import DatasetStats
from rasd.errors import FormatError

pytestmark = pytest.mark.shared_data


def read_all(path, **options):
    stats = ReadStats()
    records = list(read_records(path, stats=stats, **options))
    words = DatasetStats()
    for r in records:
        words.add(r)
    return records, stats, words


def test_anercorp_train(shared_data):
    path = shared_data / "anercorp-train" / "ANERCorp_train_derived_from_cleaned.tsv"
    assert sniff_format(path) == "conll"
    records, stats, words = read_all(path)
    assert (len(records), words.words) == (3782, 123903)
    assert stats.rejected == 0 and stats.dropped_tokens == 0 and stats.tag_scheme == "IOB2"
    assert not any("\u200f" in r.text for r in records)
    assert set(words.spans) == {"PERS", "LOC", "ORG", "MISC"}
    # the file has 31 I- tags after O (an IOB2 break): read as chunk starts and each reported with its line
    assert len(stats.repairs) == 31 and all(n.kind == "tags" and n.line for n in stats.repairs)


def test_newsfane_gold(shared_data):
    path = shared_data / "newsfane-gold" / "NewsFANE_Gold_2014_170K.txt"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf" and sniff_format(path) == "conll"
    records, stats, words = read_all(path)
    assert (len(records), words.words) == (4760, 168080)
    assert not any(ch in r.text for r in records for ch in "\ufeff\u200e\r")
    assert stats.rejected == 0 and len(words.spans) == 45 and len(stats.repairs) == 4


def test_wojood_sample_is_nested(shared_data):
    path = shared_data / "wojood-sample" / "train.txt"
    with pytest.raises(FormatError, match=r"train.txt:13: nested tags 'I-ORG B-PERS'.*--flatten outer"):
        list(read_records(path))
    outer, _, outer_words = read_all(path, flatten="outer")
    inner, inner_stats, inner_words = read_all(path, flatten="inner")
    assert len(outer) == len(inner) == 1114
    assert outer_words.words == inner_words.words == 18537
    assert not any("$#$" in r.text for r in outer)
    # innermost tags find more (shorter) entities: a nested PERS inside an ORG becomes its own span
    assert sum(inner_words.spans.values()) > sum(outer_words.spans.values())
    assert inner_stats.repairs  # outer chunks cut by an inner one are reported
