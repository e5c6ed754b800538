#!/usr/bin/env bash
# A local Berth cluster for development: one PostgreSQL and N nodes (default 3) on this machine,
# each with its own ports, joined through the first three. Ctrl-C (or SIGTERM) stops the nodes, then the
# database. State is kept in berth-data/cluster/ across runs.
#
#   ./berth cluster [N]
#
# Node i (1-based) listens on: cluster 25519+i, admin API 9089+i, router 8079+i, management 8557+i
# (node 1: 25520, 9090, 8080, 8558).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-3}
[[ "$n" =~ ^[1-9][0-9]?$ ]] || { echo "usage: ./berth cluster [number of nodes, 1-99]" >&2; exit 64; }
# shellcheck source=cluster-lib.sh
. scripts/cluster-lib.sh
CL_JAR=$PWD/cluster/target/berth.jar
CL_HOME=berth-data/cluster
CL_PG_PORT=${BERTH_CLUSTER_PG_PORT:-54320}
CL_PORT_BASE=0
CL_JAVA_OPTS=${BERTH_JAVA_OPTS:-}
mkdir -p "$CL_HOME"

secret() { # a secret generated once and kept, mode 0600
  local f="$CL_HOME/$1"
  if [ ! -s "$f" ]; then (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$f"); fi
  cat "$f"
}
CL_TOKEN=$(secret admin-token)
CL_SSO=$(secret sso-secret)$(secret sso-secret)
CL_GUEST=$(secret guest-secret)$(secret guest-secret)
[ -s "$CL_HOME/secrets-key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$CL_HOME/secrets-key")
CL_SECRETS_KEYS="k1:$(cat "$CL_HOME/secrets-key")"
cl_seeds "$n"

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

cl_start_postgres
pids+=("$CL_PG_PID")

echo
echo "Berth local cluster: $n nodes, PostgreSQL on localhost:$CL_PG_PORT (user postgres, password in $CL_HOME/postgres-password), logs in $CL_HOME/"
echo "  Admin token: $CL_TOKEN   (kept in $CL_HOME/admin-token)"
for i in $(seq 1 "$n"); do
  cl_start_node "$i"
  pids+=("$CL_NODE_PID")
  read -r remote api router mgmt <<<"$(cl_ports "$i")"
  echo "  node $i: admin http://127.0.0.1:$api/api   tenants http://{slug}.localhost:$router/   cluster :$remote   health http://127.0.0.1:$mgmt/ready   pid $CL_NODE_PID"
  if [ "$i" = 1 ]; then # the first seed must be up before the others join it
    for _ in $(seq 1 90); do cl_ready 1 && break; sleep 1; done
    cl_ready 1 || { echo "cluster: node 1 did not become ready; see $CL_HOME/node-1.log" >&2; exit 1; }
  fi
done
echo "  Try: curl -H 'Authorization: Bearer $CL_TOKEN' http://127.0.0.1:9090/api/cluster"
echo "Ctrl-C stops the cluster."
wait
