#!/usr/bin/env bash
# A local Berth cluster for development: one PostgreSQL and N nodes (default 3) on this machine,
# each with its own ports, joined through node 1. Ctrl-C (or SIGTERM) stops the nodes, then the
# database. State is kept in berth-data/cluster/ across runs.
#
#   ./berth cluster [N]
#
# Node i (1-based) listens on: cluster 25519+i, admin API 9089+i, router 8079+i (node 1: 25520, 9090, 8080).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-3}
[[ "$n" =~ ^[1-9][0-9]?$ ]] || { echo "usage: ./berth cluster [number of nodes, 1-99]" >&2; exit 64; }
jar=cluster/target/berth.jar
home=berth-data/cluster
pg_port=${BERTH_CLUSTER_PG_PORT:-54320}
mkdir -p "$home"

secret() { # a secret generated once and kept, mode 0600
  local f="$home/$1"
  if [ ! -s "$f" ]; then (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$f"); fi
  cat "$f"
}
token=$(secret admin-token)
sso=$(secret sso-secret)$(secret sso-secret)

pids=()
stop() { # nodes first (each leaves the cluster gracefully), the database once they are gone
  trap - INT TERM EXIT
  echo "cluster: stopping" >&2
  for ((i=${#pids[@]}-1; i>=1; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for ((i=${#pids[@]}-1; i>=1; i--)); do wait "${pids[$i]}" 2>/dev/null || true; done
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[0]}" 2>/dev/null && wait "${pids[0]}" 2>/dev/null
  true
}
trap stop INT TERM EXIT

java -cp "$jar" berth.persistence.EmbeddedPostgresServer "$home/postgres" "$pg_port" >"$home/postgres.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  grep -q "PostgreSQL up" "$home/postgres.log" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$home/postgres.log" >&2; exit 1; }
  sleep 1
done

echo
echo "Berth local cluster: $n nodes, PostgreSQL on localhost:$pg_port, logs in $home/"
echo "  Admin token: $token   (kept in $home/admin-token)"
for i in $(seq 1 "$n"); do
  remote=$((25519 + i)); api=$((9089 + i)); router=$((8079 + i))
  mkdir -p "$home/node-$i"
  (cd "$home/node-$i" && BERTH_REMOTE_PORT=$remote BERTH_API_PORT=$api BERTH_ROUTER_PORT=$router \
    BERTH_SEED_NODES=127.0.0.1:25520 BERTH_DB_URL="jdbc:postgresql://localhost:$pg_port/postgres" \
    BERTH_DB_USER=postgres BERTH_DB_PASSWORD= BERTH_ADMIN_TOKEN=$token BERTH_SSO_SECRET=$sso \
    exec java ${BERTH_JAVA_OPTS:-} -jar "$OLDPWD/$jar" >"$OLDPWD/$home/node-$i.log" 2>&1) &
  pids+=($!)
  echo "  node $i: admin http://127.0.0.1:$api/api   tenants http://{slug}.localhost:$router/   cluster :$remote   pid $!"
  if [ "$i" = 1 ]; then sleep 8; fi # the first seed must be up before the others join it
done
echo "  Try: curl -H 'Authorization: Bearer $token' http://127.0.0.1:9090/api/cluster"
echo "Ctrl-C stops the cluster."
wait
