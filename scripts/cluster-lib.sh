# Functions shared by scripts/cluster.sh (./berth cluster) and bench/failover.sh: one embedded
# PostgreSQL and Berth nodes on this machine, each with its own ports. Sourced, not run.
#
# The caller sets:
#   CL_HOME       directory for logs and state (node-i/, node-i.log, postgres/)
#   CL_JAR        the node jar (cluster/target/berth.jar), absolute path
#   CL_PG_PORT    PostgreSQL port
#   CL_PORT_BASE  0 for the documented ports; node i listens on cluster 25519+base+i, admin API
#                 9089+base+i, router 8079+base+i, management 8557+base+i
#   CL_SEEDS      comma-separated host:port seed nodes (cl_seeds N sets it)
#   CL_TOKEN, CL_SSO, CL_GUEST, CL_SECRETS_KEYS  admin token, SSO and guest secrets, secrets keys shared by every node
#   CL_JAVA_OPTS  extra JVM options for the nodes (-D overrides)

cl_ports() { # i -> "remote api router management"
  local b=$((CL_PORT_BASE + $1))
  echo "$((25519 + b)) $((9089 + b)) $((8079 + b)) $((8557 + b))"
}

# Every node lists the first three as seeds: a restarted node 1 then joins the running cluster
# instead of forming a new one by itself (the first seed joins itself only when no other answers).
cl_seeds() { # N
  local s="" i remote
  for i in $(seq 1 $(($1 < 3 ? $1 : 3))); do
    read -r remote _ <<<"$(cl_ports "$i")"
    s="$s,127.0.0.1:$remote"
  done
  CL_SEEDS=${s#,}
}

cl_start_postgres() { # sets CL_PG_PID; returns once PostgreSQL accepts connections
  mkdir -p "$CL_HOME"
  java -cp "$CL_JAR" berth.persistence.EmbeddedPostgresServer "$CL_HOME/postgres" "$CL_PG_PORT" \
    >"$CL_HOME/postgres.log" 2>&1 &
  CL_PG_PID=$!
  local _
  for _ in $(seq 1 60); do
    grep -q "PostgreSQL up" "$CL_HOME/postgres.log" 2>/dev/null && return 0
    kill -0 "$CL_PG_PID" 2>/dev/null || { cat "$CL_HOME/postgres.log" >&2; return 1; }
    sleep 1
  done
  echo "PostgreSQL did not start, see $CL_HOME/postgres.log" >&2
  return 1
}

cl_start_node() { # i -> sets CL_NODE_PID; the node's log is appended to $CL_HOME/node-i.log
  local remote api router mgmt
  read -r remote api router mgmt <<<"$(cl_ports "$1")"
  mkdir -p "$CL_HOME/node-$1"
  CL_HOME=$(cd "$CL_HOME" && pwd) # the node runs in its own directory
  (cd "$CL_HOME/node-$1" && BERTH_REMOTE_PORT=$remote BERTH_API_PORT=$api BERTH_ROUTER_PORT=$router \
    BERTH_MANAGEMENT_PORT=$mgmt BERTH_SEED_NODES=$CL_SEEDS \
    BERTH_DB_URL="jdbc:postgresql://localhost:$CL_PG_PORT/postgres" BERTH_DB_USER=postgres BERTH_DB_PASSWORD="$(cat "$CL_HOME/postgres-password")" \
    BERTH_ADMIN_TOKEN=$CL_TOKEN BERTH_SSO_SECRET=$CL_SSO BERTH_GUEST_SECRET=$CL_GUEST BERTH_SECRETS_KEYS=$CL_SECRETS_KEYS \
    exec java ${CL_JAVA_OPTS:-} -jar "$CL_JAR" >>"$CL_HOME/node-$1.log" 2>&1) &
  CL_NODE_PID=$!
}

cl_ready() { # i -> success once the node's /ready answers 200
  local mgmt
  read -r _ _ _ mgmt <<<"$(cl_ports "$1")"
  [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$mgmt/ready")" = 200 ]
}

# For the benchmarks (bench/*.sh): the tools they need, the node jar (built when missing), a temporary
# CL_HOME, their own ports and freshly generated secrets. Sets CL_JAR, CL_HOME, CL_PG_PORT,
# CL_PORT_BASE, CL_TOKEN, CL_SSO, CL_GUEST, CL_SECRETS_KEYS.
cl_bench_init() { # name pg-port port-base tool...
  local name=$1 tool
  CL_PG_PORT=$2
  CL_PORT_BASE=$3
  shift 3
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (Debian: apt-get install -y curl jq; java, javac and jcmd come with the JDK)" >&2; exit 2; }
  done
  [ -f cluster/target/berth.jar ] || mvn -B -q -DskipTests install
  CL_JAR=$PWD/cluster/target/berth.jar
  CL_HOME=$(mktemp -d "/tmp/berth-$name.XXXXXX")
  CL_TOKEN=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  CL_SSO=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
  CL_GUEST=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
  CL_SECRETS_KEYS="k1:$(head -c 32 /dev/urandom | base64)"
}
