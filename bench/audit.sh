#!/usr/bin/env bash
# Audit benchmark (docs/benchmarks.md, "Audit"): on one embedded PostgreSQL,
#   1. writes a journal of real tenant events (1,000 tenants x 100 events and one tenant "deep" with
#      10,000; snapshots as the entity takes them), then measures replay (read journal + deserialize
#      + the entity's fold) against a plain JDBC scan of the same rows, in the same run;
#   2. starts a node on it and times how long its audit projection takes to build the trail;
#   3. times GET /api/tenants/deep/state?at= at 200 instants across the deep tenant's history;
#   4. tops the trail up to 1,000,000 entries and exports it as NDJSON, sampling the node's RSS and
#      heap before, during and after.
# Everything stays on 127.0.0.1; the node touches no container (every tenant in it is retired and
# purged).
#
#   ./berth bench audit          (or: bash bench/audit.sh)
#   AUDIT_TENANTS=1000 AUDIT_EVENTS_EACH=100 AUDIT_DEEP_EVENTS=10000 AUDIT_EXPORT_ENTRIES=1000000 ./berth bench audit
set -euo pipefail
cd "$(dirname "$0")/.."

tenants=${AUDIT_TENANTS:-1000}
each=${AUDIT_EVENTS_EACH:-100}
deep=${AUDIT_DEEP_EVENTS:-10000}
entries=${AUDIT_EXPORT_ENTRIES:-1000000}
# shellcheck source=../scripts/cluster-lib.sh
. scripts/cluster-lib.sh
cl_bench_init audit "${AUDIT_PG_PORT:-54440}" "${AUDIT_PORT_BASE:-200}" curl java javac jcmd
fleet=auditbench-$RANDOM
CL_JAVA_OPTS="-Xmx512m -Dberth.tenant.name-prefix=berth-$fleet- ${AUDIT_JAVA_OPTS:-}"
export BERTH_FLEET=$fleet
cl_seeds 1
read -r _ api _ _ <<<"$(cl_ports 1)"

node_pid=""
cleanup() {
  set +e
  [ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null
  [ -n "${CL_PG_PID:-}" ] && kill "$CL_PG_PID" 2>/dev/null && wait "$CL_PG_PID" 2>/dev/null
  if [ -n "${AUDIT_KEEP:-}" ]; then echo "state kept in $CL_HOME" >&2; else rm -rf "$CL_HOME"; fi
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
javac --release 17 -cp "$CL_JAR" -d "$CL_HOME/classes" bench/AuditBench.java
cl_start_postgres
export BERTH_DB_URL="jdbc:postgresql://localhost:$CL_PG_PORT/postgres" BERTH_DB_USER=postgres \
  BERTH_DB_PASSWORD="$(cat "$CL_HOME/postgres-password")"
run() { java -Xmx1g -cp "$CL_JAR:$CL_HOME/classes" AuditBench "$@" 2> >(grep -v '^SLF4J\|INFO\|DEBUG' >&2); }

run populate "$tenants" "$each" "$deep" "$CL_HOME/deep-instants" | tee "$CL_HOME/populate.out"
total=$(sed -n 's/^populate: \([0-9,]*\) events.*/\1/p' "$CL_HOME/populate.out" | tr -d ,)
run replay

audit_has() { # n -> success once the trail has entry n
  [ "$(curl -s -m 10 -H "Authorization: Bearer $CL_TOKEN" "http://127.0.0.1:$api/api/audit?after=$(($1 - 1))&limit=1" \
    | grep -c '"seq"')" -ge 1 ]
}
cl_start_node 1
node_pid=$CL_NODE_PID
for _ in $(seq 1 120); do cl_ready 1 && break; sleep 1; done
cl_ready 1 || { echo "bench: the node did not start; see $CL_HOME/node-1.log" >&2; AUDIT_KEEP=1; exit 1; }
t0=$(date +%s%N)
until audit_has "$total"; do
  [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 900 ] || { echo "bench: the trail never reached $total entries" >&2; exit 1; }
  sleep 1
done
secs=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "projection: the node built the trail of $total entries (chained, from the journal) within $((secs / 1000)).$(( (secs % 1000) / 100 )) s of becoming ready: $(( total * 1000 / (secs > 0 ? secs : 1) )) entries/s"

run state-at "$api" "$CL_TOKEN" "$CL_HOME/deep-instants" 200

run fill-audit "$entries"
heap_used() { jcmd "$node_pid" GC.heap_info 2>/dev/null | sed -n 's/.* used \([0-9]*\)K.*/\1/p' | head -1; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$node_pid/status"; }
jcmd "$node_pid" GC.run >/dev/null
sleep 1
echo "export: before: RSS $(( $(rss) / 1024 )) MiB, heap used $(( $(heap_used) / 1024 )) MiB (after a GC)"
( while kill -0 "$node_pid" 2>/dev/null; do echo "$(rss) $(heap_used)"; sleep 0.5; done ) > "$CL_HOME/samples" &
sampler=$!
s=$(date +%s%N)
read -r lines bytes < <(curl -s -H "Authorization: Bearer $CL_TOKEN" -H 'Accept: application/x-ndjson' \
  "http://127.0.0.1:$api/api/audit" | wc -lc)
ms=$(( ($(date +%s%N) - s) / 1000000 ))
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
echo "export: $lines entries, $((bytes / 1048576)) MiB of NDJSON in $((ms / 1000)).$(( (ms % 1000) / 100 )) s ($(( lines * 1000 / (ms > 0 ? ms : 1) )) entries/s)"
awk '{ if ($1 > r) r = $1; if ($2 > h) h = $2; n++ } END { printf "export: during (%d samples): RSS max %d MiB, heap used max %d MiB\n", n, r / 1024, h / 1024 }' "$CL_HOME/samples"
jcmd "$node_pid" GC.run >/dev/null
sleep 1
echo "export: after: RSS $(( $(rss) / 1024 )) MiB, heap used $(( $(heap_used) / 1024 )) MiB (after a GC); node heap limit -Xmx512m"
[ "$lines" -eq "$entries" ] || { echo "bench: exported $lines lines, expected $entries" >&2; exit 1; }
