#!/usr/bin/env bash
# How many moderator decisions it takes to correct a systematic error of the default
# model. The probe set (tests/probes/friendly_fou.csv) is friendly "t'es fou / t'es
# folle" exclamations, which the default model flags. For each K given, the README's
# default training command is rerun with K of the `decide` rows added as `keep`
# decisions (--decisions-weight W), and the other 20 rows (`probe`, never trained on)
# are scored: how many are still flagged. The functional suite's accuracy shows what the
# correction costs elsewhere.
# Usage: scripts/decisions_flip.sh [K ...]   (default: 0 5 10 20; W from $WEIGHT, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${TAMIS_SHARED:-../shared}
W=${WEIGHT:-5}
KS=("$@")
[ ${#KS[@]} -gt 0 ] || KS=(0 5 10 20)
T=target/release/tamis
cargo build --release --quiet
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CORPUS=(data/corpus/politique.csv data/corpus/sport_local.csv data/corpus/societe.csv
  data/corpus/masques.csv data/corpus/fils.csv data/corpus/longs.csv data/corpus/insultes.csv
  data/corpus/haine.csv data/corpus/non_haine.csv data/corpus/accusations.csv
  data/corpus/menaces.csv data/corpus/registres.csv data/corpus/conversations.csv
  "$SHARED/corpora/mlma_fr/train.csv")
PROBES=tests/probes/friendly_fou.csv
python3 - "$PROBES" "$TMP" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
with open(f"{sys.argv[2]}/probe.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["id", "text", "review"])
    for r in rows:
        if r["split"] == "probe":
            w.writerow([r["id"], r["text"], "false"])
decide = [r for r in rows if r["split"] == "decide"]
for k in range(0, len(decide) + 1):
    with open(f"{sys.argv[2]}/decisions_{k}.csv", "w", newline="") as f:
        w = csv.writer(f); w.writerow(["id", "text", "decision"])
        for r in decide[:k]:
            w.writerow([r["id"], r["text"], "keep"])
PY
printf "%-4s %-9s %-22s %s\n" K weight "probes still flagged" "functional accuracy"
for k in "${KS[@]}"; do
  if [ "$k" -eq 0 ]; then
    M=()
  else
    "$T" train "${CORPUS[@]}" "$TMP/decisions_$k.csv" --decisions-weight "$W" \
      --out "$TMP/m_$k.json" >/dev/null 2>"$TMP/train_$k.log"
    M=(--model "$TMP/m_$k.json")
  fi
  flagged=$("$T" score "$TMP/probe.csv" --format jsonl "${M[@]}" | grep -c '"review":true' || true)
  acc=$("$T" eval tests/functional/cases.csv --format json "${M[@]}" 2>/dev/null \
    | python3 -c 'import json,sys; c=json.load(sys.stdin)["labels"][0]["confusion"]; print(round((c["tp"]+c["tn"])/sum(c.values()), 3))' 2>/dev/null || echo "?")
  printf "%-4s %-9s %-22s %s\n" "$k" "$W" "$flagged / 20" "$acc"
done
