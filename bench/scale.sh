#!/usr/bin/env bash
# Scale benchmark (docs/benchmarks.md, "A thousand tenants"): one node and SCALE_TENANTS (1000) light
# tenants (busybox, docs/tenant-contract.md "The light tenant") on this machine's Docker engine.
# Measured with one tenant, then again with all of them READY, in the same run:
#   - the router: requests/s and p50/p99 to one tenant (wrk, SCALE_CONNECTIONS connections for
#     SCALE_DURATION), and with all of them, spread over every tenant's host (a wrk script);
#   - the admin list: GET /api/tenants, SCALE_LIST_REQUESTS one after another: p50, p99;
#   - the node's heap after a full GC (jcmd GC.class_histogram), and how many tenant entities are
#     alive (pekko-management's shard stats): heap per tenant while their entities are alive, and
#     again once they have passivated (pekko's idle passivation, 120 s by default; the run waits);
#   - the reconcile loop's mean pass time (berth_reconcile_pass_milliseconds_total / passes);
#   - the time to create them (SCALE_PARALLEL creates in flight) and to tear them down.
# One embedded PostgreSQL and one node on 127.0.0.1; every container and volume it made is removed.
#
#   ./berth bench scale          (or: bash bench/scale.sh)
#   SCALE_TENANTS=200 SCALE_DURATION=5s ./berth bench scale
set -euo pipefail
cd "$(dirname "$0")/.."

n=${SCALE_TENANTS:-1000}
parallel=${SCALE_PARALLEL:-16}
duration=${SCALE_DURATION:-10s}
conns=${SCALE_CONNECTIONS:-16}
list_requests=${SCALE_LIST_REQUESTS:-200}
passivation_wait=${SCALE_PASSIVATION_WAIT:-150}
# shellcheck source=../scripts/cluster-lib.sh
. scripts/cluster-lib.sh
cl_bench_init scale "${SCALE_PG_PORT:-54560}" "${SCALE_PORT_BASE:-320}" curl jq docker java jcmd wrk
fleet=scalebench-$RANDOM
prefix=berth-$fleet-
CL_JAVA_OPTS="-Xmx1g -Dberth.tenant.name-prefix=$prefix -Dberth.tenant.retention=0s ${SCALE_JAVA_OPTS:-}"
export BERTH_FLEET=$fleet
cl_seeds 1
read -r _ api router mgmt <<<"$(cl_ports 1)"

node_pid=""
cleanup() {
  set +e
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  [ -n "${CL_PG_PID:-}" ] && kill "$CL_PG_PID" 2>/dev/null && wait "$CL_PG_PID" 2>/dev/null
  docker ps -aq --filter "label=berth.fleet=$fleet" | xargs -r -n 50 docker rm -f >/dev/null
  docker volume ls -q --filter "label=berth.fleet=$fleet" | xargs -r -n 50 docker volume rm >/dev/null
  if [ -n "${SCALE_KEEP_LOGS:-}" ]; then echo "logs kept in $CL_HOME" >&2; else rm -rf "$CL_HOME"; fi
}
trap cleanup EXIT

apic() { curl -s -m 30 -H "Authorization: Bearer $CL_TOKEN" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
percentile() { # p -> of the numbers on stdin
  sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; print a[i]}'
}
count_phase() { # phase -> how many of the tenants are in it
  apic "http://127.0.0.1:$api/api/tenants" | jq --arg p "$1" '[.tenants[] | select(.phase == $p)] | length'
}
create() { apic -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
  -d "{\"slug\":\"$1\",\"image\":\"light\",\"reason\":\"scale benchmark\"}" "http://127.0.0.1:$api/api/tenants"; }
export -f create apic
export api CL_TOKEN

