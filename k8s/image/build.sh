#!/usr/bin/env bash
# Builds the Berth node image from this repository, with no registry and no base image: FROM scratch
# plus a root filesystem assembled here — a JRE linked with jlink from this host's JDK 17, the glibc
# libraries it needs (from this host), and the shaded cluster/target/berth.jar. Runs as uid 10001 in
# /data. Push the result to your registry for k8s/ (the Deployment names berth:0.1.0).
#
#   ./berth image [tag]        (default berth:0.1.0; builds the jar first if it is missing)
#
# JVM options: the java launcher reads JDK_JAVA_OPTIONS (k8s/deployment.yaml sets it).
set -euo pipefail
cd "$(dirname "$0")/../.."

tag=${1:-berth:0.1.0}
jar=cluster/target/berth.jar
for tool in docker jlink ldd; do
  command -v "$tool" >/dev/null || { echo "image: '$tool' is missing" >&2; exit 2; }
done
[ -f "$jar" ] || mvn -B -q -DskipTests install

work=$(mktemp -d /tmp/berth-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/app" "$root/opt" "$root/etc" "$work/data"

# java.se and what Pekko (Unsafe, JMX), the JDBC driver, TLS, DNS and the reference-image build need
# (jdk.jlink: a node builds the reference tenant image when the Docker host lacks it)
jlink --add-modules java.se,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.jlink,jdk.management,jdk.naming.dns,jdk.zipfs,jdk.jfr,jdk.localedata \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$root/opt/jre"

# every shared library the JRE's binaries and libraries load, from this host, at the same paths
find "$root/opt/jre" -type f \( -name java -o -name '*.so' \) -print0 \
  | xargs -0 ldd 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u \
  | while read -r lib; do
      [[ "$lib" == "$root"* ]] && continue
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done

cp "$jar" "$root/app/berth.jar"
printf 'root:x:0:0:root:/root:/sbin/nologin\nberth:x:10001:10001:berth:/data:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nberth:x:10001:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
mkdir -m 1777 "$work/tmp"

cat >"$work/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
COPY tmp/ /tmp/
COPY --chown=10001:10001 data/ /data/
ENV JAVA_HOME=/opt/jre PATH=/opt/jre/bin
USER 10001:10001
WORKDIR /data
# remoting, management (/alive, /ready), admin API, router
EXPOSE 25520 8558 9090 8080
ENTRYPOINT ["/opt/jre/bin/java", "-jar", "/app/berth.jar"]
DOCKERFILE

# the legacy builder (no BuildKit here) prints a deprecation notice on every build: shown only on failure
if ! docker build -q -t "$tag" "$work" >/dev/null 2>"$work/build.log"; then cat "$work/build.log" >&2; exit 1; fi
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
