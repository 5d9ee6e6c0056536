#!/usr/bin/env bash
# int8 / fp32 tracking on a pysot-format tracker with an RFN trained for it, from nothing:
#
#   1. seeded random ARCH weights written as a pysot model-zoo model.pth (bench/write_pysot_weights.py;
#      no trained model-zoo weights exist here, so the tracker follows no object),
#   2. a small generated training set and held-out sequences (rgbt-track make-sequences),
#   3. an RFN trained on that tracker through the pysot-format path (rgbt-track train-rfn --checkpoint),
#   4. bench/bench_precision.py over the held-out sequences: rgb, ir, fused l1, fused rfn in each
#      precision, with the IoU against the ground truth and the agreement with the fp32 boxes.
#
#   bash bench/precision_pysot.sh [ARCH] [WORK]          # ARCH: mobilev2 (default) or r50
#
# Settings (environment): VENV (.venv), THREADS (1), STEPS (100 RFN steps), BATCH (4), COUNT x LENGTH
# (4 x 30 held-out frames), TRAIN_COUNT x TRAIN_LENGTH (4 x 60 training frames), PRECISIONS ("fp32 int8").
# Everything is written under WORK (default work/precision_ARCH), which must be missing or empty.
# Time on the shared 2-core VM at one thread (docs/benchmarks.md): the RFN training alone took
# 9 min for mobilev2 with the defaults and 12 min for r50 with STEPS=20 COUNT=2 LENGTH=20
# TRAIN_COUNT=2 TRAIN_LENGTH=30; a smoke run (STEPS=2 BATCH=2 COUNT=1 LENGTH=5 TRAIN_COUNT=1
# TRAIN_LENGTH=10 THREADS=2) takes under a minute.
set -euo pipefail
case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    ""|mobilev2|r50) ;;
    *) echo "precision_pysot.sh: ARCH must be mobilev2 or r50, got '$1' (--help for usage)" >&2; exit 2 ;;
esac
ARCH=${1:-mobilev2}
WORK=${2:-work/precision_$ARCH}
VENV=${VENV:-.venv}
THREADS=${THREADS:-1}
STEPS=${STEPS:-100}
BATCH=${BATCH:-4}
COUNT=${COUNT:-4}
LENGTH=${LENGTH:-30}
TRAIN_COUNT=${TRAIN_COUNT:-4}
TRAIN_LENGTH=${TRAIN_LENGTH:-60}
PRECISIONS=${PRECISIONS:-fp32 int8}
PY="$VENV/bin/python"
TRACK="$VENV/bin/rgbt-track"

if [ -n "$(ls -A "$WORK" 2>/dev/null)" ]; then
    echo "precision_pysot.sh: $WORK is not empty" >&2
    exit 2
fi
mkdir -p "$WORK"
export OMP_NUM_THREADS=$THREADS
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc --all) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
grep -m1 'model name' /proc/cpuinfo || true
set -x
"$TRACK" make-sequences "$WORK/train" --count "$TRAIN_COUNT" --length "$TRAIN_LENGTH" --seed 1
"$TRACK" make-sequences "$WORK/val" --count "$COUNT" --length "$LENGTH" --seed 2
"$PY" bench/write_pysot_weights.py --arch "$ARCH" --seed 0 --calibration "$WORK/train" --out "$WORK/model.pth"
"$TRACK" train-rfn --arch "$ARCH" --checkpoint "$WORK/model.pth" --sequences "$WORK/train" \
    --val-sequences "$WORK/val" --val-frames 10 --max-steps "$STEPS" --batch-size "$BATCH" \
    --checkpoint-every "$STEPS" --device cpu --threads "$THREADS" --out "$WORK/rfn"
# shellcheck disable=SC2086  # PRECISIONS is a list
"$PY" bench/bench_precision.py "$WORK/val" --arch "$ARCH" --checkpoint "$WORK/model.pth" \
    --rfn-checkpoint "$WORK/rfn/rfn.pth" --precisions $PRECISIONS --device cpu --threads "$THREADS"
set +x
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
