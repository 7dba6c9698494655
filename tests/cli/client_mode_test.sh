#!/usr/bin/env bash
# Testing clients (run-scenarios --client) through the real binaries:
# gday-reference-client passes every client scenario on every profile, both
# roles under test and one role at a time (the other played in-process);
# a client that hangs is killed at its deadline and fails; a client that
# does nothing fails every scenario; bad flags are usage errors (exit 2).
# gday-reference-server --script answers as a client scenario says, by hand.
# Usage: client_mode_test.sh RUNNER CLIENT SERVER
set -uo pipefail
runner=$1
client=$2
server=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
. "$(dirname "$0")/lib.sh"
creator="$client --creator --room {room} --port {port} --ca {ca} --timeout 2 --protocol {protocol}"
joiner="$client --joiner --room {room} --port {port} --ca {ca} --timeout 2 --protocol {protocol}"

# run NAME WANT_EXIT ARGS...: runs run-scenarios --client with a JSON report.
run() {
  local name=$1 want=$2
  shift 2
  "$runner" --client --color never --json "$out/$name.json" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$name: exit $rc, expected $want"
    tail -30 "$out/$name.log"
  fi
}
count() { jq "[.results[] | select(.verdict == \"$2\")] | length" "$out/$1.json"; }

run both 0 -j 4 --protocol all --creator-cmd "$creator" --joiner-cmd "$joiner"
[ "$(count both FAIL)" -eq 0 ] && [ "$(count both PASS)" -ge 88 ] ||
  fail "both roles: $(count both PASS) PASS, $(count both FAIL) FAIL"

run joiner-only 0 --joiner-cmd "$joiner"
[ "$(count joiner-only PASS)" -ge 5 ] && [ "$(count joiner-only FAIL)" -eq 0 ] ||
  fail "joiner only: $(count joiner-only PASS) PASS, $(count joiner-only FAIL) FAIL"

# A client that never ends: killed at its deadline, FAIL, and reported within
# the deadline (1 s) plus 2 s.
start=$(date +%s)
run hangs 1 --creator-cmd "sleep 60" --client-timeout 1 --summary-md "$out/hangs.md" \
  client/creator-room-taken
grep -qx '## gday conformance: \*\*FAILED\*\* (exit 1)' "$out/hangs.md" &&
  grep -q '^#### FAIL `client/creator-room-taken` \[v1\]' "$out/hangs.md" ||
  fail "--summary-md: $(head -c 600 "$out/hangs.md")"
[ $(($(date +%s) - start)) -le 10 ] || fail "a hanging client was not killed at its deadline"
jq -e '.results[0].verdict == "FAIL" and (.results[0].reason | test("killed")) and
       .results[0].duration_ms <= 3000' \
  "$out/hangs.json" >/dev/null ||
  fail "hang: $(jq -c '.results[0] | [.verdict, .reason, .duration_ms]' "$out/hangs.json")"
# A client may wait for a peer that never comes (exit "waiting"): stopped at
# the deadline without a verdict on that; what it sent is still judged.
run waits 0 --creator-cmd "$creator" --client-timeout 1 client/creator-waits-after-ready
run waits-faulty 1 --creator-cmd "$creator --fault ready-twice" --client-timeout 1 \
  client/creator-waits-after-ready

# A client that crashes (dies of a signal) on the error fails: it reported nothing.
run crashes 1 --creator-cmd "$client --creator --room {room} --port {port} --ca {ca} --timeout 2 || kill -SEGV \$\$" \
  client/creator-room-taken
jq -e '.results[0].verdict == "FAIL" and (.results[0].reason | test("signal 11"))' \
  "$out/crashes.json" >/dev/null || fail "crash: $(jq -c '.results[0] | [.verdict, .reason]' "$out/crashes.json")"

# A client that does nothing and exits 0 fails every scenario (no false green).
run does-nothing 1 --creator-cmd true --joiner-cmd true --client-timeout 1
[ "$(count does-nothing PASS)" -eq 0 ] && [ "$(count does-nothing NON-STRICT)" -eq 0 ] ||
  fail "a client that does nothing: $(count does-nothing PASS) PASS, $(count does-nothing NON-STRICT) NON-STRICT"

