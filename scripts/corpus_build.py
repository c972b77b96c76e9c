#!/usr/bin/env python3
"""Builds one corpus section (data/corpus/NAME.csv) from the JSONL batches its writer made.

Usage: python3 scripts/corpus_build.py SRC_DIR OUT.csv PREFIX [--check-only]

Each line of SRC_DIR/*.jsonl (read in file-name order) is one comment:
  {"text": "...", "review": true|false, "reasons": ["insult", ...],
   "register": "news"|"forum"|"social"|"community", "phenomenon": "short_snake_case",
   "thread": "t01", "key": "a", "parent": "a"}          # last three only for thread rows
`thread` groups rows of one conversation (unique within the section), `key` names a row
inside its thread and `parent` the key of the row it answers. Ids are assigned here
(PREFIX-00001, ...), so writers never number rows by hand.

Checks (the build fails with FILE:LINE on the first error): valid JSON, non-empty text,
known reasons and registers, review=false has no reasons, review=true has at least one,
parents exist earlier in the same thread, no text twice in the section nor in any other
data/corpus/*.csv. Prints counts per register, reason and phenomenon.
"""
import collections
import csv
import glob
import json
import os
import re
import sys

REASONS = ["insult", "masked_slur", "accusation", "hate", "threat"]
REGISTERS = ["news", "forum", "social", "community"]


def norm(t):
    return re.sub(r"\s+", " ", t.strip().lower())


def fail(msg):
    sys.exit(f"corpus_build: {msg}")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check_only = "--check-only" in sys.argv
    if len(args) != 3:
        fail("usage: corpus_build.py SRC_DIR OUT.csv PREFIX [--check-only]")
    src, out, prefix = args
    corpus_dir = os.path.dirname(os.path.abspath(out))
    seen_elsewhere = {}
    for path in sorted(glob.glob(os.path.join(corpus_dir, "*.csv"))):
        if os.path.abspath(path) == os.path.abspath(out):
            continue
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                seen_elsewhere[norm(row["text"])] = os.path.basename(path)
    rows, seen = [], {}
    threads = collections.defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(src, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                where = f"{os.path.basename(path)}:{n}"
                if not line.strip():
                    continue
                try:
                    o = json.loads(line)
                except json.JSONDecodeError as e:
                    fail(f"{where}: bad JSON: {e}")
                text = o.get("text")
                if not isinstance(text, str) or not text.strip():
                    fail(f"{where}: empty or missing text")
                review = o.get("review")
                if not isinstance(review, bool):
                    fail(f"{where}: review must be true or false")
                reasons = o.get("reasons") or []
                if isinstance(reasons, str):
                    reasons = [r for r in reasons.split("|") if r]
                for r in reasons:
                    if r not in REASONS:
                        fail(f"{where}: unknown reason {r!r}")
                if not review and reasons:
                    fail(f"{where}: review is false but reasons are given")
                if review and not reasons:
                    fail(f"{where}: review is true but no reason is given")
                reg = o.get("register")
                if reg not in REGISTERS:
                    fail(f"{where}: register must be one of {REGISTERS}")
                phen = o.get("phenomenon")
                if not isinstance(phen, str) or not re.fullmatch(r"[a-z0-9_]+", phen):
                    fail(f"{where}: phenomenon must be snake_case")
                k = norm(text)
                if k in seen:
                    fail(f"{where}: same text as {seen[k]}")
                if k in seen_elsewhere:
                    fail(f"{where}: same text already in {seen_elsewhere[k]}")
                seen[k] = where
                rid = f"{prefix}-{len(rows) + 1:05d}"
                thread, parent_id = o.get("thread") or "", ""
                if thread:
                    thread = f"{prefix}-{thread}"
                    key = o.get("key")
                    if key is not None:
                        if key in threads[thread]:
                            fail(f"{where}: key {key!r} twice in thread {thread}")
                        threads[thread][key] = rid
                    parent = o.get("parent")
                    if parent:
                        if parent not in threads[thread]:
                            fail(f"{where}: parent {parent!r} not earlier in thread {thread}")
                        parent_id = threads[thread][parent]
                ordered = [r for r in REASONS if r in reasons]
                rows.append([rid, text.strip(), "true" if review else "false",
                             "|".join(ordered), thread, parent_id, reg, phen])
    if not rows:
        fail(f"no rows in {src}/*.jsonl")
    if not check_only:
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "text", "review", "reasons", "thread", "parent", "register", "phenomenon"])
            w.writerows(rows)
        os.replace(tmp, out)
    by_reg = collections.Counter((r[6], r[2]) for r in rows)
    by_reason = collections.Counter(x for r in rows for x in r[3].split("|") if x)
    by_phen = collections.Counter((r[7], r[2]) for r in rows)
    print(f"{len(rows)} rows -> {out}{' (check only)' if check_only else ''}")
    for reg in REGISTERS:
        print(f"  {reg:10} review true {by_reg[(reg, 'true')]:5}  false {by_reg[(reg, 'false')]:5}")
    print("  reasons: " + ", ".join(f"{r} {by_reason[r]}" for r in REASONS))
    for (p, rv), c in sorted(by_phen.items()):
        print(f"  {p:40} {rv:5} {c}")


if __name__ == "__main__":
    main()
