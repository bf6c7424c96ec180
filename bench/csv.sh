#!/usr/bin/env bash
# CSV import and export benchmark (issue 14): N demo companies imported
# with `runway import` into an empty server, then exported with `runway
# export`; rows/s of each and the server's peak RSS (VmHWM). Baselines
# measured in the same run, on another fresh server: the same number of
# companies created through the REST API (bench/seed, 8 clients), then read
# back a page of 1,000 at a time (GET /data/companies, native JSON).
#
#   bench/csv.sh                       # N=100000, SQLite
#   N=1000000 bench/csv.sh
#   bench/csv.sh --db postgres://postgres@127.0.0.1:5432/runway_csv_bench?sslmode=disable
#                                      # that database is dropped and created afresh
#
# BENCH_SKIP_BASELINES=1 skips the two REST baselines (while iterating),
# BENCH_SKIP_EXPORT=1 the export;
# BENCH_PPROF=ADDR serves the server's pprof there (e.g. 127.0.0.1:6060);
# BENCH_CPUPROFILE=FILE (with BENCH_PPROF) writes there a CPU profile of the
# server's first BENCH_CPUPROFILE_SECONDS (20) of the import. BENCH_RUNWAY=BINARY runs that binary
# instead of building one (a base build beside the branch, in the same run).
#
# Everything it writes goes to bench/out/csv (gitignored); it stops the
# server it started when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${BENCH_DB:-}
while [ $# -gt 0 ]; do
	case $1 in
	--db) DB=$2; shift 2 ;;
	--db=*) DB=${1#--db=}; shift ;;
	*) echo "csv.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
N=${N:-100000}
ADDR=${BENCH_RUNWAY_ADDR:-127.0.0.1:$((20000 + $$ % 10000))}
OUT=${BENCH_OUT:-bench/out/csv}
API=http://$ADDR/dev/runtime/api
rm -rf "$OUT" && mkdir -p "$OUT"

if [ -n "${BENCH_RUNWAY:-}" ]; then
	cp "$BENCH_RUNWAY" "$OUT/runway"
else
	go build -o "$OUT/runway" ./cmd/runway
fi

# The demo's companies: every column kind the demo has (text, choice,
# integer, boolean, nested, multi-valued nested, bigNumber, longText,
# dateTime).
awk -v n="$N" 'BEGIN {
	print "name,state,type,numberOfEmployees,isCustomer,contactInformation.email,addresses[0].addressLine,addresses[0].city,addresses[0].state,addresses[0].zipCode,rating,notes,lastMeeting"
	split("active pending inactive", st, " "); split("a b c", ty, " ")
	for (i = 0; i < n; i++) {
		printf "Company %07d,%s,%s,%d,%s,info%d@example.org,%d Main St,Springfield,IL,%05d,%d.%02d,\"Note of company %d, with a comma\",2024-05-%02dT10:30:00.000Z\n",
			i, st[i%3+1], ty[i%3+1], i%5000, (i%2 ? "true" : "false"), i, i%999, i%99999, i%100, i%100, i, i%28+1
	}
}' > "$OUT/companies.csv"
SIZE=$(stat -c %s "$OUT/companies.csv")
echo "file: $N rows, $SIZE bytes"

if [ -n "$DB" ]; then
	admin=${DB%/*}/postgres?sslmode=disable
	name=${DB##*/}; name=${name%%\?*}
	DBFLAG=(--db "$DB")
else
	DBFLAG=()
fi
export RUNWAY_ADMIN_PASSWORD=bench-password-1
PPROF=()
PID=
start() { # start DATA_DIR: a fresh server (the database afresh on PostgreSQL too)
	if [ -n "$DB" ]; then
		psql "$admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
	fi
	"$OUT/runway" serve --data "$1" --addr "$ADDR" --log-level warn "${DBFLAG[@]}" "${PPROF[@]}" 2>"$1.log" &
	PID=$!
	for _ in $(seq 100); do curl -fs "http://$ADDR/readyz" >/dev/null && break; sleep 0.2; done
}
stop() {
	[ -n "${SAMPLER:-}" ] && kill "$SAMPLER" 2>/dev/null
	kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true
}
# sample: the server's peak anonymous memory (RssAnon, sampled every 0.2 s)
# goes to $OUT/anon. VmHWM counts the database file's pages read through
# SQLite's memory map too (page cache the kernel may drop at will).
sample() {
	(
		peak=0
		while a=$(awk '/RssAnon/ { print $2 }' /proc/$PID/status 2>/dev/null) && [ -n "$a" ]; do
			[ "$a" -gt "$peak" ] && peak=$a && echo "$peak" > "$OUT/anon"
			sleep 0.2
		done
	) &
	SAMPLER=$!
}
rss() { awk -v anon="$(cat "$OUT/anon" 2>/dev/null || echo 0)" '/VmHWM/ { printf "%.0f MB (VmHWM); anonymous memory peak %.0f MB", $2 / 1024, anon / 1024 }' /proc/$PID/status; }
trap stop EXIT

