#!/bin/sh
# The light tenant (docs/tenant-contract.md, "The light tenant"): busybox httpd on :8080 serves the
# start page from the volume and runs /.berth/init as a CGI script; GET /.berth/health is a static file.
umask 077
if [ ! -f /data/berth-init.json ]; then
  /lib/berth/page "not initialized yet"
fi
# PID 1 ignores a signal it has no handler for: end the server and exit at once on SIGTERM (the trap is
# set before the server starts, so no SIGTERM falls between the two)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; exit 0' TERM INT
httpd -f -p 8080 -h /www -c /etc/httpd.conf &
server=$!
wait "$server"
