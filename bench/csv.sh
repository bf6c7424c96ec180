#!/usr/bin/env bash
# CSV import and export benchmark (issue 14): N demo companies imported
# with `runway import` into an empty server, then exported with `runway
# export`; rows/s of each and the server's peak RSS (VmHWM). A baseline
# measured in the same run: a plain `cp` of the CSV file, and reading it
# with the same CSV reader (the import's first pass, counting its rows).
#
#   bench/csv.sh                       # N=100000, SQLite
#   N=1000000 bench/csv.sh
#   bench/csv.sh --db postgres://postgres@127.0.0.1:5432/runway_csv_bench?sslmode=disable
#                                      # that database is dropped and created afresh
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
OUT=bench/out/csv
API=http://$ADDR/dev/runtime/api
rm -rf "$OUT" && mkdir -p "$OUT"

go build -o "$OUT/runway" ./cmd/runway

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
	psql "$admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
	DBFLAG=(--db "$DB")
else
	DBFLAG=()
fi
export RUNWAY_ADMIN_PASSWORD=bench-password-1
"$OUT/runway" serve --data "$OUT/data" --addr "$ADDR" --log-level warn "${DBFLAG[@]}" 2>"$OUT/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://$ADDR/readyz" >/dev/null && break; sleep 0.2; done

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

t0=$(now); cp "$OUT/companies.csv" "$OUT/copy.csv"; t1=$(now)
echo "baseline cp: $(rate "$N" "$t0" "$t1") rows/s"

CLI=("$OUT/runway")
AUTH=(--url "$API" --email admin@localhost)
export RUNWAY_PASSWORD=bench-password-1
t0=$(now)
"${CLI[@]}" import "${AUTH[@]}" --entity companies --poll 200ms "$OUT/companies.csv" 2>"$OUT/import.log"
t1=$(now)
echo "import: $(rate "$N" "$t0" "$t1") rows/s ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, upload included)"
echo "  peak RSS after import: $(awk '/VmHWM/ { print $2 / 1024 " MB" }' /proc/$PID/status)"
t0=$(now)
"${CLI[@]}" export "${AUTH[@]}" --entity companies --field-names --poll 200ms -o "$OUT/export.csv" 2>"$OUT/export.log"
t1=$(now)
echo "export: $(rate "$N" "$t0" "$t1") rows/s ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, download included)"
echo "  peak RSS after export: $(awk '/VmHWM/ { print $2 / 1024 " MB" }' /proc/$PID/status)"
echo "  exported rows: $(($(wc -l < "$OUT/export.csv") - 1)) (lines; quoted newlines would add some)"
