#!/usr/bin/env bash
# Side-by-side benchmark of tamis and the scikit-learn baseline (../shared/baselines/tfidf_lr.py),
# same files, same run: training time, quality (seed comments, MLMA test set, the functional
# suite), scoring throughput on a 1M-comment JSONL stream (one core and all cores) and peak
# memory. The training files are the README's (our corpus plus MLMA train.csv).
# Usage: scripts/bench.sh [N_STREAM]   (needs ../shared, python3; installs scikit-learn if missing)
#        SCORING_ONLY=1 scripts/bench.sh [N]: throughput and peak memory only, on the shipped model
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${TAMIS_SHARED:-../shared}
N=${1:-1000000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cargo build --release --quiet
T=target/release/tamis
CORPUS=(data/corpus/politique.csv data/corpus/sport_local.csv data/corpus/societe.csv
  data/corpus/masques.csv data/corpus/fils.csv data/corpus/longs.csv data/corpus/insultes.csv
  data/corpus/haine.csv data/corpus/non_haine.csv data/corpus/accusations.csv
  data/corpus/menaces.csv data/corpus/registres.csv data/corpus/conversations.csv
  "$SHARED/corpora/mlma_fr/train.csv")

peak() { grep "Maximum resident" "$1" | awk '{printf "%.1f MiB", $6/1024}'; }
secs() { grep "Elapsed (wall" "$1" | awk '{print $8}'; }

python3 - "$SHARED" "$W" "$N" "${CORPUS[@]}" <<'PY'
import csv, json, sys
shared, w, n, corpus = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
# Our corpus as one text,review table for the baseline.
with open(f"{w}/corpus.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["text", "review"])
    for p in corpus:
        for r in csv.DictReader(open(p, newline="")):
            out.writerow([r["text"], r["review"] if "review" in r else r["label"]])
# MLMA test set and the seed labels with a `review` column.
with open(f"{w}/mlma_test.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["id", "text", "review"])
    for r in csv.DictReader(open(f"{shared}/corpora/mlma_fr/test.csv", newline="")):
        out.writerow([r["id"], r["text"], r["label"]])
with open(f"{w}/seeds.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["text", "review"])
    for r in csv.DictReader(open(f"{shared}/seeds/labels.csv", newline="")):
        out.writerow([r["text"], r["review"]])
# The functional suite.
with open(f"{w}/functional.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["functionality", "text", "review"])
    for r in csv.DictReader(open("tests/functional/cases.csv", newline="")):
        out.writerow([r["functionality"], r["text"], r["review"]])
# The 1M-comment stream: MLMA texts cycled.
texts = [r["text"] for r in csv.DictReader(open(f"{shared}/corpora/mlma_fr/all.csv", newline=""))]
with open(f"{w}/stream.jsonl", "w") as f:
    for i in range(n):
        f.write(json.dumps({"id": str(i), "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")
PY
if [ -n "${SCORING_ONLY:-}" ]; then
  # Throughput only (no training, no quality): the shipped model on the same stream.
  cp models/default.json "$W/model.json"
else
echo "== training on our corpus ($(($(cat "$W/corpus.csv" | python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(sys.stdin)))') - 1)) rows)"
/usr/bin/time -v "$T" train "${CORPUS[@]}" --by register --out "$W/model.json" > "$W/train.out" 2> "$W/train.time" || { cat "$W/train.time"; exit 1; }
cat "$W/train.out"
if cmp -s "$W/model.json" models/default.json; then
  echo "retrained model is byte-identical to models/default.json"
else
  echo "retrained model DIFFERS from models/default.json"
fi
echo "tamis train: $(secs "$W/train.time") wall, peak $(peak "$W/train.time") (review: 3 alphas x 4 folds; reasons: 4 folds each; 6 final fits; 2 cores)"
/usr/bin/time -v python3 "$SHARED/baselines/tfidf_lr.py" "$W/corpus.csv" "$W/seeds.csv" > "$W/base_seeds.out" 2> "$W/base_seeds.time"
echo "baseline fit: $(grep fit_seconds "$W/base_seeds.out")  (one fit, no CV)"

echo "== quality on the seed comments (thread mode)"
"$T" eval "$SHARED/seeds/labels.csv" --model "$W/model.json" --id-column index --thread-column seed
echo "-- baseline trained on the same corpus, on the seed comments:"
grep -E "precision|recall|^f1|macro|roc" "$W/base_seeds.out"

echo "== out of domain: MLMA test.csv (toxic ~ review)"
"$T" eval "$W/mlma_test.csv" --model "$W/model.json" | head -3
python3 "$SHARED/baselines/tfidf_lr.py" "$W/corpus.csv" "$W/mlma_test.csv" > "$W/base_mlma.out"
echo "baseline (same corpus): $(grep -E "^(precision|recall|f1|macro_f1|roc_auc)" "$W/base_mlma.out" | tr '\n' ' ')"

echo "== the functional suite (tests/functional/cases.csv, never trained on)"
"$T" eval tests/functional/cases.csv --model "$W/model.json" --by functionality | tail -n 46
python3 - "$SHARED" "$W" <<'PY'
# The baseline on the same suite: fitted on the same corpus, accuracy per functionality.
import collections, csv, sys
shared, w = sys.argv[1], sys.argv[2]
sys.path.insert(0, f"{shared}/baselines")
import tfidf_lr
texts, labels = tfidf_lr.load(f"{w}/corpus.csv", "review")
model = tfidf_lr.make_model().fit(texts, labels)
rows = list(csv.DictReader(open(f"{w}/functional.csv", newline="")))
pred = model.predict([r["text"] for r in rows])
ok, n = collections.Counter(), collections.Counter()
for r, p in zip(rows, pred):
    n[r["functionality"]] += 1
    ok[r["functionality"]] += int(p == (r["review"] == "true"))
acc = sum(ok.values()) / len(rows)
mean = sum(ok[k] / n[k] for k in n) / len(n)
print(f"baseline (same corpus) on the functional suite: accuracy {acc:.3f} (mean over {len(n)} functionalities {mean:.3f})")
PY

fi

echo "== scoring throughput, $N comments (JSONL stream, jsonl out)"
# One core means one CPU: the process is pinned with taskset (RAYON_NUM_THREADS=1 alone
# still lets the reading thread and the worker run side by side on two cores).
PIN=; if command -v taskset >/dev/null 2>&1; then PIN="taskset -c 0"; fi
for cores in 1 all; do
  if [ "$cores" = 1 ]; then export RAYON_NUM_THREADS=1; P=$PIN; else unset RAYON_NUM_THREADS; P=; fi
  /usr/bin/time -v $P "$T" score "$W/stream.jsonl" --model "$W/model.json" --format jsonl > /dev/null 2> "$W/score.time"
  s=$(python3 -c "import sys; t='$(secs "$W/score.time")'.split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(t))))")
  echo "tamis ($cores core(s)): $(python3 -c "print(f'{$N/$s:,.0f}')") comments/s ($s s), peak $(peak "$W/score.time")"
done
unset RAYON_NUM_THREADS
for cores in 1 all; do
  if [ "$cores" = 1 ]; then P=$PIN; else P=; fi
  /usr/bin/time -v $P python3 "$SHARED/baselines/tfidf_lr.py" "$W/corpus.csv" "$W/mlma_test.csv" --stream "$N" > "$W/base_stream.out" 2> "$W/base_stream.time"
  echo "baseline ($cores core(s), 1 process): $(grep stream "$W/base_stream.out"), peak $(peak "$W/base_stream.time") (includes its fit)"
done
