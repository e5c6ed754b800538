#!/usr/bin/env bash
# Router benchmark: one tenant container measured three ways in one run — direct to its published port,
# through Berth's router, and through nginx configured as a reverse proxy to the same port.
# Prints requests/s and latency p50/p99 (wrk) at several concurrencies, large-body throughput (curl),
# and the node's memory. Everything stays on 127.0.0.1. See docs/benchmarks.md.
#
#   ./berth bench            (or: bash bench/router.sh)
#   BENCH_DURATION=10s BENCH_CONNECTIONS="1 16 64 256" BENCH_BODY_MB=1024 ./berth bench
#   BENCH_UPSTREAM=nginx ./berth bench   the upstream is nginx in a container (bench/upstream-image.sh), a
#                                        near-zero-cost one: proxy against proxy (no large-body run)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
upstream=${BENCH_UPSTREAM:-reference} # reference (the JVM tenant) or nginx
connections=${BENCH_CONNECTIONS:-"1 16 64 256"}
body_mb=${BENCH_BODY_MB:-1024}
api_port=${BENCH_API_PORT:-19190}
router_port=${BENCH_ROUTER_PORT:-19180}
nginx_port=${BENCH_NGINX_PORT:-19181}
remote_port=${BENCH_REMOTE_PORT:-25590}
# a real secret: the node refuses short or placeholder tokens
token=$(head -c 32 /dev/urandom | base64 | tr -d "/+=\n")

for tool in wrk nginx curl docker java; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (Debian: apt-get install -y wrk nginx-light curl)" >&2; exit 2; }
done
[ -f cluster/target/berth.jar ] || mvn -B -q -DskipTests install

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
node_pid=""; nginx_started=""
cleanup() {
  [ -n "$nginx_started" ] && nginx -c "$work/nginx.conf" -p "$work" -s stop 2>/dev/null || true
  if [ -n "$node_pid" ]; then
    curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/api/tenants/bench" || true
    sleep 3
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  docker rm -f berth-bench-bench >/dev/null 2>&1 || true
  docker volume rm berth-bench-bench-data >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

image_opts=""; image_field=""
if [ "$upstream" = nginx ]; then
  upstream_image=$(bash bench/upstream-image.sh)
  image_opts="-Dberth.tenant.images.upstream=$upstream_image"
  image_field=',"image":"upstream"'
fi
echo "bench: starting a node (API :$api_port, router :$router_port) in $work" >&2
# The tenant gets both cores so that it is not the bottleneck of the comparison.
(cd "$work" && BERTH_ADMIN_TOKEN=$token BERTH_API_PORT=$api_port BERTH_ROUTER_PORT=$router_port \
  BERTH_REMOTE_PORT=$remote_port BERTH_FLEET=bench BERTH_TENANT_CPUS=2 BERTH_TENANT_MEMORY=512MiB \
  exec java ${BERTH_JAVA_OPTS:-} $image_opts -Dberth.tenant.name-prefix=berth-bench- -jar "$OLDPWD/cluster/target/berth.jar" \
  >"$work/node.log" 2>&1) &
node_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/api/tenants" && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log" >&2; exit 1; }
  sleep 1
done

api() { curl -sf -H "Authorization: Bearer $token" "$@"; }
api -o /dev/null -X POST "http://127.0.0.1:$api_port/api/tenants" -d '{"slug":"bench","reason":"router benchmark"'"$image_field"'}'
endpoint=""
for _ in $(seq 1 60); do
  t=$(api "http://127.0.0.1:$api_port/api/tenants/bench")
  if echo "$t" | grep -q '"phase":"READY"'; then
    endpoint=$(echo "$t" | sed -E 's/.*"endpoint":"([^"]+)".*/\1/'); break
  fi
  sleep 1
done
[ -n "$endpoint" ] || { echo "bench: tenant did not become READY: $t" >&2; exit 1; }
echo "bench: tenant 'bench' READY at $endpoint" >&2