await_all() { # phase count seconds -> prints the ms it took
  local t0 deadline c
  t0=$(now_ms); deadline=$(($(date +%s) + $3))
  while :; do
    c=$(count_phase "$1")
    [ "$c" -ge "$2" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: only $c of $2 $1 after $3 s" >&2; return 1; }
    sleep 2
  done
  echo $(( $(now_ms) - t0 ))
}

router_run() { # [wrk args...] -> "req/s p50 p99 [non-2xx:N]"
  local out
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency "$@" "http://127.0.0.1:$router/")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "50%" {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out") $(awk '/Non-2xx/ {print "non-2xx:" $NF}' <<<"$out")"
}

list_latency() { # -> "p50 p99" in ms
  for _ in $(seq 1 "$list_requests"); do
    apic -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$api/api/tenants"
  done | awk '{printf "%.1f\n", $1 * 1000}' >"$CL_HOME/list"
  echo "$(percentile 50 <"$CL_HOME/list") $(percentile 99 <"$CL_HOME/list")"
}

heap_mb() { # live heap after a full GC, MiB
  jcmd "$node_pid" GC.class_histogram | awk '/^Total/ {printf "%.1f", $3 / 1048576}'
}

entities() { # tenant entities alive on the node
  curl -s -m 10 "http://127.0.0.1:$mgmt/cluster/shards/Tenant" | jq '[.regions[]?.numEntities] | add // 0'
}

# One request to each tenant's page, SCALE_CONNECTIONS at a time, by one curl (--parallel): directly to
# every published port, then through the router by Host. The same client both ways, so the difference is
# the router's; each tenant is visited once, as in a fleet where most tenants are idle. -> "req/s codes"
spread_curl() { # direct|routed
  local cfg=$CL_HOME/$1.cfg t0 codes ms
  : >"$cfg"
  docker ps --filter "label=berth.fleet=$fleet" --format '{{.Label "berth.tenant"}} {{.Ports}}' |
    sed -nE 's/^([^ ]+) 127\.0\.0\.1:([0-9]+)->.*/\1 \2/p' | while read -r slug port; do
      [ -s "$cfg" ] && echo next >>"$cfg"
      if [ "$1" = direct ]; then
        printf 'url = "http://127.0.0.1:%s/"\n' "$port" >>"$cfg"
      else
        printf 'url = "http://127.0.0.1:%s/"\nheader = "Host: %s.localhost"\n' "$router" "$slug" >>"$cfg"
      fi
      # options after "next" start afresh: each transfer gets its own output and write-out
      printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nsilent\n' >>"$cfg"
    done
  t0=$(now_ms)
  codes=$(curl --no-progress-meter --parallel --parallel-max "$conns" -K "$cfg" | sort | uniq -c | awk '{printf "%s%s×%s", (NR>1?",":""), $2, $1}')
  ms=$(( $(now_ms) - t0 ))
  echo "$(awk -v n="$(grep -c '^url' "$cfg")" -v ms="$ms" 'BEGIN {printf "%.0f", n * 1000 / ms}') $codes"
}

reconcile_mean_ms() { # over the next ~20 s
  local a b
  a=$(curl -s "http://127.0.0.1:$mgmt/metrics" | awk '/^berth_reconcile_pass_milliseconds_total/ {m=$2} /^berth_reconcile_passes_total/ {p=$2} END {print m+0, p+0}')
  sleep 20
  b=$(curl -s "http://127.0.0.1:$mgmt/metrics" | awk '/^berth_reconcile_pass_milliseconds_total/ {m=$2} /^berth_reconcile_passes_total/ {p=$2} END {print m+0, p+0}')
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); if (y[2] > x[2]) printf "%.0f ms over %d passes", (y[1]-x[1])/(y[2]-x[2]), y[2]-x[2]; else print "no pass completed"}'
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(docker version --format 'Docker {{.Server.Version}}'); node -Xmx1g"
cl_start_postgres
cl_start_node 1
node_pid=$CL_NODE_PID
for _ in $(seq 1 180); do cl_ready 1 && break; sleep 1; done
cl_ready 1 || { echo "bench: the node did not start; see $CL_HOME/node-1.log" >&2; SCALE_KEEP_LOGS=1; exit 1; }

