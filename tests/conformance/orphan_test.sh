#!/usr/bin/env bash
# A server launched by --server-cmd must not outlive the harness, even when
# the harness is killed outright (SIGKILL: no destructor runs). Starts
# run-scenarios on the suite, waits until its server runs, kills
# run-scenarios, then waits (with a deadline) for the server to be gone.
# Usage: orphan_test.sh RUNNER SERVER
set -uo pipefail
runner=$1
server=$2
# An unusual flag value marks this test's servers among any others.
marker="--threads 7 --frame-deadline 29"
"$runner" --protocol 1 -j 1 --color never \
  --server-cmd "$server $marker -k {key} -c {cert} -a 127.0.0.1:{port} -a [::1]:{port} -t {timeout} -r {request_limit} -v off" \
  >/dev/null 2>&1 &
harness=$!

find_server() { pgrep -f -- "$marker" | grep -v "^$harness\$"; }

for _ in $(seq 100); do
  [ -n "$(find_server)" ] && break
  sleep 0.1
done
servers=$(find_server)
if [ -z "$servers" ]; then
  echo "the launched server never appeared"
  kill -9 "$harness" 2>/dev/null
  exit 1
fi
kill -9 "$harness"
wait "$harness" 2>/dev/null
for _ in $(seq 50); do
  [ -z "$(find_server)" ] && { echo "server(s) $servers gone after run-scenarios was killed"; exit 0; }
  sleep 0.1
done
echo "server(s) $(find_server) still running 5 s after run-scenarios was killed"
kill -9 $(find_server) 2>/dev/null
exit 1
