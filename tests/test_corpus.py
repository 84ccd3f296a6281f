"""The shipped corpus and sample news dump meet the floors of issue #3 and match their sources.

Everything is read from the files (`data/corpus/{train,dev,test}.jsonl`, `data/README.md`,
`data/samples/news_dump.jsonl`); the only numbers written here are the floors themselves.
The compile logic is not re-implemented: the functions of `scripts/build_corpus.py` are
imported from its path.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from rasd.data.schema import LabelSchema
from rasd.data.validation import validate_file

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "data" / "corpus"
SPLITS = ("train", "dev", "test")
DUMP = REPO / "data" / "samples" / "news_dump.jsonl"

# Floors of issue #3.
MIN_DOCUMENTS, MIN_SENTENCES = 150, 1200
MIN_PER_EVENT_TYPE, MIN_NONE = 40, 150
MIN_PER_SLOT_TYPE = 150
MIN_NO_SLOT, MIN_LONG = 80, 30
HELD_OUT_SHARE = (0.07, 0.13)  # dev and test each hold 7-13% of the documents

# Split similarity. Each held-out split's event-type distribution (share of sentences per
# type) must stay within a total-variation distance of MAX_TV of train's, and no single type's
# share may move by more than MAX_SHARE_GAP. With 18 documents per held-out split the shipped
# splits sit at 0.056-0.070 TV (largest gap 0.045); the plain per-collection round robin, before
# SPLIT_OVERRIDES, left test at 0.149 (unexplained explosions 16% of test, 6% of train) and a
# contiguous tenth of the documents sorted by type reaches about 0.47, so the bounds separate
# "similar" from "skewed".
MAX_TV, MAX_SHARE_GAP = 0.10, 0.05
MIN_HELD_OUT_PER_EVENT_TYPE = 5

# Sample news dump floors.
MIN_DUMP_DOCS, MIN_DUMP_LONG_WORDS = 300, 1500


def _load_script(name: str) -> ModuleType:
    path = REPO / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_rasd_script_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while it is being executed
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bc() -> ModuleType:
    return _load_script("build_corpus")


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    out = {}
    for name in SPLITS:
        with open(CORPUS / f"{name}.jsonl", encoding="utf-8") as f:
            out[name] = [json.loads(line) for line in f]
    return out


@pytest.fixture(scope="module")
def records(splits) -> list[dict]:
    return [r for recs in splits.values() for r in recs]


@pytest.fixture(scope="module")
def schema() -> LabelSchema:
    return LabelSchema.default()


def _events(r: dict) -> list[str]:
    ev = r["event_type"]
    return ev if isinstance(ev, list) else [ev]


def _event_shares(recs: list[dict]) -> collections.Counter:
    c = collections.Counter(ev for r in recs for ev in _events(r))
    total = sum(c.values())
    return collections.Counter({k: v / total for k, v in c.items()})


def split_divergence(reference: list[dict], other: list[dict]) -> tuple[float, float]:
    """(total-variation distance, largest per-type gap) between two event-type distributions."""
    p, q = _event_shares(reference), _event_shares(other)
    gaps = [abs(p[k] - q[k]) for k in set(p) | set(q)]
    return 0.5 * sum(gaps), max(gaps)


# --- validity -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SPLITS)
def test_split_validates_against_default_schema(name, schema):
    report = validate_file(CORPUS / f"{name}.jsonl", schema=schema)
    assert report.problems == [], "\n".join(str(p) for p in report.problems[:20])
    assert report.stats.sentences > 0


def test_compiled_jsonl_equals_sources(bc, tmp_path):
    """Sources and JSONL cannot drift: compiling the sources again gives the shipped bytes."""
    built, problems = bc.compile_corpus(bc.load_all())
    assert problems == []
    bc.write_splits(built, tmp_path)
    for name in SPLITS:
        shipped = (CORPUS / f"{name}.jsonl").read_bytes()
        assert (tmp_path / f"{name}.jsonl").read_bytes() == shipped, (
            f"data/corpus/{name}.jsonl is stale: run `python scripts/build_corpus.py`"
        )


# --- size and label floors ------------------------------------------------------------------


def test_size_floors(records):
    assert len({r["doc_id"] for r in records}) >= MIN_DOCUMENTS
    assert len(records) >= MIN_SENTENCES


def test_every_event_type_has_enough_sentences(records, schema):
    counts = collections.Counter(ev for r in records for ev in _events(r))
    for ev in schema.event_types:
        floor = MIN_NONE if ev == schema.none_event else MIN_PER_EVENT_TYPE
        assert counts[ev] >= floor, f"{ev}: {counts[ev]} sentences, need {floor}"


def test_every_slot_type_has_enough_mentions(records, schema):
    counts = collections.Counter(sp["label"] for r in records for sp in r["spans"])
    for label in schema.slot_types:
        assert counts[label] >= MIN_PER_SLOT_TYPE, f"{label}: {counts[label]} mentions"


def test_sentences_without_slots_and_long_sentences(records):
    assert sum(not r["spans"] for r in records) >= MIN_NO_SLOT
    assert sum(len(r["text"].split()) > 60 for r in records) >= MIN_LONG


# --- splits ---------------------------------------------------------------------------------


def test_split_by_document(splits):
    owner: dict[str, str] = {}
    for name, recs in splits.items():
        for r in recs:
            first = owner.setdefault(r["doc_id"], name)
            assert first == name, f"{r['doc_id']} is in {first} and {name}"


def test_split_sizes_about_80_10_10(splits):
    docs = {name: {r["doc_id"] for r in recs} for name, recs in splits.items()}
    total = sum(len(d) for d in docs.values())
    low, high = HELD_OUT_SHARE
    for name in ("dev", "test"):
        share = len(docs[name]) / total
        assert low <= share <= high, f"{name} holds {share:.1%} of the documents"


@pytest.mark.parametrize("name", ["dev", "test"])
def test_event_distribution_similar_to_train(splits, schema, name):
    tv, gap = split_divergence(splits["train"], splits[name])
    assert tv <= MAX_TV, f"{name}: total-variation distance {tv:.3f} from train"
    assert gap <= MAX_SHARE_GAP, f"{name}: an event type's share differs by {gap:.3f} from train"
    counts = collections.Counter(ev for r in splits[name] for ev in _events(r))
    for ev in schema.event_types:
        assert counts[ev] >= MIN_HELD_OUT_PER_EVENT_TYPE, f"{name} has {counts[ev]} {ev} sentences"


def test_similarity_bound_rejects_a_skewed_split(records):
    """The bound has teeth: a contiguous tenth of the documents, ordered by type, fails it."""
    by_doc: dict[str, list[dict]] = collections.defaultdict(list)
    for r in records:
        by_doc[r["doc_id"]].append(r)
    ordered = sorted(by_doc, key=lambda d: (_events(by_doc[d][0])[0], d))
    cut = len(ordered) // 10
    held = [r for d in ordered[:cut] for r in by_doc[d]]
    rest = [r for d in ordered[cut:] for r in by_doc[d]]
    tv, gap = split_divergence(rest, held)
    assert tv > MAX_TV and gap > MAX_SHARE_GAP


def test_no_sentence_in_two_splits(bc, splits):
    owner: dict[str, str] = {}
    for name, recs in splits.items():
        for r in recs:
            key = bc.normalize_for_dedup(r["text"])
            first = owner.setdefault(key, name)
            assert first == name, f"{r['id']} repeats a {first} sentence: {r['text']!r}"


def test_sentence_frames_repeat_at_most_twice(bc, records):
    frames: dict[str, list[str]] = collections.defaultdict(list)
    for r in records:
        s = bc.Sentence(text=r["text"], event_type=r["event_type"], spans=r["spans"], line=0)
        frames[bc.sentence_frame(s)].append(r["id"])
    # Frames of one or two words (a bare "<LOCATION>", a photo caption) are exempt, as in the build.
    over = {f: ids for f, ids in frames.items() if len(ids) > bc.MAX_FRAME_REPEATS and len(f.split()) > 2}
    assert over == {}


# --- datasheet ------------------------------------------------------------------------------


def _readme_tables() -> dict[str, dict[str, dict[str, int]]]:
    """{table title: {row: {column: value}}} from the generated block of data/README.md."""
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    begin, end = text.index("<!-- corpus-counts:begin"), text.index("<!-- corpus-counts:end -->")
    tables: dict[str, dict[str, dict[str, int]]] = {}
    header: list[str] = []
    for line in text[begin:end].splitlines():
        if not line.startswith("|") or re.fullmatch(r"\|[-:| ]+\|", line):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not header or not cells[1].isdigit():
            header, current = cells, {}
            tables[cells[0]] = current
            continue
        current[cells[0]] = dict(zip(header[1:], map(int, cells[1:]), strict=True))
    return tables


def test_readme_counts_equal_the_files(splits, records, schema):
    tables = _readme_tables()
    overall = tables["overall"]
    for col, recs in {**splits, "total": records}.items():
        expected = {
            "documents": len({r["doc_id"] for r in recs}),
            "sentences": len(recs),
            "words": sum(len(r["text"].split()) for r in recs),
            "sentences with no slot": sum(not r["spans"] for r in recs),
            "sentences over 60 words": sum(len(r["text"].split()) > 60 for r in recs),
        }
        assert {row: overall[row][col] for row in expected} == expected, col
        events = collections.Counter(ev for r in recs for ev in _events(r))
        table = tables["event type (sentences)"]
        assert {ev: table[ev][col] for ev in schema.event_types} == {ev: events[ev] for ev in schema.event_types}
        slots = collections.Counter(sp["label"] for r in recs for sp in r["spans"])
        table = tables["slot type (mentions)"]
        assert {sl: table[sl][col] for sl in schema.slot_types} == {sl: slots[sl] for sl in schema.slot_types}


@pytest.mark.parametrize("name", SPLITS)
def test_readme_counts_agree_with_rasd_stats(name):
    """The package's own statistics (what `rasd stats` prints) give the same numbers."""
    stats = validate_file(CORPUS / f"{name}.jsonl").stats.to_dict()
    tables = _readme_tables()
    overall = tables["overall"]
    assert stats["documents"] == overall["documents"][name]
    assert stats["sentences"] == overall["sentences"][name]
    assert stats["words"] == overall["words"][name]
    assert stats["sentences_without_spans"] == overall["sentences with no slot"][name]
    assert stats["event_types"] == {k: v[name] for k, v in tables["event type (sentences)"].items() if v[name]}
    assert stats["spans"] == {k: v[name] for k, v in tables["slot type (mentions)"].items() if v[name]}


