#!/usr/bin/env bash
# Provisioning benchmark (docs/benchmarks.md, "Provisioning"): on this machine's Docker engine, with
# a tenant image (PROVISION_IMAGE: reference, the default, or light) and the limits Berth gives it (0.5 CPU, 256 MiB, read-only root, tmpfs,
# no capabilities, its network), side by side in one run:
#   1. one at a time, alternating, PROVISION_ROUNDS times: `docker run` + the first healthy answer
#      (GET /.berth/health polled every 50 ms) against Berth's create -> READY (from the tenant's own
#      createdAt / updatedAt: ProvisioningRequested to TenantInitialized); medians and their ratio;
#   2. bursts (PROVISION_BURSTS, default "20"): N `docker run` at once until all are healthy, against N
#      creates at once until all are READY (and how many FAILED), wall time and ratio.
# One embedded PostgreSQL and one node on 127.0.0.1 (ports 25820, 9390, 8380, 8858); every container
# and volume it made is removed at the end.
#
#   ./berth bench provision          (or: bash bench/provision.sh)
#   PROVISION_IMAGE=light PROVISION_ROUNDS=0 PROVISION_BURSTS=100 ./berth bench provision   (the light tenant)
#   PROVISION_ROUNDS=10 PROVISION_BURSTS="20 50" PROVISION_JAVA_OPTS="-Dberth.tenant.concurrent-steps=8" ./berth bench provision
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${PROVISION_ROUNDS:-10}
image_name=${PROVISION_IMAGE:-reference} # a name of berth.tenant.images: reference (the JVM tenant) or light (busybox)
bursts=${PROVISION_BURSTS:-20}
# shellcheck source=../scripts/cluster-lib.sh
. scripts/cluster-lib.sh
cl_bench_init provision "${PROVISION_PG_PORT:-54540}" "${PROVISION_PORT_BASE:-300}" curl jq docker java
fleet=provbench-$RANDOM
prefix=berth-$fleet-
CL_JAVA_OPTS="-Xmx512m -Dberth.tenant.name-prefix=$prefix -Dberth.tenant.retention=0s ${PROVISION_JAVA_OPTS:-}"
export BERTH_FLEET=$fleet
cl_seeds 1
read -r _ api _ _ <<<"$(cl_ports 1)"

node_pid=""
cleanup() {
  set +e
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  [ -n "${CL_PG_PID:-}" ] && kill "$CL_PG_PID" 2>/dev/null && wait "$CL_PG_PID" 2>/dev/null
  docker ps -aq --filter "label=berth.fleet=$fleet" | xargs -r docker rm -f >/dev/null
  docker ps -aq --filter "label=bench=$fleet" | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter "label=berth.fleet=$fleet" | xargs -r docker volume rm >/dev/null
  docker volume ls -q --filter "label=bench=$fleet" | xargs -r docker volume rm >/dev/null
  if [ -n "${PROVISION_KEEP_LOGS:-}" ]; then echo "logs kept in $CL_HOME" >&2; else rm -rf "$CL_HOME"; fi
}
trap cleanup EXIT