[ "$(create s1)" = 202 ] || { echo "bench: could not create a light tenant" >&2; exit 1; }
await_all READY 1 120 >/dev/null
host1=(-H "Host: s1.localhost")
router_run "${host1[@]}" >/dev/null # warm-up
read -r rps1 p50_1 p99_1 bad1 <<<"$(router_run "${host1[@]}")"
read -r l50_1 l99_1 <<<"$(list_latency)"
heap1=$(heap_mb)
rec1=$(reconcile_mean_ms)
echo "1 tenant: router $rps1 req/s (p50 $p50_1, p99 $p99_1) $bad1; admin list p50 $l50_1 ms p99 $l99_1 ms; heap $heap1 MiB; reconcile $rec1"

echo "creating $((n - 1)) more, $parallel at a time…"
t0=$(now_ms)
seq 2 "$n" | sed 's/^/s/' | xargs -P "$parallel" -I{} bash -c 'create {}' | sort | uniq -c | sed 's/^/  answers: /'
created=$(( $(now_ms) - t0 ))
ready_ms=$(await_all READY "$n" 3600)
echo "  all $n READY $(( (created + ready_ms) / 1000 )) s after the first create ($((created / 1000)) s to send them); FAILED: $(count_phase FAILED)"

ents=$(entities)
heapN=$(heap_mb)
read -r l50_n l99_n <<<"$(list_latency)"
router_run "${host1[@]}" >/dev/null
read -r rpsn p50_n p99_n badn <<<"$(router_run "${host1[@]}")"
cat >"$CL_HOME/spread.lua" <<EOF
local i = 0
request = function()
  i = i % $n + 1
  wrk.headers["Host"] = "s" .. i .. ".localhost"
  return wrk.format(nil, "/")
end
EOF
read -r rpss p50_s p99_s bads <<<"$(router_run -s "$CL_HOME/spread.lua")"
read -r sd_rps sd_codes <<<"$(spread_curl direct)"
read -r sr_rps sr_codes <<<"$(spread_curl routed)"
recn=$(reconcile_mean_ms)
echo "$n tenants: router to one $rpsn req/s (p50 $p50_n, p99 $p99_n) $badn; spread over all $rpss req/s (p50 $p50_s, p99 $p99_s) $bads"
echo "  each tenant once, $conns at a time (curl --parallel): direct $sd_rps req/s ($sd_codes), through the router $sr_rps req/s ($sr_codes)"
echo "  admin list p50 $l50_n ms p99 $l99_n ms; heap $heapN MiB with $ents entities alive:" \
  "$(awk -v a="$heap1" -v b="$heapN" -v n="$n" 'BEGIN {printf "%.1f KiB", (b - a) * 1024 / (n - 1)}') per tenant; reconcile $recn"
echo "  waiting ${passivation_wait} s for idle entities to passivate…"
sleep "$passivation_wait"
ents2=$(entities)
heapP=$(heap_mb)
echo "  after: $ents2 entities alive, heap $heapP MiB:" \
  "$(awk -v a="$heap1" -v b="$heapP" -v n="$n" 'BEGIN {printf "%.1f KiB", (b - a) * 1024 / (n - 1)}') per tenant"
echo "  router to one tenant with entities passivated: $(router_run "${host1[@]}")"

echo "tearing down $n…"
t0=$(now_ms)
seq 1 "$n" | sed 's/^/s/' | xargs -P "$parallel" -I{} bash -c 'apic -o /dev/null -X DELETE "http://127.0.0.1:$api/api/tenants/{}"'
await_all RETIRED "$n" 3600 >/dev/null
echo "  all RETIRED $(( ( $(now_ms) - t0 ) / 1000 )) s after the first teardown"
