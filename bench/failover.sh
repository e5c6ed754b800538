#!/usr/bin/env bash
# Failover benchmark: a local three-node cluster (one PostgreSQL, three node JVMs, real Docker
# engine), some tenants, then several rounds of: kill -9 the node hosting the most tenants, measure
# the time until every one of its tenants answers READY from a surviving node through the admin API
# of each survivor AND is routable (HTTP 200 from the tenant) through the router of each survivor;
# then restart the killed node and wait until it is back. Prints each round and the median.
# Everything stays on 127.0.0.1. See docs/benchmarks.md.
#
#   ./berth bench failover            (or: bash bench/failover.sh)
#   FAILOVER_ROUNDS=5 FAILOVER_TENANTS=6 FAILOVER_JAVA_OPTS="-Dpekko.cluster.split-brain-resolver.stable-after=5s" ./berth bench failover
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${FAILOVER_ROUNDS:-5}
tenants=${FAILOVER_TENANTS:-6}
# shellcheck source=../scripts/cluster-lib.sh
. scripts/cluster-lib.sh
cl_bench_init failover "${FAILOVER_PG_PORT:-54420}" "${FAILOVER_PORT_BASE:-100}" curl jq docker java
fleet=failover-$RANDOM
CL_JAVA_OPTS="-Xmx384m -Dberth.tenant.name-prefix=berth-$fleet- ${FAILOVER_JAVA_OPTS:-}"
export BERTH_FLEET=$fleet
cl_seeds 3

declare -A pid
cleanup() {
  set +e
  for i in 1 2 3; do [ -n "${pid[$i]:-}" ] && kill -9 "${pid[$i]}" 2>/dev/null; done
  [ -n "${CL_PG_PID:-}" ] && kill "$CL_PG_PID" 2>/dev/null && wait "$CL_PG_PID" 2>/dev/null
  docker ps -aq --filter "label=berth.fleet=$fleet" | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter "label=berth.fleet=$fleet" | xargs -r docker volume rm >/dev/null
  if [ -n "${FAILOVER_KEEP_LOGS:-}" ]; then echo "logs kept in $CL_HOME" >&2; else rm -rf "$CL_HOME"; fi
}
trap cleanup EXIT

