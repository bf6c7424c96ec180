#!/usr/bin/env bash
# Load benchmark: Runway against a bare net/http floor that writes the same
# bytes, measured in the same run. See bench/README.md.
#
#   bench/run.sh                       # N=100000, wrk -t2 -c32 -d15s
#   N=20000 WRK_DURATION=10s bench/run.sh
#   bench/run.sh --db postgres://postgres@127.0.0.1:5432/runway_bench?sslmode=disable
#                                      # on PostgreSQL: that database is dropped and
#                                      # created afresh first (psql on the same server)
#
# Everything it writes goes to bench/out/ (gitignored); it stops every process
# it started when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${BENCH_DB:-}                    # --db URL: empty = SQLite in the data dir
while [ $# -gt 0 ]; do
	case $1 in
	--db) DB=$2; shift 2 ;;
	--db=*) DB=${1#--db=}; shift ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
N=${N:-100000}                      # companies to seed
SEED_MAX=${SEED_MAX:-100000}        # at most this many through the API; bench/grow copies them up to N
QUERIES=${QUERIES:-on}              # off: no table of search requests (bench/queries)
QUERY_REPS=${QUERY_REPS:-9}         # measured requests per search workload and mode
SEED_CLIENTS=${SEED_CLIENTS:-8}     # concurrent seeding clients
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-32}
WRK_DURATION=${WRK_DURATION:-15s}
TESTS=${TESTS:-get create list}
PROFILE=${PROFILE:-auto}            # auto: pprof if Runway exposes it, else perf if usable; off: none
PROFILE_SECONDS=${PROFILE_SECONDS:-15}
RW_ADDR=${BENCH_RUNWAY_ADDR:-127.0.0.1:18181}
FLOOR_ADDR=${BENCH_FLOOR_ADDR:-127.0.0.1:18182}
PPROF_ADDR=${PPROF_ADDR:-127.0.0.1:18183}
PPROF_URL=${PPROF_URL:-http://$PPROF_ADDR/debug/pprof}

OUT=bench/out
API=http://$RW_ADDR/dev/runtime/api
export BENCH_OUT=$OUT BENCH_BASE=/dev/runtime/api
export RUNWAY_ADMIN_EMAIL=admin@localhost
export RUNWAY_ADMIN_PASSWORD=${RUNWAY_ADMIN_PASSWORD:-bench-$RANDOM$RANDOM}
# Settings of the caller's environment must not change what is measured.
unset RUNWAY_APP RUNWAY_DB RUNWAY_ENV RUNWAY_DATA RUNWAY_ADDR

for a in "$RW_ADDR" "$FLOOR_ADDR"; do
	case $a in
	127.*:* | localhost:*) ;;
	*) echo "run.sh: $a: only loopback addresses" >&2; exit 2 ;;
	esac
done
command -v wrk >/dev/null || { echo "run.sh: wrk not found (apt-get install wrk)" >&2; exit 2; }

RUNWAY_PID= FLOOR_PID= PROFILER_PID=
stop() { # stop PID: TERM, up to 10 s, then KILL
	local pid=$1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop "$PROFILER_PID"
	stop "$FLOOR_PID"
	stop "$RUNWAY_PID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_healthy() { # wait_healthy URL PID [SECONDS]: up to 30 s
	for _ in $(seq $((${3:-30} * 10))); do
		kill -0 "$2" 2>/dev/null || { echo "run.sh: process $2 exited" >&2; return 1; }
		curl -fs -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	echo "run.sh: $1 not healthy after ${3:-30} s" >&2
	return 1
}

rss() { # rss PID: "VmRSS MB (peak VmHWM MB; anonymous RssAnon MB)"
	# VmRSS counts SQLite's memory-mapped database pages once per connection
	# mapping them (page cache, not the process's own memory): RssAnon is
	# what the process itself holds.
	awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} /^RssAnon:/ {a=$2} END {printf "%.1f MB (peak %.1f MB; anonymous %.1f MB)", r/1024, h/1024, a/1024}' "/proc/$1/status"
}

field() { # field KEY FILE: a value of the BENCH line of a wrk output
	sed -n "s/^BENCH requests=.* $1=\([^ ]*\).*/\1/p" "$2" | head -1
}