# --- sample news dump -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dump() -> list[dict]:
    with open(DUMP, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_news_dump_shape(dump):
    assert len(dump) >= MIN_DUMP_DOCS
    for d in dump:
        assert set(d) == {"id", "title", "text", "published", "source"}, d.get("id")
        assert all(isinstance(d[k], str) for k in d), d["id"]
    ids = [d["id"] for d in dump]
    assert len(set(ids)) == len(ids)


def test_news_dump_has_the_hard_cases(dump):
    texts = [d["text"] for d in dump]
    assert any(not t.strip() for t in texts), "no empty or whitespace-only text"
    assert any(len(t.split()) > MIN_DUMP_LONG_WORDS for t in texts), "no text over 1,500 words"
    assert any(re.search(r"[A-Za-z]", t) for t in texts), "no Latin letters"
    assert any(re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", t) for t in texts), "no emoji"
    assert any(re.search(r"[\u0660-\u0669]", t) for t in texts), "no Eastern Arabic digits"



# --- boundary conventions (version 2) -------------------------------------------------------

SCHEME = REPO / "docs" / "annotation-scheme.md"
SHARED_SCHEME = REPO.parent / "shared" / "ANNOTATION-SCHEME.md"

# The rules issue #13 asks the build to check, by the names the script gives them.
REQUIRED_RULES = {
    "span-quotes", "location-edge", "casualties-verb", "aircraft-perpetrator",
    "unexplained-perpetrator", "reaction-not-none", "weapon-outside-span", "label-conflict",
}

# rule -> (a source line that breaks it, the same content written by the convention)
BAD_AND_GOOD = {
    "span-quotes": ('none | وقال مراسل [لـ"نورث برس](SOURCE)" إن الوضع هادئ.',
                    'none | وقال مراسل [لـ"نورث برس"](SOURCE) إن الوضع هادئ.'),
    "location-edge": ("shelling_missile_attack | سقطت قذيفة قرب [تدمر](LOCATION) [أمس](TIME).",
                      "shelling_missile_attack | سقطت [قذيفة](WEAPON) [قرب تدمر](LOCATION) [أمس](TIME)."),
    "casualties-verb": ("armed_clash | وفي الاشتباكات [قُتل ثلاثة جنود](CASUALTIES) [أمس](TIME).",
                        "armed_clash | وفي الاشتباكات قُتل [ثلاثة جنود](CASUALTIES) [أمس](TIME)."),
    "aircraft-perpetrator": ("air_drone_strike | شنت [طائرات مسيرة](PERPETRATOR) غارات على [الميادين](LOCATION).",
                             "air_drone_strike | شنت [طائرات مسيرة](WEAPON) تابعة [للتحالف الدولي](PERPETRATOR) "
                             "غارات على [الميادين](LOCATION)."),
    "unexplained-perpetrator": ("unexplained_explosion | دوى انفجار في موقع [للحرس الثوري](PERPETRATOR) "
                                "في [البوكمال](LOCATION).",
                                "unexplained_explosion | دوى انفجار في [موقع للحرس الثوري](TARGET) "
                                "في [البوكمال](LOCATION)."),
    "reaction-not-none": ("air_drone_strike | ودانت [الخارجية السورية](SOURCE) الغارات على [دير الزور](LOCATION).",
                          "none | ودانت [الخارجية السورية](SOURCE) الغارات على [دير الزور](LOCATION)."),
    "weapon-outside-span": ("shelling_missile_attack | وأصيب طفل بعد سقوط قذيفة على [منزل](TARGET) في [ذيبان](LOCATION).",
                            "shelling_missile_attack | وأصيب طفل بعد سقوط [قذيفة](WEAPON) على [منزل](TARGET) "
                            "في [ذيبان](LOCATION)."),
}


def _doc(bc: ModuleType, tmp_path: Path, *lines: str, name: str = "t-001"):
    path = tmp_path / f"{name}.txt"
    path.write_text(f"id: {name}\npublished: 2022-11-18\nsource: اختبار\n---\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")
    return bc.parse_document(path)


def test_every_required_check_exists_and_runs(bc, tmp_path):
    assert REQUIRED_RULES <= set(bc.CHECKS)
    doc = _doc(bc, tmp_path, *(bad for bad, _ in BAD_AND_GOOD.values()))
    found = {f.rule for fn in bc.CHECKS.values() for f in fn(doc)}
    assert found == set(BAD_AND_GOOD)


@pytest.mark.parametrize("rule", sorted(BAD_AND_GOOD))
def test_check_catches_bad_example_and_passes_good_one(bc, tmp_path, rule):
    bad, good = BAD_AND_GOOD[rule]
    findings = bc.CHECKS[rule](_doc(bc, tmp_path, bad))
    assert [f.rule for f in findings] == [rule]
    assert findings[0].doc_id == "t-001" and ":5" in findings[0].where
    assert bc.CHECKS[rule](_doc(bc, tmp_path, good)) == []


def test_label_conflict_check(bc, tmp_path):
    bad = _doc(bc, tmp_path, "seizure | سيطرت [قسد](PERPETRATOR) على [قاعدة حقل العمر](TARGET).",
               "none | وتقع [قاعدة حقل العمر](LOCATION) شرق النهر.")
    assert [(f.rule, f.surface) for f in bc.check_label_conflicts(bad)] == [("label-conflict", "قاعدة حقل العمر")]
    good = _doc(bc, tmp_path, "seizure | سيطرت [قسد](PERPETRATOR) على [قاعدة](TARGET) [حقل العمر](LOCATION).",
                "none | وتقع قاعدة [حقل العمر](LOCATION) شرق النهر.")
    assert bc.check_label_conflicts(good) == []


def test_location_edge_checks_the_word_after_and_bil_qurb_min(bc, tmp_path):
    doc = _doc(bc, tmp_path, "none | في [ريف دير الزور](LOCATION) الشرقي وبالقرب من [البوكمال](LOCATION).")
    assert sorted(f.surface for f in bc.check_location_edges(doc)) == ["الشرقي ريف دير الزور", "بالقرب من البوكمال"]
    ok = _doc(bc, tmp_path, "none | في [ريف دير الزور الشرقي](LOCATION) [وبالقرب من البوكمال](LOCATION).")
    assert bc.check_location_edges(ok) == []


def test_curly_quotes_count_as_pairs(bc):
    assert not bc.unbalanced_quotes("لـ”نورث برس”")
    assert not bc.unbalanced_quotes("شبكة «فرات بوست» المحلية")
    assert bc.unbalanced_quotes("شبكة «فرات بوست")


def test_allowlist_suppresses_reviewed_findings_and_reports_stale_ones(bc, tmp_path):
    bad, _ = BAD_AND_GOOD["weapon-outside-span"]
    cols = {"t": [_doc(bc, tmp_path, bad)]}
    problems, allowed = bc.review(cols, [])
    assert allowed == 0 and len(problems) == 1 and "[weapon-outside-span]" in problems[0]
    entries = bc.parse_allowlist("doc_id\trule\tsurface\treason\n"
                                 "t-001\tweapon-outside-span\tقذيفة\ta reviewed reason\n"
                                 "t-001\tlabel-conflict\tقسد\tno longer true\n")
    problems, allowed = bc.review(cols, entries)
    assert allowed == 1
    assert len(problems) == 1 and "stale entry" in problems[0]


@pytest.mark.parametrize("line", ["t-001\tweapon-outside-span\tقذيفة", "t-001\tno-such-rule\tx\treason",
                                  "t-001\tweapon-outside-span\tقذيفة\t "])
def test_allowlist_rejects_entries_without_reason_or_with_unknown_rule(bc, line):
    with pytest.raises(bc.CorpusError):
        bc.parse_allowlist(line + "\n")


def test_shipped_allowlist_entries_all_have_reasons(bc):
    entries = bc.load_allowlist()
    assert entries, "data/corpus/review_allowlist.tsv is missing or empty"
    assert all(len(e.reason.split()) >= 3 for e in entries)


def test_shipped_corpus_passes_every_check(bc):
    problems, allowed = bc.review(bc.load_all(), bc.load_allowlist())
    assert problems == [], "\n".join(problems[:20])
    assert allowed == len(bc.load_allowlist())


def test_draft_collections_pass_every_check_and_stay_out_of_the_splits(bc):
    """corpus/drafts/ (corpus v2, awaiting the second annotation) is checked like the sources, never built."""
    drafts = bc.load_all(root=bc.DRAFTS)
    assert len(drafts) == 4 and all(len(docs) == 30 for docs in drafts.values())
    _, problems = bc.compile_corpus(drafts)
    problems += bc.review(drafts, bc.load_allowlist())[0]
    assert problems == [], "\n".join(problems[:20])
    shipped = {json.loads(line)["doc_id"] for split in ("train", "dev", "test")
               for line in (bc.OUT / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()}
    assert not shipped & {d.doc_id for docs in drafts.values() for d in docs}


def test_annotation_scheme_copy_equals_shared_scheme():
    if not SHARED_SCHEME.exists():
        pytest.skip(f"{SHARED_SCHEME} is not present (the shared docs are only beside a development checkout)")
    assert SCHEME.read_bytes() == SHARED_SCHEME.read_bytes(), (
        f"docs/annotation-scheme.md differs from {SHARED_SCHEME}: copy it again"
    )


def test_make_corpus_is_byte_identical_when_run_twice(tmp_path):
    """`make corpus` (build_corpus + build_news_dump) on a copy of the sources: two runs, same bytes."""
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for rel in ("Makefile", "scripts/build_corpus.py", "scripts/build_news_dump.py", "data/README.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, tmp_path / rel)
    for rel in ("data/corpus/src", "data/samples/src"):
        shutil.copytree(REPO / rel, tmp_path / rel)
    shutil.copy(CORPUS / "review_allowlist.tsv", tmp_path / "data/corpus/review_allowlist.tsv")
    outputs = [*(f"data/corpus/{n}.jsonl" for n in SPLITS), "data/samples/news_dump.jsonl", "data/README.md"]

    def build() -> dict[str, bytes]:
        run = subprocess.run(["make", "-s", "corpus", f"PYTHON={sys.executable}"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, (run.stdout + run.stderr)[-2000:]
        return {rel: (tmp_path / rel).read_bytes() for rel in outputs}

    first = build()
    assert build() == first
    assert first["data/samples/news_dump.jsonl"] == DUMP.read_bytes()


def test_build_word_boundaries_agree_with_rasd_tokenizer(bc):
    """A span the build accepts is one `rasd validate` accepts: inner hyphens join words, as in rasd."""
    with pytest.raises(bc.CorpusError):
        bc.parse_sentence("[دمشق](LOCATION)-[سانا](SOURCE): قصف", "t")
    text, spans = bc.parse_sentence("[دمشق](LOCATION) - [سانا](SOURCE): قصف", "t")
    assert [text[s["start"]:s["end"]] for s in spans] == ["دمشق", "سانا"]