api() { curl -s -m 15 -H "Authorization: Bearer $CL_TOKEN" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
ms_between() { # two ISO-8601 instants -> milliseconds
  echo $(( ($(date -d "$2" +%s%N) - $(date -d "$1" +%s%N)) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(docker version --format 'Docker {{.Server.Version}}')"
cl_start_postgres
cl_start_node 1
node_pid=$CL_NODE_PID
for _ in $(seq 1 180); do cl_ready 1 && break; sleep 1; done # the first start builds the reference image
cl_ready 1 || { echo "bench: the node did not start; see $CL_HOME/node-1.log" >&2; PROVISION_KEEP_LOGS=1; exit 1; }
image=$(api "http://127.0.0.1:$api/api/images" | jq -r --arg n "$image_name" '.images[$n] // empty') # the node's own
docker image inspect "$image" >/dev/null 2>&1 || image=""
[ -n "$image" ] || { echo "bench: no image berth-tenant-$image_name (see $CL_HOME/node-1.log)" >&2; exit 1; }
network=${PROVISION_NETWORK:-berth-tenants} # berth.tenant.network: the node created it
echo "node ready; image $image; network $network"

# the engine alone: the same image and limits Berth gives a tenant
docker_run() { # name -> starts it; prints its published port
  docker volume create --label "bench=$fleet" "$1-data" >/dev/null
  docker run -d --name "$1" --label "bench=$fleet" --network "$network" -p 127.0.0.1::8080 \
    --memory 256m --memory-swap 256m --cpus 0.5 --pids-limit 512 --read-only \
    --tmpfs /tmp:rw,nosuid,nodev,noexec,size=67108864 --user 65534:65534 --cap-drop ALL \
    --security-opt no-new-privileges --log-opt max-size=10m -e BERTH_TENANT_ID="$1" -e BERTH_TENANT_INCARNATION=1 \
    -v "$1-data:/data" "$image" >/dev/null
  docker port "$1" 8080/tcp | head -1 | sed 's/.*://'
}
healthy_after() { # name start-ms -> waits until healthy, prints ms since start
  local port
  port=$(docker port "$1" 8080/tcp | head -1 | sed 's/.*://')
  until [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/.berth/health")" = 200 ]; do sleep 0.05; done
  echo $(( $(now_ms) - $2 ))
}
engine_once() { # name -> ms from docker run to healthy
  local t0 port
  t0=$(now_ms)
  port=$(docker_run "$1")
  healthy_after "$1" "$t0"
}
engine_gone() { docker rm -f "$1" >/dev/null; docker volume rm "$1-data" >/dev/null; }

berth_create() { api -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"slug\":\"$1\",\"image\":\"$image_name\"}" "http://127.0.0.1:$api/api/tenants"; }
phase() { api "http://127.0.0.1:$api/api/tenants/$1" | jq -r '.phase // "?"'; }
await_phase() { # slug phase seconds
  local deadline=$(($(date +%s) + $3)) p
  while :; do
    p=$(phase "$1")
    [ "$p" = "$2" ] && return 0
    [ "$p" = FAILED ] && [ "$2" != FAILED ] && return 1
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
berth_ms() { # slug -> ms from ProvisioningRequested to READY (the tenant's own instants)
  local t
  t=$(api "http://127.0.0.1:$api/api/tenants/$1")
  ms_between "$(jq -r .createdAt <<<"$t")" "$(jq -r .updatedAt <<<"$t")"
}
berth_gone() { # slug: torn down, its data removed
  api -o /dev/null -X DELETE "http://127.0.0.1:$api/api/tenants/$1"
  await_phase "$1" RETIRED 120 || true
}

# warm-up: one of each, not counted (page cache, the JIT of the node)
engine_once "${prefix}warm" >/dev/null; engine_gone "${prefix}warm"
berth_create warm; await_phase warm READY 180; berth_gone warm

[ "$rounds" -gt 0 ] && echo && echo "One at a time, $rounds rounds (ms):"
: >"$CL_HOME/engine"; : >"$CL_HOME/berth"
for i in $(seq 1 "$rounds"); do
  e=$(engine_once "${prefix}e$i"); engine_gone "${prefix}e$i"
  berth_create "r$i"
  if await_phase "r$i" READY 180; then b=$(berth_ms "r$i"); else b=FAILED; fi
  berth_gone "r$i"
  echo "  round $i: docker run + healthy $e, Berth create -> READY $b"
  echo "$e" >>"$CL_HOME/engine"
  [ "$b" != FAILED ] && echo "$b" >>"$CL_HOME/berth"
done
[ "$rounds" -gt 0 ] && me=$(median <"$CL_HOME/engine") && mb=$(median <"$CL_HOME/berth") && echo "  median: docker run + healthy $me ms, Berth create -> READY $mb ms, ratio $(awk "BEGIN {printf \"%.2f\", $mb / $me}")" \
  "($(wc -l <"$CL_HOME/berth") of $rounds READY)"

for n in $bursts; do
  echo
  echo "Burst of $n at once:"
  t0=$(now_ms)
  jobs_=()
  for i in $(seq 1 "$n"); do ( docker_run "${prefix}x$i" >/dev/null; healthy_after "${prefix}x$i" "$t0" >"$CL_HOME/x$i" ) & jobs_+=($!); done
  wait "${jobs_[@]}" # (a bare wait would wait for the node too)
  engine_wall=$(cat "$CL_HOME"/x* | sort -n | tail -1)
  jobs_=()
  for i in $(seq 1 "$n"); do engine_gone "${prefix}x$i" & jobs_+=($!); done
  wait "${jobs_[@]}"
  echo "  docker run + healthy, $n at once: all healthy after $engine_wall ms"
  t0=$(now_ms)
  jobs_=()
  for i in $(seq 1 "$n"); do berth_create "b$i" & jobs_+=($!); done
  wait "${jobs_[@]}"
  ready=0; failed=0; max_queue=0
  deadline=$(($(date +%s) + 900))
  while :; do
    list=$(api "http://127.0.0.1:$api/api/tenants")
    ready=$(jq '[.tenants[] | select((.slug | startswith("b")) and .phase == "READY")] | length' <<<"$list")
    failed=$(jq '[.tenants[] | select((.slug | startswith("b")) and .phase == "FAILED")] | length' <<<"$list")
    [ $((ready + failed)) -ge "$n" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || break
    q=$(api "http://127.0.0.1:$api/api/tenants/b$n" | jq '.waitingForSlot // 0')
    [ "$q" -gt "$max_queue" ] && max_queue=$q
    sleep 0.5
  done
  berth_wall=$(( $(now_ms) - t0 ))
  echo "  Berth, $n creates at once: $ready READY, $failed FAILED after $berth_wall ms (the last one was $max_queue in line at most)" \
    "ratio $(awk "BEGIN {printf \"%.2f\", $berth_wall / $engine_wall}")"
  jobs_=()
  for i in $(seq 1 "$n"); do api -o /dev/null -X DELETE "http://127.0.0.1:$api/api/tenants/b$i" & jobs_+=($!); done
  wait "${jobs_[@]}"
  for i in $(seq 1 "$n"); do await_phase "b$i" RETIRED 300 || true; done
done