mkdir -p "$work/logs"
cat >"$work/nginx.conf" <<NGINX
worker_processes auto;
error_log $work/logs/error.log warn;
pid $work/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  upstream tenant { server $endpoint; keepalive 256; }
  server {
    listen 127.0.0.1:$nginx_port;
    client_max_body_size 0;
    location / {
      proxy_pass http://tenant;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_request_buffering off;
      proxy_buffering off;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" && nginx_started=1

direct="http://$endpoint/"
router="http://127.0.0.1:$router_port/"
viaNginx="http://127.0.0.1:$nginx_port/"
host_header="Host: bench.localhost:$router_port"

for url in "$direct" "$router" "$viaNginx"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$host_header" "$url")
  [ "$code" = 200 ] || { echo "bench: $url answered $code" >&2; exit 1; }
done

# The JVMs (router and tenant) need their JIT compilers done before figures mean anything: on two
# cores C2 competes with the load for a while. 10 s of warm-up left the router at a tenth of its speed.
warmup=${BENCH_WARMUP:-40s}
echo "bench: warming up for $warmup through the router (JIT), then 10s each direct and via nginx" >&2
wrk -t2 -c64 -d"$warmup" -H "$host_header" "$router" >/dev/null
wrk -t2 -c64 -d10s -H "$host_header" "$viaNginx" >/dev/null
wrk -t2 -c64 -d10s "$direct" >/dev/null

rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }
node_rss_before=$(rss_kb "$node_pid")

# wrk output -> "req/s p50 p99" (latencies in ms)
measure() {
  local c=$1 url=$2 threads=2 out
  [ "$c" -lt 2 ] && threads=1
  out=$(wrk -t$threads -c"$c" -d"$duration" --latency -H "$host_header" "$url")
  echo "$out" | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    /Non-2xx|Socket errors/ { err = err " " $0 }
    END { printf "%.0f %.3f %.3f%s\n", rps, p50, p99, (err == "" ? "" : " ERR:" err) }'
}

echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1); $(nginx -v 2>&1); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
echo "Tenant page GET / ($(curl -s "$direct" | wc -c) bytes), wrk for $duration per cell"
echo
printf '| connections | direct req/s | router req/s | nginx req/s | direct p50 / p99 ms | router p50 / p99 ms | nginx p50 / p99 ms | router − direct p50 ms |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for c in $connections; do
  read -r d_rps d_p50 d_p99 d_err < <(measure "$c" "$direct")
  read -r r_rps r_p50 r_p99 r_err < <(measure "$c" "$router")
  read -r n_rps n_p50 n_p99 n_err < <(measure "$c" "$viaNginx")
  added=$(awk -v a="$r_p50" -v b="$d_p50" 'BEGIN { printf "%.3f", a - b }')
  printf '| %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s |\n' "$c" "$d_rps" "$r_rps" "$n_rps" \
    "$d_p50" "$d_p99" "$r_p50" "$r_p99" "$n_p50" "$n_p99" "$added"
  [ -n "$d_err" ] && echo "  (direct, $c connections:${d_err#ERR:})"
  [ -n "$r_err" ] && echo "  (router, $c connections:${r_err#ERR:})"
  [ -n "$n_err" ] && echo "  (nginx, $c connections:${n_err#ERR:})"
done

node_rss_after=$(rss_kb "$node_pid")
if [ "$upstream" = nginx ]; then
  echo
  echo "Node RSS: $((node_rss_before / 1024)) MiB after warm-up, $((node_rss_after / 1024)) MiB after the request runs (no large-body run with the nginx upstream)"
  exit 0
fi
echo
echo "Large body: GET /bytes?n=$((body_mb))MiB, streamed (curl, one connection)"
echo
printf '| path | MiB/s | node RSS during (MiB) |\n|---|---:|---:|\n'
bytes=$((body_mb * 1024 * 1024))
for name in direct router nginx; do
  case $name in direct) url=$direct ;; router) url=$router ;; nginx) url=$viaNginx ;; esac
  peak=0
  curl -s -o /dev/null -w '%{speed_download}\n' -H "$host_header" "${url}bytes?n=$bytes" >"$work/speed" &
  cpid=$!
  while kill -0 "$cpid" 2>/dev/null; do
    r=$(rss_kb "$node_pid"); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.2
  done
  wait "$cpid"
  printf '| %s | %.0f | %d |\n' "$name" "$(awk '{print $1/1048576}' "$work/speed")" $((peak / 1024))
done
echo
echo "Node (router + the rest of Berth in one JVM, BERTH_JAVA_OPTS='${BERTH_JAVA_OPTS:-}') RSS: $((node_rss_before / 1024)) MiB after warm-up, $((node_rss_after / 1024)) MiB after the request runs"