# A client that reports errors but exits 0: NON-STRICT, not PASS; --strict fails the run.
wrap="$out/exit0.sh"
printf '#!/bin/sh\n"$@"\nexit 0\n' >"$wrap"
chmod +x "$wrap"
run exit-zero 0 --creator-cmd "$wrap $creator" client/creator-room-taken
jq -e '.results[0].verdict == "NON-STRICT"' "$out/exit-zero.json" >/dev/null ||
  fail "exit 0 on error: $(jq -c '.results[0] | [.verdict, .reason]' "$out/exit-zero.json")"
run exit-zero-strict 1 --strict --creator-cmd "$wrap $creator" client/creator-room-taken

# Usage errors.
run no-command 2
"$runner" --creator-cmd true >"$out/no-client.log" 2>&1
[ $? -eq 2 ] || fail "--creator-cmd without --client is not a usage error"

# The baseline and -x work as for servers: a listed failure is XFAIL (exit 0),
# a listed pass is XPASS (exit 1); -x starts nothing after the first failure
# (one at a time here: with -j, runs already started still finish).
echo '{"expected_failures": [{"id": "client/creator-room-taken", "reason": "known"}]}' >"$out/baseline.json"
run xfail 0 --baseline "$out/baseline.json" --creator-cmd "sleep 60" --client-timeout 1 \
  client/creator-room-taken
run xpass 1 --baseline "$out/baseline.json" --creator-cmd "$creator" client/creator-room-taken
run fail-fast 1 -x -j 1 --creator-cmd "sleep 60" --client-timeout 1 client/creator-room-taken \
  client/creator-stall-at-create
[ "$(jq '.results | length' "$out/fail-fast.json")" -eq 1 ] || fail "-x ran on after a failure"

# Nothing tested is not a pass: every run skipped, or a selection of the other kind.
run all-skipped 2 --joiner-cmd "$joiner" client/creator-room-taken
grep -q "nothing was tested" "$out/all-skipped.log" || fail "all skipped: no message"
[ "$(jq .totals.exit_code "$out/all-skipped.json")" = 2 ] ||
  fail "all skipped: the JSON report's exit_code is not the process's (2)"
"$runner" client/creator-room-taken >"$out/server-mode.log" 2>&1
[ $? -eq 2 ] || fail "a client scenario selected without --client is not a usage error"
run server-ids 2 --creator-cmd true messages/create-room
# Flags that choose a server would be ignored with --client: usage errors.
run server-flag 2 --creator-cmd true --server-cmd 'x {port}'

# The same scripted answers from the server binary, for trying a client by hand.
scenarios=$(cd "$(dirname "$0")/../../scenarios" && pwd)
"$server" -u -a 127.0.0.1:0 --script "$scenarios/client/creator-room-taken.json" \
  >"$out/scripted.out" 2>"$out/scripted.err" &
scripted=$!
for _ in $(seq 100); do grep -q listening "$out/scripted.out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$out/scripted.out")
if [ -n "$port" ]; then
  "$client" --creator --room x --port "$port" --plain --no-v6 --timeout 2 >"$out/by-hand.log" 2>&1
  [ $? -eq 1 ] && grep -q ErrorRoomTaken "$out/by-hand.log" ||
    fail "--script: the client was not answered ErrorRoomTaken: $(cat "$out/by-hand.log")"
  grep -q "request CreateRoom" "$out/scripted.err" || fail "--script logs no requests"
else
  fail "--script: the server did not start: $(cat "$out/scripted.err")"
fi
kill "$scripted" 2>/dev/null
wait "$scripted" 2>/dev/null
"$server" -u --script "$scenarios/messages/create-room.json" >"$out/not-client.log" 2>&1
[ $? -eq 2 ] && grep -q "client scenario" "$out/not-client.log" ||
  fail "--script with a server scenario is not a usage error"

finish "client mode"
