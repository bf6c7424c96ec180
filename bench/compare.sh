#!/usr/bin/env bash
# Before and after in the same run: each Runway binary given serves a fresh
# database of STORE (sqlite, or pg: databases runway_cmp_<i> on the local
# server, dropped and created afresh), seeded with N companies; then REPS
# rounds of wrk (get, create) against each binary in turn and against the
# floor (bench/floor, answering what the first binary answered), printing
# each binary's req/s and its ratio to the floor of that round.
#
#   go build -o /tmp/before ./cmd/runway   # (on the old commit)
#   go build -o /tmp/after ./cmd/runway
#   bench/compare.sh pg /tmp/before /tmp/after
#   N=20000 REPS=3 DUR=8s TESTS="get create" PROF=1 bench/compare.sh sqlite /tmp/before /tmp/after
#
# PROF=1 then profiles each binary under each load (bench/out/compare-STORE/cpu-TEST-I.pprof).
# BENCH_PG: the PostgreSQL server (default postgres://postgres@127.0.0.1:5432).
# Ports BENCH_PORT (default 18190: the floor), BENCH_PORT+1… (binaries), BENCH_PORT+101… (their
# pprof): give two runs on one machine different BENCH_PORTs. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/compare.sh sqlite|pg BIN..." >&2; exit 2; }
STORE=$1; shift
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}   # the server of the pg databases
BINS=("$@")
P=${BENCH_PORT:-18190}
N=${N:-20000}; DUR=${DUR:-8s}; REPS=${REPS:-3}; TESTS=${TESTS:-get create}
OUT=bench/out/compare-$STORE; rm -rf "$OUT"; mkdir -p "$OUT"
export RUNWAY_ADMIN_EMAIL=admin@localhost RUNWAY_ADMIN_PASSWORD=bench-pw-123456
unset RUNWAY_APP RUNWAY_DB RUNWAY_ENV RUNWAY_DATA RUNWAY_ADDR
go build -o "$OUT/floor" ./bench/floor; go build -o "$OUT/seed" ./bench/seed
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_up() { for _ in $(seq 300); do curl -fs -o /dev/null --max-time 1 "$1" && return 0; sleep 0.1; done; return 1; }
i=0
for b in "${BINS[@]}"; do
  port=$((P+1+i)); d=$OUT/b$i; mkdir -p "$d/data"
  args=()
  if [ "$STORE" = pg ]; then
    db=runway_cmp_$i
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    args=(--db "$PG/$db?sslmode=disable")
  fi
  "$b" serve --data "$d/data" "${args[@]}" --addr 127.0.0.1:$port --pprof 127.0.0.1:$((P+101+i)) >"$d/log" 2>&1 &
  PIDS+=($!)
  wait_up "http://127.0.0.1:$port/healthz"
  "$OUT/seed" -api "http://127.0.0.1:$port/dev/runtime/api" -password "$RUNWAY_ADMIN_PASSWORD" -n "$N" -c 8 -ids "$d/ids.txt" -token "$d/token" | tail -1
  i=$((i+1))
done
# floor from the first binary's answers
API=http://127.0.0.1:$((P+1))/dev/runtime/api; TOKEN=$(head -1 $OUT/b0/token)
mkdir -p $OUT/captured
curl -sS -i -H "token: $TOKEN" "$API/data/companies/$(head -1 $OUT/b0/ids.txt)" >$OUT/captured/get.http
sed 's/"NAME"/"Bench capture"/' bench/company.json | curl -sS -i -H "token: $TOKEN" -H 'Content-Type: application/json' --data-binary @- "$API/data/companies" >$OUT/captured/create.http
cp $OUT/captured/get.http $OUT/captured/list.http
"$OUT/floor" -dir $OUT/captured -addr 127.0.0.1:$P >$OUT/floor.log 2>&1 &
PIDS+=($!)
wait_up http://127.0.0.1:$P/healthz
rps() { sed -n 's/^BENCH requests=.* rps=\([^ ]*\) .*non2xx=\([0-9]*\).*/\1 \2/p' "$1"; }
for r in $(seq $REPS); do
  for t in $TESTS; do
    line="rep $r $t:"
    for j in $(seq 0 $((i-1))); do
      BENCH_TOKEN=$(head -1 $OUT/b$j/token) BENCH_IDS=$OUT/b$j/ids.txt BENCH_OUT=$OUT BENCH_BASE=/dev/runtime/api \
        wrk -t2 -c32 -d$DUR --timeout 10s -s bench/$t.lua http://127.0.0.1:$((P+1+j)) >$OUT/wrk-$t-$j-$r.txt 2>&1 || true
      line="$line b$j=$(rps $OUT/wrk-$t-$j-$r.txt)"
    done
    BENCH_TOKEN=$TOKEN BENCH_IDS=$OUT/b0/ids.txt BENCH_OUT=$OUT wrk -t2 -c32 -d$DUR --timeout 10s -s bench/$t.lua http://127.0.0.1:$P >$OUT/wrk-$t-floor-$r.txt 2>&1 || true
    f=$(rps $OUT/wrk-$t-floor-$r.txt)
    line="$line floor=$f"
    echo "$line"
    for j in $(seq 0 $((i-1))); do awk -v a="$(rps $OUT/wrk-$t-$j-$r.txt | cut -d" " -f1)" -v f="${f%% *}" -v j=$j 'BEGIN{printf "   b%d ratio %.1f%%\n", j, 100*a/f}'; done
  done
done
for j in $(seq 0 $((i-1))); do
  echo "b$j memory: $(awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ {printf "%s %.0f MB  ", $1, $2/1024}' /proc/${PIDS[$j]}/status)"
done
if [ -n "${PROF:-}" ]; then
  for t in $TESTS; do for j in $(seq 0 $((i-1))); do
    curl -s -o $OUT/cpu-$t-$j.pprof "http://127.0.0.1:$((P+101+j))/debug/pprof/profile?seconds=8" &
    cp=$!
    BENCH_TOKEN=$(head -1 $OUT/b$j/token) BENCH_IDS=$OUT/b$j/ids.txt BENCH_OUT=$OUT wrk -t2 -c32 -d9s --timeout 10s -s bench/$t.lua http://127.0.0.1:$((P+1+j)) >/dev/null 2>&1 || true
    wait $cp
  done; done
fi
