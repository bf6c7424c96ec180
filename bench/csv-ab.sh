#!/usr/bin/env bash
# Alternated runs of bench/csv.sh (issue 14's import and export) with two
# or more server binaries, so that each figure has a partner measured a
# minute apart: this kind of machine drifts ±15 % between minutes, and one
# run of each build proves nothing.
#
#   bench/csv-ab.sh [ROUNDS] BINARY BINARY...    # ROUNDS: 3
#
# Build the binaries first (a base from a worktree, e.g.
# `git worktree add /tmp/base <commit> && (cd /tmp/base && go build -o
# /tmp/runway-base ./cmd/runway)`). Every csv.sh setting applies (N,
# RUNWAY_SQLITE_MMAP, BENCH_SKIP_EXPORT, --db is not passed: set BENCH_DB);
# the baselines are skipped. One line per run, then each binary's median.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3
if [[ ${1:-} =~ ^[0-9]+$ ]]; then ROUNDS=$1; shift; fi
[ $# -ge 2 ] || { echo "usage: bench/csv-ab.sh [ROUNDS] BINARY BINARY..." >&2; exit 2; }
OUT=${BENCH_OUT:-bench/out/csv-ab}
mkdir -p "$OUT"
: > "$OUT/runs"
for r in $(seq "$ROUNDS"); do
	for b in "$@"; do
		log=$(BENCH_SKIP_BASELINES=1 BENCH_RUNWAY="$b" BENCH_OUT="$OUT/run" bench/csv.sh 2>&1) || { echo "$log" >&2; exit 1; }
		imp=$(awk '/^import:/ { print $2 }' <<<"$log")
		exp=$(awk '/^export:/ { print $2 }' <<<"$log")
		hwm=$(awk '/peak RSS after/ { v = $5 } END { print v }' <<<"$log")
		echo "round $r $b: import ${imp} rows/s, export ${exp:--} rows/s, VmHWM ${hwm} MB"
		echo "$b ${imp} ${exp:-0} ${hwm}" >> "$OUT/runs"
	done
done
echo "medians over $ROUNDS rounds:"
for b in "$@"; do
	awk -v b="$b" '$1 == b { i[++n] = $2; e[n] = $3; h[n] = $4 }
		function med(a, n,   k, j, t) { for (k = 1; k <= n; k++) for (j = k + 1; j <= n; j++) if (a[j] < a[k]) { t = a[k]; a[k] = a[j]; a[j] = t }; return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		END { printf "  %s: import %.0f rows/s, export %.0f rows/s, VmHWM %.0f MB\n", b, med(i, n), med(e, n), med(h, n) }' "$OUT/runs"
done