now() { date +%s.%N; }
# cpu: the server's CPU seconds so far (user + system): on a shared
# machine rows per CPU second say more than rows per second.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' /proc/$PID/stat; }
cpurate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f rows per server CPU second (%.1f CPU s)", n / (b - a), b - a }'; }
# written: bytes the server has written so far (write syscalls: the WAL,
# the checkpoints into the database file, the uploaded file).
written() { awk '/^wchar/ { print $2 }' /proc/$PID/io; }
mb() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f MB", (b - a) / 1048576 }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

if [ -z "${BENCH_SKIP_BASELINES:-}" ]; then
go build -o "$OUT/seed" ./bench/seed
start "$OUT/base"
t0=$(now)
"$OUT/seed" -api "$API" -password "$RUNWAY_ADMIN_PASSWORD" -n "$N" -c 8 -ids "$OUT/ids.txt" -token "$OUT/token" >"$OUT/seed.log"
t1=$(now)
echo "baseline REST creates (8 clients): $(rate "$N" "$t0" "$t1") rows/s"
t0=$(now)
python3 - "$API" "$(cat "$OUT/token")" <<'PY'
import json, sys, urllib.request
api, tok, off, n = sys.argv[1], sys.argv[2], None, 0
while True:
    url = api + "/data/companies?_size=1000" + ("&_offset=" + off if off else "")
    with urllib.request.urlopen(urllib.request.Request(url, headers={"token": tok})) as r:
        p = json.load(r)
    n += len(p["items"])
    off = p.get("offset")
    if not off:
        break
print(n, file=sys.stderr)
PY
t1=$(now)
echo "baseline REST reads (pages of 1,000): $(rate "$N" "$t0" "$t1") rows/s"
stop
fi
if [ -n "${BENCH_PPROF:-}" ]; then PPROF=(--pprof "$BENCH_PPROF"); fi
start "$OUT/data"
sample

CLI=("$OUT/runway")
AUTH=(--url "$API" --email admin@localhost)
export RUNWAY_PASSWORD=bench-password-1
PROF=
if [ -n "${BENCH_CPUPROFILE:-}" ]; then
	curl -s -o "$BENCH_CPUPROFILE" "http://$BENCH_PPROF/debug/pprof/profile?seconds=${BENCH_CPUPROFILE_SECONDS:-20}" &
	PROF=$!
fi
c0=$(cpu)
w0=$(written)
t0=$(now)
"${CLI[@]}" import "${AUTH[@]}" --entity companies --poll 200ms "$OUT/companies.csv" 2>"$OUT/import.log"
t1=$(now)
echo "import: $(rate "$N" "$t0" "$t1") rows/s ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, upload included)"
c1=$(cpu)
echo "  $(cpurate "$N" "$c0" "$c1")"
echo "  written by the server: $(mb "$w0" "$(written)")"
echo "  peak RSS after import: $(rss)"
if [ -n "$PROF" ]; then
	wait "$PROF"
	curl -s -o "$BENCH_CPUPROFILE.allocs" "http://$BENCH_PPROF/debug/pprof/allocs"
	echo "  CPU profile: $BENCH_CPUPROFILE (allocations since the start: $BENCH_CPUPROFILE.allocs)"
fi
if [ -n "${BENCH_SKIP_EXPORT:-}" ]; then exit 0; fi
c0=$(cpu)
t0=$(now)
"${CLI[@]}" export "${AUTH[@]}" --entity companies --field-names --poll 200ms -o "$OUT/export.csv" 2>"$OUT/export.log"
t1=$(now)
echo "export: $(rate "$N" "$t0" "$t1") rows/s ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, download included)"
c1=$(cpu)
echo "  $(cpurate "$N" "$c0" "$c1")"
echo "  peak RSS after export: $(rss)"
echo "  exported rows: $(($(wc -l < "$OUT/export.csv") - 1)) (lines; quoted newlines would add some)"
