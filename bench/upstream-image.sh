#!/usr/bin/env bash
# Builds berth-bench-upstream:local, the near-zero-cost upstream of `BENCH_UPSTREAM=nginx ./berth bench`:
# this host's nginx (its binary and the libraries ldd names), FROM scratch, serving a 269-byte page on
# 8080 with keep-alive. A benchmark fixture, not a tenant image: it answers /.berth/health and accepts
# any POST /.berth/init without checking the guest credential (docs/tenant-contract.md forbids that).
# Never offer it to real tenants.
set -euo pipefail
tag=${1:-berth-bench-upstream:local}
command -v nginx >/dev/null || { echo "bench: nginx is missing (Debian: apt-get install -y nginx-light)" >&2; exit 2; }
ctx=$(mktemp -d /tmp/berth-upstream.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
root=$ctx/root
mkdir -p "$root"/{usr/sbin,etc/nginx,www,tmp,data,var/log/nginx,var/lib/nginx}
cp /usr/sbin/nginx "$root/usr/sbin/"
for lib in $(ldd /usr/sbin/nginx | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0::/:/sbin/nologin\nnobody:x:65534:65534::/:/sbin/nologin\nbench:x:10001:10001::/data:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nbench:x:10001:\n' >"$root/etc/group"
# the same size as the reference tenant's page (269 bytes)
page='<!doctype html><html><head><meta charset="utf-8"><title>bench upstream</title></head><body><h1 id="tenant">Tenant bench</h1><p>nginx serving a static page: the near-zero-cost upstream of the router benchmark.</p></body></html>'
printf '%s%*s\n' "$page" $((268 - ${#page})) '' >"$root/www/index.html"
cat >"$root/etc/nginx/nginx.conf" <<'EOF'
daemon off;
worker_processes 2;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/html;
  keepalive_requests 1000000;
  client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy; fastcgi_temp_path /tmp/fcgi;
  uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi;
  server {
    listen 8080;
    root /www;
    location = /.berth/health { return 200 "ok\n"; }
    location = /.berth/init { return 204; }
  }
}
EOF
chmod 1777 "$root/tmp"
# owners set in the archive (no chown: runs without root): /data is the tenant user's
tar -C "$root" --numeric-owner --owner=0 --group=0 --exclude=./data -cf "$ctx/rootfs.tar" .
tar -C "$root" --numeric-owner --owner=10001 --group=10001 --no-recursion -rf "$ctx/rootfs.tar" ./data
cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
ADD rootfs.tar /
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/sbin/nginx", "-c", "/etc/nginx/nginx.conf", "-e", "stderr"]
EOF
docker build -q -t "$tag" "$ctx" >/dev/null 2>&1 || docker build -t "$tag" "$ctx" >&2 # stdout: the tag alone
echo "$tag"
