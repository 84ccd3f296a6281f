#!/usr/bin/env python3
"""Assemble the unlabelled sample news dump from its hand-written sources.

Sources live in `data/samples/src/<batch>/<id>.txt`: a header (`id`, `title`,
`published`, `source`), a `---` line, then the article body exactly as it should
appear in the dump (paragraphs separated by blank lines; an empty body is allowed
on purpose, real dumps have them). Output: `data/samples/news_dump.jsonl`, one
JSON object per document with `id, title, text, published, source`.

Only the standard library is used. Usage: python scripts/build_news_dump.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "data" / "samples" / "src"
OUT = ROOT / "data" / "samples" / "news_dump.jsonl"
KEYS = ("id", "title", "published", "source")


def parse(path: Path) -> dict:
    lines = path.read_text(encoding="utf-8").split("\n")
    if "---" not in lines:
        raise ValueError(f"{path}: missing '---' line between header and body")
    sep = lines.index("---")
    doc: dict = {}
    for n, line in enumerate(lines[:sep], start=1):
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        key = key.strip()
        if key not in KEYS:
            raise ValueError(f"{path}:{n}: unknown header key {key!r} (expected {KEYS})")
        doc[key] = value.strip()
    for key in KEYS:
        if key not in doc:
            raise ValueError(f"{path}: header lacks {key!r}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?", doc["published"]):
        raise ValueError(f"{path}: published must be YYYY-MM-DD or 'YYYY-MM-DD HH:MM'")
    body = "\n".join(lines[sep + 1 :]).strip("\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    doc["text"] = "\n\n".join(paragraphs)
    return {k: doc[k] for k in ("id", "title", "text", "published", "source")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="parse only; write nothing")
    args = ap.parse_args(argv)
    docs, errors, seen = [], [], set()
    for path in sorted(SRC.glob("*/*.txt")):
        try:
            d = parse(path)
        except ValueError as e:
            errors.append(str(e))
            continue
        if d["id"] in seen:
            errors.append(f"{path}: duplicate id {d['id']}")
        seen.add(d["id"])
        docs.append(d)
    for e in errors:
        print(e, file=sys.stderr)
    words = [len(d["text"].split()) for d in docs]
    print(
        f"{len(docs)} documents; {sum(words)} words; longest {max(words, default=0)}; "
        f"over 1500 words: {sum(w > 1500 for w in words)}; empty: {sum(w == 0 for w in words)}"
    )
    if errors:
        return 1
    if not args.check:
        with open(OUT, "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