api() { # node path [curl args...]
  local n=$1 path=$2 a
  shift 2
  read -r _ a _ _ <<<"$(cl_ports "$n")"
  curl -s -m "${API_TIMEOUT:-15}" -H "Authorization: Bearer $CL_TOKEN" "$@" "http://127.0.0.1:$a$path"
}
up_members() { api "$1" /api/cluster 2>/dev/null | jq '[.members[]? | select(.status == "Up")] | length' 2>/dev/null || echo 0; }
address() { local r; read -r r _ _ _ <<<"$(cl_ports "$1")"; echo "pekko://berth@127.0.0.1:$r"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_for() { # what seconds command...
  local what=$1 secs=$2
  shift 2
  local deadline=$(($(date +%s) + secs))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: never: $what (logs in $CL_HOME)" >&2; FAILOVER_KEEP_LOGS=1; exit 1; }
    sleep 0.5
  done
}
cluster_whole() { local i; for i in 1 2 3; do cl_ready "$i" && [ "$(up_members "$i")" = 3 ] || return 1; done; }

javac --release 17 -d "$CL_HOME/probe" bench/FailoverProbe.java
cl_start_postgres
cl_start_node 1; pid[1]=$CL_NODE_PID
wait_for "node 1 ready" 120 cl_ready 1
cl_start_node 2; pid[2]=$CL_NODE_PID
cl_start_node 3; pid[3]=$CL_NODE_PID
wait_for "three members Up" 120 cluster_whole

slugs=()
for t in $(seq 1 "$tenants"); do slugs+=("f$t"); done
for s in "${slugs[@]}"; do
  # a 503 while the fresh cluster allocates its first shards is safe to repeat
  wait_for "create $s" 60 bash -c "[[ \"\$(curl -s -o /dev/null -w '%{http_code}' -m 15 -X POST \
    -H 'Authorization: Bearer $CL_TOKEN' -H 'Content-Type: application/json' -d '{\"slug\":\"$s\"}' \
    http://127.0.0.1:$(cl_ports 1 | cut -d' ' -f2)/api/tenants)\" =~ ^(202|409)$ ]]"
done
tenant_ready() { [ "$(api 1 "/api/tenants/$1" | jq -r .phase 2>/dev/null)" = READY ]; }
for s in "${slugs[@]}"; do wait_for "$s READY" 120 tenant_ready "$s"; done

echo
echo "Failover: 3 nodes, $tenants tenants, $rounds rounds of kill -9; node options: $CL_JAVA_OPTS"
times=()
for r in $(seq 1 "$rounds"); do
  # the victim: the node hosting the most tenants
  declare -A count=([1]=0 [2]=0 [3]=0)
  declare -A host=()
  for s in "${slugs[@]}"; do
    a=$(api 1 "/api/tenants/$s" | jq -r .node)
    host[$s]=$a
    for i in 1 2 3; do [ "$a" = "$(address "$i")" ] && count[$i]=$((count[$i] + 1)); done
  done
  victim=1
  for i in 2 3; do [ "${count[$i]}" -gt "${count[$victim]}" ] && victim=$i; done
  moved=()
  for s in "${slugs[@]}"; do [ "${host[$s]}" = "$(address "$victim")" ] && moved+=("$s"); done
  survivors=(); for i in 1 2 3; do [ "$i" != "$victim" ] && survivors+=("$i"); done
  containers_before=$(docker ps -aq --filter "label=berth.fleet=$fleet" | sort | tr '\n' ' ')

  # tenants in service are warm: a few requests through every router first, so the figures measure
  # failover, not the first requests a freshly started tenant process ever serves
  for s in "${slugs[@]}"; do
    for i in 1 2 3; do
      read -r _ _ rt _ <<<"$(cl_ports "$i")"
      for _ in 1 2 3 4 5; do curl -s -o /dev/null -m 5 -H "Host: $s.localhost:$rt" "http://127.0.0.1:$rt/" || true; done
    done
  done
  sleep 2

  t0=$(now_ms)
  echo "round $r: kill -9 node $victim at $(date +%T.%3N)" >>"$CL_HOME/rounds.log"
  kill -9 "${pid[$victim]}"
  wait "${pid[$victim]}" 2>/dev/null || true
  targets=()
  for s in "${moved[@]}"; do
    for n in "${survivors[@]}"; do read -r _ a rt _ <<<"$(cl_ports "$n")"; targets+=("$s:$a:$rt"); done
  done
  # bench/FailoverProbe.java: probes every target every 250 ms; prints per-target times and "worst N"
  if ! java -cp "$CL_HOME/probe" FailoverProbe "$t0" "$(address "$victim")" "$CL_TOKEN" 120 "${targets[@]}" >"$CL_HOME/round-$r.txt" 2>"$CL_HOME/round-$r.trace"; then
    cat "$CL_HOME/round-$r.txt" >&2
    echo "bench: round $r: a tenant never came back (logs in $CL_HOME)" >&2; FAILOVER_KEEP_LOGS=1; exit 1
  fi
  worst=$(sed -n 's/^worst //p' "$CL_HOME/round-$r.txt")
  containers_after=$(docker ps -aq --filter "label=berth.fleet=$fleet" | sort | tr '\n' ' ')
  same=$([ "$containers_before" = "$containers_after" ] && echo "same containers" || echo "CONTAINERS CHANGED")
  printf 'round %d: killed node %d (hosting %s) -> all READY + routable via nodes %s after %6d ms  (%s)\n' \
    "$r" "$victim" "${moved[*]}" "${survivors[*]}" "$worst" "$same"
  grep -v '^worst' "$CL_HOME/round-$r.txt"
  times+=("$worst")

  cl_start_node "$victim"; pid[$victim]=$CL_NODE_PID
  wait_for "node $victim back" 120 cluster_whole
  sleep 3 # let membership settle before the next kill
done

sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(sed -n "$(( (${#times[@]} + 1) / 2 ))p" <<<"$sorted")
echo "failover over $rounds kills: median $median ms, min $(head -1 <<<"$sorted") ms, max $(tail -1 <<<"$sorted") ms"