mkdir -p "$OUT"
rm -rf "$OUT/data" "$OUT/captured" "$OUT"/wrk-*.txt "$OUT"/cpu-*.* "$OUT"/perf-*.*

echo "== build"
go build -o "$OUT/runway" ./cmd/runway
go build -o "$OUT/floor" ./bench/floor
go build -o "$OUT/seed" ./bench/seed
go build -o "$OUT/queries" ./bench/queries
go build -o "$OUT/grow" ./bench/grow
REV="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git status --porcelain -- . ':!bench' 2>/dev/null | grep -q . && echo '+local changes' || true)"

for a in "$RW_ADDR" "$FLOOR_ADDR"; do
	if curl -s -o /dev/null --max-time 1 "http://$a/"; then
		echo "run.sh: something already listens on $a" >&2
		exit 1
	fi
done

DB_ARGS=()
case $DB in
"") STORE=sqlite ;;
postgres://* | postgresql://*)
	STORE=postgresql
	command -v psql >/dev/null || { echo "run.sh: psql not found (needed to recreate the database)" >&2; exit 2; }
	dbname=${DB##*/}; dbname=${dbname%%\?*}
	admin_url=${DB%/*}/postgres${DB#"${DB%%\?*}"}
	psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$dbname\" WITH (FORCE)" -c "CREATE DATABASE \"$dbname\""
	DB_ARGS=(--db "$DB")
	;;
*) echo "run.sh: --db must be a postgres:// URL (default: SQLite)" >&2; exit 2 ;;
esac

mkdir -p "$OUT/data"
dbsize() { # the size of the data dir, or of the PostgreSQL database
	if [ "$STORE" = postgresql ]; then
		psql -tA "$admin_url" -c "SELECT pg_size_pretty(pg_database_size('$dbname'))"
	else
		du -sh "$OUT/data" | cut -f1
	fi
}
# the demo app with type and numberOfEmployees of companies indexable (the
# search workloads filter and sort by them)
rm -rf "$OUT/app"
"$OUT/queries" -prepare-app "$OUT/app" -fields type,numberOfEmployees
start_runway() { # start_runway [SECONDS to wait]
	"$OUT/runway" serve --app "$OUT/app" --data "$OUT/data" "${DB_ARGS[@]}" --addr "$RW_ADDR" --pprof "$PPROF_ADDR" >>"$OUT/runway.log" 2>&1 &
	RUNWAY_PID=$!
	wait_healthy "http://$RW_ADDR/healthz" "$RUNWAY_PID" "${1:-30}"
}
echo "== start Runway ($REV) on a fresh data dir ($STORE), demo app (type, numberOfEmployees indexable)"
: >"$OUT/runway.log"
start_runway

SEED_N=$((N < SEED_MAX ? N : SEED_MAX))
echo "== seed $SEED_N companies"
SEED_START=$(date +%s)
"$OUT/seed" -api "$API" -password "$RUNWAY_ADMIN_PASSWORD" -n "$SEED_N" -c "$SEED_CLIENTS" \
	-ids "$OUT/ids.txt" -token "$OUT/token" | tee "$OUT/seed.log"
SEED_LINE=$(grep '^seeded ' "$OUT/seed.log" || true)
if [ "$N" -gt "$SEED_N" ]; then
	echo "== grow to $N companies in the database (bench/grow), Runway stopped"
	stop "$RUNWAY_PID"
	if [ "$STORE" = postgresql ]; then
		"$OUT/grow" -postgres "$DB" -n "$N"
	else
		"$OUT/grow" -sqlite "$OUT/data/runway.db" -n "$N"
	fi
	GROW_START=$(date +%s)
	start_runway 1800 # counts the table again; SQLite rebuilds the like index
	SEED_LINE="$SEED_LINE; grown to $N in the database (restart: $(($(date +%s) - GROW_START)) s)"
fi
RSS_SEEDED=$(rss "$RUNWAY_PID")
DB_SIZE=$(dbsize)
echo "   Runway RSS after seeding: $RSS_SEEDED; data dir $DB_SIZE (seeding took $(($(date +%s) - SEED_START)) s)"

TOKEN=$(head -1 "$OUT/token")
export BENCH_TOKEN=$TOKEN

echo "== capture the three answers for the floor"
mkdir -p "$OUT/captured"
curl -sS -i --max-time 10 -H "token: $TOKEN" "$API/data/companies/$(head -1 "$OUT/ids.txt")" >"$OUT/captured/get.http"
sed 's/"NAME"/"Bench capture"/' bench/company.json |
	curl -sS -i --max-time 10 -H "token: $TOKEN" -H 'Content-Type: application/json' --data-binary @- \
		"$API/data/companies" >"$OUT/captured/create.http"
curl -sS -i --max-time 10 -H "token: $TOKEN" "$API/data/companies?_size=20" >"$OUT/captured/list.http"
for t in get create list; do
	status=$(head -1 "$OUT/captured/$t.http")
	case $status in
	"HTTP/1.1 2"*) echo "   $t: $status, $(wc -c <"$OUT/captured/$t.http") bytes with headers" ;;
	*) echo "run.sh: capturing $t answered: $status" >&2; cat "$OUT/captured/$t.http" >&2; exit 1 ;;
	esac
done

echo "== start the floor"
"$OUT/floor" -dir "$OUT/captured" -addr "$FLOOR_ADDR" >"$OUT/floor.log" 2>&1 &
FLOOR_PID=$!
wait_healthy "http://$FLOOR_ADDR/healthz" "$FLOOR_PID"

runwrk() { # runwrk TEST TARGET ADDR DURATION OUTFILE
	wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$4" --timeout 10s -s "bench/$1.lua" "http://$3" >"$5" 2>&1 || true
	grep -q '^BENCH requests=' "$5" || { echo "run.sh: wrk $1 against $2 gave no figures:" >&2; cat "$5" >&2; exit 1; }
}

# Profiler: pprof when Runway serves it, else perf when the kernel lets us.
PROFILER=none
if [ "$PROFILE" != off ]; then
	if curl -fs -o /dev/null --max-time 2 "$PPROF_URL/"; then
		PROFILER=pprof
	elif command -v perf >/dev/null && perf record -q -o /dev/null -- true >/dev/null 2>&1; then
		PROFILER=perf
	fi
fi

profile() { # profile TEST: a separate wrk run against Runway while profiling it
	local t=$1
	case $PROFILER in
	pprof)
		curl -sS --max-time $((PROFILE_SECONDS + 30)) -o "$OUT/cpu-$t.pprof" "$PPROF_URL/profile?seconds=$PROFILE_SECONDS" &
		PROFILER_PID=$!
		runwrk "$t" runway "$RW_ADDR" "$((PROFILE_SECONDS + 1))s" "$OUT/wrk-$t-profiled.txt"
		wait "$PROFILER_PID" || true
		PROFILER_PID=
		go tool pprof -top -nodecount=35 "$OUT/runway" "$OUT/cpu-$t.pprof" >"$OUT/cpu-$t.txt" 2>&1 || true
		echo "   CPU profile: $OUT/cpu-$t.pprof, top: $OUT/cpu-$t.txt"
		;;
	perf)
		perf record -q -F 499 -g -p "$RUNWAY_PID" -o "$OUT/perf-$t.data" -- sleep "$PROFILE_SECONDS" >/dev/null 2>&1 &
		PROFILER_PID=$!
		runwrk "$t" runway "$RW_ADDR" "$((PROFILE_SECONDS + 1))s" "$OUT/wrk-$t-profiled.txt"
		wait "$PROFILER_PID" || true
		PROFILER_PID=
		{
			echo "# self time (perf, $PROFILE_SECONDS s at 499 Hz, wrk $t load)"
			perf report -i "$OUT/perf-$t.data" --stdio --no-children -g none --sort symbol --percent-limit 0.7 2>/dev/null | grep -v -e '^#' -e '^$' | sed 's/ *- *- *$//' | head -40 || true
			echo
			echo "# including callees"
			perf report -i "$OUT/perf-$t.data" --stdio --children -g none --sort symbol --percent-limit 3 2>/dev/null | grep -v -e '^#' -e '^$' | sed 's/ *- *- *$//' | head -60 || true
		} >"$OUT/perf-$t.txt"
		echo "   CPU profile (perf): $OUT/perf-$t.txt"
		;;
	esac
}

declare -A TARGET=([get]=30 [create]=8 [list]=5)
for t in $TESTS; do
	echo "== $t: wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION against Runway, then the floor"
	runwrk "$t" runway "$RW_ADDR" "$WRK_DURATION" "$OUT/wrk-$t-runway.txt"
	runwrk "$t" floor "$FLOOR_ADDR" "$WRK_DURATION" "$OUT/wrk-$t-floor.txt"
	for w in runway floor; do
		echo "   $w: $(grep '^BENCH requests=' "$OUT/wrk-$t-$w.txt" | cut -c7-)"
		grep '^BENCH firstbad=' "$OUT/wrk-$t-$w.txt" | sed 's/^BENCH /     first non-2xx: /' || true
	done
	if [ "$t" != list ] && [ "$PROFILER" != none ]; then profile "$t"; fi
done

if [ "$QUERIES" != off ]; then
	echo "== search requests, one at a time (bench/queries)"
	"$OUT/queries" -api "$API" -token "$TOKEN" -ids "$OUT/ids.txt" -n "$QUERY_REPS" \
		-label "Runway $REV on $STORE, $N companies seeded" | tee "$OUT/queries.txt"
fi

RSS_END=$(rss "$RUNWAY_PID")
SERVER_ERRORS=$(grep -c 'level=ERROR' "$OUT/runway.log" || true)
CANCELED_ERRORS=$(grep 'level=ERROR' "$OUT/runway.log" | grep -c 'context canceled' || true)
RECORDS=$(curl -s --max-time 30 -H "token: $TOKEN" "$API/data/companies?_size=1&_fields=name" | sed -n 's/^{"total":\([0-9]*\).*/\1/p')

{
	echo
	echo "Runway $REV on $STORE, $(nproc) cores (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)), wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION, $N companies seeded ($RECORDS at the end)"
	echo
	printf '| %-6s | %12s | %12s | %7s | %7s | %-4s | %-15s | %-15s | %-16s |\n' \
		test "Runway req/s" "floor req/s" ratio target met "Runway p50/p99" "floor p50/p99" "non-2xx R/F"
	printf '|%s|\n' '--------|--------------|--------------|---------|---------|------|-----------------|-----------------|------------------'
	for t in $TESTS; do
		r=$OUT/wrk-$t-runway.txt f=$OUT/wrk-$t-floor.txt
		rr=$(field rps "$r") fr=$(field rps "$f")
		ratio=$(awk -v a="$rr" -v b="$fr" 'BEGIN {printf "%.1f", (b > 0 ? 100 * a / b : 0)}')
		met=$(awk -v r="$ratio" -v g="${TARGET[$t]}" 'BEGIN {print (r >= g) ? "yes" : "NO"}')
		nr=$(($(field non2xx "$r") + $(field sockerr "$r"))) nf=$(($(field non2xx "$f") + $(field sockerr "$f")))
		printf '| %-6s | %12.0f | %12.0f | %6s%% | %6s%% | %-4s | %-15s | %-15s | %-16s |\n' \
			"$t" "$rr" "$fr" "$ratio" ">=${TARGET[$t]}" "$met" \
			"$(field p50_ms "$r")/$(field p99_ms "$r") ms" "$(field p50_ms "$f")/$(field p99_ms "$f") ms" "$nr/$nf"
	done
	echo
	echo "seeding: ${SEED_LINE:-?}"
	echo "Runway resident memory: after seeding $RSS_SEEDED; after the runs $RSS_END (target < 150 MB)"
	echo "data ($STORE): $(dbsize); ERROR lines in the Runway log: $SERVER_ERRORS ($CANCELED_ERRORS with 'context canceled': requests in flight when wrk stopped)"
	echo "non-2xx counts answers with a status outside 2xx plus socket errors (connect, read, write, timeout)"
	case $PROFILER in
	pprof) echo "CPU profiles: $OUT/cpu-get.txt, $OUT/cpu-create.txt (pprof)" ;;
	perf) echo "CPU profiles: $OUT/perf-get.txt, $OUT/perf-create.txt (perf; Runway exposes no pprof)" ;;
	*) echo "CPU profiles: none (PROFILE=$PROFILE; no pprof endpoint at $PPROF_URL or perf unusable; see bench/README.md)" ;;
	esac
	[ -f "$OUT/queries.txt" ] && [ "$QUERIES" != off ] && cat "$OUT/queries.txt"
} | tee "$OUT/results.txt"
