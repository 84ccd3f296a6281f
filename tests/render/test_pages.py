"""`rasd render` end to end on predictions built from the gold corpus (no model), and the errors page."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from gold import gold_documents
from htmlspans import inside, parse, spans

from rasd.cli import build_parser, main
from rasd.data.formats import read_records
from rasd.evaluation.errors import CharSpan, event_error, slot_errors
from rasd.incidents import incidents_from_documents, write_incidents
from rasd.render.pages import DEFAULT_LIMIT, render_errors, render_predictions

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gold(tmp_path_factory):
    """(folder, [(dump row, prediction)]) with dump.jsonl and predictions.jsonl written in it."""
    folder = tmp_path_factory.mktemp("render")
    docs = gold_documents(read_records(REPO / "data/corpus/test.jsonl"))
    with open(folder / "dump.jsonl", "w", encoding="utf-8") as d, open(folder / "predictions.jsonl", "w", encoding="utf-8") as p:
        for row, doc in docs:
            d.write(json.dumps(row, ensure_ascii=False) + "\n")
            p.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
    return folder, docs


def _articles(html: str):
    """All elements, and (article, the elements within it) per document."""
    elements = parse(html)
    return elements, [(e, inside(elements, e)) for e in elements if e.tag == "article"]


def test_cli_round_trip_every_document_and_span(gold, capsys):
    folder, docs = gold
    out = folder / "view.html"
    assert main(["render", str(folder / "predictions.jsonl"), "-o", str(out), "--texts", str(folder / "dump.jsonl")]) == 0
    assert f"wrote {out}: {len(docs)} of {len(docs)} document(s)" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">') and "<script" not in html
    assert "http://" not in html and "https://" not in html and "url(" not in html  # nothing fetched
    elements, articles = _articles(html)
    assert [a.attrs["data-id"] for a, _ in articles] == [doc.id for _, doc in docs]
    for (_, within), (row, doc) in zip(articles, docs, strict=True):
        text_div = next(e for e in within if e.tag == "div" and "text" in e.classes)
        assert text_div.text == row["text"]
        found = spans(within)
        assert [s[:3] for s in found] == [(x.start, x.end, x.label) for s in doc.sentences for x in s.slots]
        assert all(t == row["text"][a:b] for a, b, _, t in found)
    legend = next(e for e in elements if "legend" in e.classes)
    n_locations = sum(x.label == "LOCATION" for _, d in docs for s in d.sentences for x in s.slots)
    assert f"LOCATION {n_locations}" in legend.text
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_without_texts_the_sentences_are_shown_and_the_default_name_is_used(gold):
    folder, docs = gold
    result = render_predictions(folder / "predictions.jsonl")
    assert result.output == folder / "predictions.html" and result.shown == len(docs)
    _, articles = _articles(result.output.read_text(encoding="utf-8"))
    for (_, within), (row, doc) in zip(articles, docs, strict=True):
        assert all(t == row["text"][a:b] for a, b, _, t in spans(within))
        sents = [e for e in within if "sent" in e.classes]
        assert [e.text for e in sents] == [s.text for s in doc.sentences]


def test_limit_filters_and_scores(gold):
    folder, docs = gold
    assert build_parser().parse_args(["render", "x.jsonl"]).limit == DEFAULT_LIMIT
    result = render_predictions(folder / "predictions.jsonl", folder / "few.html", limit=3)
    assert (result.shown, result.truncated) == (3, True)
    assert "stopped at --limit" in result.summary()
    assert len(_articles((folder / "few.html").read_text(encoding="utf-8"))[1]) == 3

    strikes = [doc.id for _, doc in docs if any(s.event_type == "air_drone_strike" for s in doc.sentences)]
    assert 0 < len(strikes) < len(docs)
    result = render_predictions(folder / "predictions.jsonl", folder / "strikes.html", texts=folder / "dump.jsonl",
                                event_types=["air_drone_strike"])
    assert result.shown == len(strikes) and result.filtered == len(docs) - len(strikes)
    _, articles = _articles((folder / "strikes.html").read_text(encoding="utf-8"))
    assert [a.attrs["data-id"] for a, _ in articles] == strikes
    for _, within in articles:
        for e in within:
            if "sent" in e.classes and e.attrs.get("data-event") not in (None, "none"):
                shown = e.attrs["data-event"] == "air_drone_strike"
                assert ("ev" in e.classes) == shown and ("off" in e.classes) == (not shown)

    result = render_predictions(folder / "predictions.jsonl", folder / "none.html", min_score=1.5)
    assert result.shown == 0 and "no document passed the filters; event types in the file: " in result.summary()


def test_incident_rows_stand_above_the_text(gold, tmp_path):
    folder, docs = gold
    incidents = incidents_from_documents([doc for _, doc in docs])
    assert incidents
    table = tmp_path / "incidents.csv"
    write_incidents(incidents, table)
    render_predictions(folder / "predictions.jsonl", tmp_path / "view.html", texts=folder / "dump.jsonl",
                       incidents=table)
    _, articles = _articles((tmp_path / "view.html").read_text(encoding="utf-8"))
    by_doc = {}
    for inc in incidents:
        by_doc.setdefault(inc.doc_id, []).append(inc)
    for article, within in articles:
        tags = [e.tag for e in within]
        expected = by_doc.get(article.attrs["data-id"], [])
        assert tags.count("tr") == (len(expected) + 1 if expected else 0)
        if expected:
            assert tags.index("table") < next(i for i, e in enumerate(within) if "text" in e.classes)
            cells = [e.text for e in within if e.tag == "td"]
            assert all(inc.event_type in cells for inc in expected)


def test_output_never_replaces_an_input_and_failures_leave_nothing(gold, tmp_path, capsys):
    folder, _ = gold
    pred = tmp_path / "p.jsonl"
    pred.write_bytes((folder / "predictions.jsonl").read_bytes())
    before = pred.read_bytes()
    (tmp_path / "link.html").symlink_to(pred)
    for output in (pred, tmp_path / "." / "p.jsonl", tmp_path / "link.html"):
        assert main(["render", str(pred), "-o", str(output)]) == 1
        assert "never overwrites its input" in capsys.readouterr().err
    assert main(["render", str(pred), "-o", str(tmp_path / "x.html"), "--texts", str(pred)]) == 1  # not a dump
    assert main(["render", str(pred), "--texts", str(folder / "dump.jsonl"), "-o", str(folder / "dump.jsonl")]) == 1
    assert pred.read_bytes() == before

    old = tmp_path / "old.html"
    old.write_text("the previous page", encoding="utf-8")
    wrong = tmp_path / "wrong.jsonl"  # same ids, other texts: the offsets do not fit
    rows = [json.loads(line) for line in (folder / "dump.jsonl").read_text(encoding="utf-8").splitlines()]
    wrong.write_text("".join(json.dumps({**r, "text": "نص آخر. " + r["text"]}, ensure_ascii=False) + "\n"
                             for r in rows), encoding="utf-8")
    assert main(["render", str(pred), "--texts", str(wrong), "-o", str(old)]) == 1
    err = capsys.readouterr().err
    assert f"{pred}:1: document" in err and "does not match" in err and "Traceback" not in err
    assert old.read_text(encoding="utf-8") == "the previous page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.html", "old.html", "p.jsonl", "wrong.jsonl"]


def test_bad_input_is_one_line_naming_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "sentences": []}\n{"id": "b", "sentences": [{"start": 0}]}\n', encoding="utf-8")
    assert main(["render", str(bad)]) == 1
    assert f"{bad}:2: not a document prediction" in capsys.readouterr().err
    assert not (tmp_path / "bad.html").exists()
    assert main(["render"]) == 1 and "give either PREDICTIONS.jsonl or --errors" in capsys.readouterr().err
    assert main(["render", str(bad), "--limit", "-1"]) == 1


# --- errors --------------------------------------------------------------------------------------

T1 = "قصفت طائرة مسيرة موقعا قرب الميادين"  # words: 0-4 5-10 11-16 17-22 23-26 27-35
T2 = "اشتباكات في دير الزور <مساء> & \"أمس\""


def _span(start, end, label):
    return CharSpan(start, end, label, (0, 0))


def error_rows() -> list[dict]:
    rows = slot_errors("s1", T1, [_span(5, 16, "WEAPON"), _span(27, 35, "LOCATION"), _span(0, 4, "TIME")],
                       [_span(5, 10, "WEAPON"), _span(27, 35, "TARGET"), _span(17, 22, "TARGET")])
    rows += slot_errors("s2", T2, [_span(12, 21, "LOCATION")], [_span(22, 29, "TIME")])
    rows.append(event_error("s2", T2, ["armed_clash"], ["none"], multi_label=False, score=0.61))
    return rows


def test_errors_page_groups_kinds_with_counts_and_styles(tmp_path, capsys):
    rows = error_rows()
    kinds = [r["kind"] for r in rows]
    assert sorted(set(kinds)) == ["boundary", "event", "label", "missed", "spurious"]
    errors = tmp_path / "eval" / "errors.jsonl"
    errors.parent.mkdir()
    errors.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert main(["render", "--errors", str(errors.parent), "-o", str(tmp_path / "errors.html")]) == 0
    assert f"{len(rows)} of {len(rows)} error row(s)" in capsys.readouterr().out
    elements = parse((tmp_path / "errors.html").read_text(encoding="utf-8"))
    sections = [e for e in elements if e.tag == "section" and "kind" in e.classes]
    order = ["event", "missed", "spurious", "boundary", "label"]
    assert [s.attrs["id"] for s in sections] == [f"kind-{k}" for k in order]
    headings = [e.text for e in elements if e.tag == "h2"]
    assert headings == [f"{k} ({kinds.count(k)})" for k in order]
    errs = [e for e in elements if "err" in e.classes]
    assert [next(c for c in e.classes if c.startswith("k-")) for e in errs] == [f"k-{k}" for k in order
                                                                                 for _ in range(kinds.count(k))]
    # each row: gold line above predicted line, each span holding its sentence's characters
    for row, err in zip(sorted(rows, key=lambda r: order.index(r["kind"])), errs, strict=True):
        lines = [e for e in inside(elements, err) if "line" in e.classes]
        assert [sorted(e.classes) for e in lines] == [["gold", "line"], ["line", "pred"]]
        assert [e.text for e in lines] == ["gold" + row["text"], "pred" + row["text"]]
        for line, who in zip(lines, ("gold", "pred"), strict=True):
            found = spans(inside(elements, line))
            value = row[who] if row["kind"] != "event" else None
            assert found == ([(value["start"], value["end"], value["label"], row["text"][value["start"]:value["end"]])]
                                 if value else [])
    legend = next(e for e in elements if "legend" in e.classes)
    assert all(f"{k} {kinds.count(k)}" in legend.text for k in order)

    result = render_errors(errors, tmp_path / "two.html", limit=1)
    assert result.shown == len(order) and result.truncated
    assert "more not shown" in (tmp_path / "two.html").read_text(encoding="utf-8")


def test_an_empty_errors_file_and_the_wrong_file(tmp_path, capsys):
    empty = tmp_path / "errors.jsonl"
    empty.write_text("", encoding="utf-8")
    assert render_errors(empty).shown == 0
    assert "No errors" in (tmp_path / "errors.html").read_text(encoding="utf-8")
    pred = tmp_path / "p.jsonl"
    pred.write_text('{"id": "a", "sentences": []}\n', encoding="utf-8")
    assert main(["render", "--errors", str(pred)]) == 1
    assert "this is a prediction, not an error row: drop --errors" in capsys.readouterr().err
    assert main(["render", "--errors", str(empty), "--texts", "x.jsonl"]) == 1


@pytest.mark.slow
def test_evaluate_output_writes_the_errors_page(tiny_model_dir, tmp_path):
    from rasd.evaluation.evaluate import evaluate

    result = evaluate(tiny_model_dir, REPO / "data/corpus/test.jsonl", output_dir=tmp_path, device="cpu")
    assert result.files["errors_html"] == str(tmp_path / "errors.html")
    elements = parse((tmp_path / "errors.html").read_text(encoding="utf-8"))
    counts = {k: n for k, n in result.error_counts.items() if n}
    assert [e.text for e in elements if e.tag == "h2"] == [f"{k} ({n})" for k, n in counts.items()]
    assert sum("err" in e.classes for e in elements) == sum(min(n, 200) for n in counts.values())
    assert os.path.getsize(tmp_path / "errors.html") > 0
