#!/usr/bin/env bash
# Journal throughput (docs/benchmarks.md, "Journal"): whole tenant lifecycles through the real tenant
# entity on a real PostgreSQL (the embedded one, fsync and synchronous commit on, as `./berth run` has
# it), with a no-op driver and guest API (JournalBench.NoopDriver), so the journal is what is measured.
# Each round: JOURNAL_TENANTS tenants provisioned at once (to READY), then torn down at once (to
# RETIRED); events persisted per second, and the pekko-persistence-jdbc settings used.
#
#   ./berth bench journal          (or: bash bench/journal.sh)
#   JOURNAL_TENANTS=2000 JOURNAL_ROUNDS=3 ./berth bench journal
set -euo pipefail
cd "$(dirname "$0")/.."

tenants=${JOURNAL_TENANTS:-2000}
rounds=${JOURNAL_ROUNDS:-3}
# shellcheck source=../scripts/cluster-lib.sh
. scripts/cluster-lib.sh
cl_bench_init journal "${JOURNAL_PG_PORT:-54450}" "${JOURNAL_PORT_BASE:-210}" java javac
cleanup() {
  set +e
  [ -n "${CL_PG_PID:-}" ] && kill "$CL_PG_PID" 2>/dev/null && wait "$CL_PG_PID" 2>/dev/null
  rm -rf "$CL_HOME"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
javac --release 17 -cp "$CL_JAR" -d "$CL_HOME/classes" bench/JournalBench.java
cl_start_postgres
BERTH_DB_URL="jdbc:postgresql://localhost:$CL_PG_PORT/postgres" BERTH_DB_USER=postgres \
  BERTH_DB_PASSWORD="$(cat "$CL_HOME/postgres-password")" BERTH_SECRETS_KEYS="$CL_SECRETS_KEYS" \
  java -Xmx1g ${JOURNAL_JAVA_OPTS:-} -cp "$CL_JAR:$CL_HOME/classes" JournalBench "$tenants" "$rounds" \
  2> >(grep -v '^SLF4J\|INFO\|DEBUG' >&2)
