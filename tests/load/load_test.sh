#!/usr/bin/env bash
# gday-load against the reference server, a few seconds per mode: every
# exchange verified (exit 0) on the real server, errors reported and exit 1
# with a server that puts the wrong contact in PeerContact, exit 2 on usage
# errors and 3 when nothing answers.
# Usage: load_test.sh GDAY_LOAD GDAY_REFERENCE_SERVER
set -uo pipefail
load=$1
server=$2
. "$(dirname "$0")/../cli/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every run is bounded by its own flags; `timeout` only guards against a hang.
run() { timeout 120 "$load" "$@" >"$tmp/out" 2>&1; }
expect_rc() { # WANT WHAT
  local rc=$?
  [ "$rc" -eq "$1" ] || { fail "$2: exit $rc, want $1"; cat "$tmp/out"; }
}

# Exchange mode, persistent connections, with --json and --csv.
run -D 2 -c 4 --json "$tmp/p.json" --csv "$tmp/p.csv"
expect_rc 0 "persistent"
jq -e '.result.exchanges_verified > 0 and .result.exchanges_failed == 0 and
       (.result.errors | length) == 0 and .mode == "exchange" and .exit_code == 0' \
  "$tmp/p.json" >/dev/null || fail "persistent: JSON $(cat "$tmp/p.json")"
jq -e '.result.handshakes == 8' "$tmp/p.json" >/dev/null ||
  fail "persistent: connections were not kept (handshakes $(jq .result.handshakes "$tmp/p.json"))"
head -1 "$tmp/p.csv" | grep -q '^run,second,exchanges_per_s,' || fail "CSV header: $(head -1 "$tmp/p.csv")"
[ "$(grep -c '^target,' "$tmp/p.csv")" -ge 1 ] || fail "CSV has no per-second rows"
grep -q '^errors: none$' "$tmp/out" || fail "persistent: no 'errors: none' line"
grep -q 'request p99 (us)' "$tmp/out" || fail "persistent: no latency table"

# Fresh connections: a handshake pair per exchange.
run -D 2 -c 4 --fresh-connections --json "$tmp/f.json"
expect_rc 0 "fresh connections"
jq -e '.result.exchanges_verified > 0 and
       .result.handshakes >= 2 * .result.exchanges_verified' "$tmp/f.json" >/dev/null ||
  fail "fresh connections: JSON $(cat "$tmp/f.json")"

# Bounded by a count: exactly that many exchanges.
run -n 50 -c 4 --json "$tmp/n.json"
expect_rc 0 "--exchanges"
jq -e '.result.exchanges_verified == 50' "$tmp/n.json" >/dev/null ||
  fail "--exchanges 50: $(jq .result.exchanges_verified "$tmp/n.json")"

# Plain TCP and protocol v3.
run -D 1 -c 2 --plain --protocol 3 --json "$tmp/v3.json"
expect_rc 0 "plain v3"
jq -e '.tls == false and .protocol == "v3" and .result.exchanges_verified > 0' \
  "$tmp/v3.json" >/dev/null || fail "plain v3: JSON $(cat "$tmp/v3.json")"

# A server that puts the receiver's own contact in PeerContact: exit 1,
# the errors counted by kind.
run -D 2 -c 2 --json "$tmp/fault.json" --server-cmd \
  "$server -a 127.0.0.1:{port} -c {cert} -k {key} -r {request_limit} -v off --fault own-contact-in-peer-contact"
expect_rc 1 "own-contact-in-peer-contact"
jq -e '.result.exchanges_verified == 0 and .result.errors.peer_contact_is_own > 0' \
  "$tmp/fault.json" >/dev/null || fail "fault: JSON $(cat "$tmp/fault.json")"
grep -q 'peer_contact_is_own' "$tmp/out" || fail "fault: the error kind is not printed"

# A server that resets connections beyond 2 per address, all from one
# address: resets are their own error kind, and exit 1.
run -D 1 -c 4 --source-addresses 0 --json "$tmp/reset.json" --server-cmd \
  "$server -a 127.0.0.1:{port} -c {cert} -k {key} -r {request_limit} -v off --max-connections-per-ip 2"
expect_rc 1 "per-IP cap"
jq -e '.result.errors.connection_reset > 0' "$tmp/reset.json" >/dev/null ||
  fail "per-IP cap: no connection_reset: $(jq -c .result.errors "$tmp/reset.json")"

# Idle mode: every held connection still served; RSS per connection reported.
run idle -k 200 --json "$tmp/i.json"
expect_rc 0 "idle"
jq -e '.idle.held == 200 and .idle.served_at_end == 200 and
       .idle.server_rss_per_connection_kb > 0' "$tmp/i.json" >/dev/null ||
  fail "idle: JSON $(cat "$tmp/i.json")"

# Soak mode: RSS and descriptors sampled, flat.
run soak -D 3 --warmup 1 -c 2 --json "$tmp/s.json"
expect_rc 0 "soak"
jq -e '.server.soak.passed == true and .server.soak.rss_kib_end > 0 and
       .server.soak.fds_end > 0' "$tmp/s.json" >/dev/null || fail "soak: JSON $(cat "$tmp/s.json")"

# Calibration: the floor's figures and the ratios.
run -D 1 -c 2 --calibrate --json "$tmp/c.json"
expect_rc 0 "calibrate"
jq -e '.calibration.exchanges_verified > 0 and .ratios.exchanges_per_s > 0' "$tmp/c.json" \
  >/dev/null || fail "calibrate: JSON $(cat "$tmp/c.json")"
grep -q 'floor' "$tmp/out" || fail "calibrate: no floor column"

# Usage errors exit 2; a target where nothing answers exits 3.
run bogus-mode
expect_rc 2 "unknown mode"
run -c 0
expect_rc 2 "--pairs 0"
run --server-cmd x --target 127.0.0.1:1
expect_rc 2 "--server-cmd with --target"
run --target 192.0.2.1:2311
expect_rc 2 "non-loopback target"
run --target 127.0.0.1:1 --target-v6 '[::1]:1' --insecure
expect_rc 2 "--target-v6 (IPv4 only: it would be ignored)"
run --target 127.0.0.1:1 -n 4 --timeout 2
expect_rc 3 "nothing listening"

finish "gday-load"
