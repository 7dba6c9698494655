#!/usr/bin/env bash
# Self-test of the network fuzzer (issue 6): against `gday-reference-server
# --fault X` launched by --server-cmd, gday-fuzz-remote must find each of
# eight faults (five of peers vanishing with requests in flight, one of them
# needing resets accumulated over a session) within 60 s each (exit 1) and
# write a reproducer scenario that
# run-scenarios then fails on (exit 1) while the fault-free server passes it;
# against the fault-free server it must find nothing (exit 0). Findings and
# verdicts are read from the --json reports (docs/fuzzing.md,
# docs/report-schema.md) with jq.
# Usage: fuzz_remote_self_test.sh FUZZER RUNNER SERVER [CLEAN_SECONDS]
set -uo pipefail
fuzzer=$1
runner=$2
server=$3
clean_seconds=${4:-20}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

server_cmd() {
  echo "$server $* -k {key} -c {cert} -a 127.0.0.1:{port} -a [::1]:{port} -t {timeout} -r {request_limit} -v off"
}

failed=0
if ! command -v jq >/dev/null; then
  echo "jq is missing (scripts/install-deps installs it)"
  exit 1
fi

# The verdict of scenario $2 in the run-scenarios report $1 ("" if absent).
verdict_of() {
  jq -r --arg id "$2" '[.results[] | select(.id == $id) | .verdict] | first // ""' "$1" 2>/dev/null
}

# Bad input: a clear message and exit 2 (usage) or 3 (target unusable).
expect_exit() {
  local want=$1
  shift
  "$fuzzer" "$@" --out "$out/bad" >"$out/bad.log" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -q 'gday-fuzz-remote: ' "$out/bad.log"; then
    echo "gday-fuzz-remote $* exited $rc, expected $want with a message:"
    cat "$out/bad.log"
    failed=1
  fi
}
expect_exit 2 --protocol 4
expect_exit 2 --embedded-fault no-such-fault
expect_exit 2 --server-cmd "$server" --target 127.0.0.1:1
expect_exit 2 --target 192.0.2.1:2311
expect_exit 3 --target 127.0.0.1:1 --plain --duration 5
expect_exit 3 --server-cmd "sleep 30" --duration 5

# check_fault FAULT: the fuzzer finds it and writes a reproducer that fails on
# the faulty server and passes on the clean one; the outcome goes to
# $out/FAULT.result ("found ..." on success).
check_fault() {
  local fault=$1 dir=$out/$1 rc reproducer id replay_faulty replay_clean faulty_verdict clean_verdict
  timeout 300 "$fuzzer" --seed 1 --duration 60 --max-findings 1 --out "$dir" \
    --json "$out/$fault.json" --server-cmd "$(server_cmd --fault "$fault")" >"$out/$fault.log" 2>&1
  rc=$?
  reproducer=$(jq -r '.findings[0].reproducer // ""' "$out/$fault.json" 2>/dev/null)
  if [ "$rc" -ne 1 ] || [ -z "$reproducer" ] || [ ! -f "$reproducer" ]; then
    { echo "MISSED   $fault (gday-fuzz-remote exit $rc)"; tail -20 "$out/$fault.log"; } >"$out/$fault.result"
    return 1
  fi
  id=$(basename "$reproducer" .json)
  "$runner" --scenarios "$dir" --protocol 1 --color never --json "$out/$fault.replay.json" \
    --server-cmd "$(server_cmd --fault "$fault")" "$id" >"$out/$fault.replay" 2>&1
  replay_faulty=$?
  "$runner" --scenarios "$dir" --protocol 1 --color never --json "$out/$fault.clean.json" \
    --server-cmd "$(server_cmd)" "$id" >"$out/$fault.clean" 2>&1
  replay_clean=$?
  faulty_verdict=$(verdict_of "$out/$fault.replay.json" "$id")
  clean_verdict=$(verdict_of "$out/$fault.clean.json" "$id")
  # A crash is an ERROR (exit 3) when replayed: the server died mid-scenario.
  if { [ "$faulty_verdict" != FAIL ] && [ "$faulty_verdict" != ERROR ]; } ||
    { [ "$replay_faulty" -ne 1 ] && [ "$replay_faulty" -ne 3 ]; } ||
    [ "$clean_verdict" != PASS ] || [ "$replay_clean" -ne 0 ]; then
    { echo "BAD REPRODUCER for $fault: '$faulty_verdict' (exit $replay_faulty) on the faulty server," \
      "'$clean_verdict' (exit $replay_clean) on the clean one"
      cat "$out/$fault.replay" "$out/$fault.clean"; } >"$out/$fault.result"
    return 1
  fi
  echo "found    $fault: $(jq -r '.findings[0] | "\(.kind): \(.reason)"' "$out/$fault.json") -> $id" \
    >"$out/$fault.result"
}
export -f check_fault server_cmd verdict_of
export fuzzer runner server out

# The fault-free server runs while the faults are hunted, four at a time:
# most of each run is waiting on the servers.
"$fuzzer" --duration "$clean_seconds" --out "$out/clean" --json "$out/clean.json" \
  --server-cmd "$(server_cmd)" >"$out/clean.log" 2>&1 &
clean_pid=$!
faults=(wrong-error-for-taken-room own-contact-in-peer-contact crash-on-empty-body
  eof-mid-frame-blocks-new-connections room-dies-with-creator-connection
  reset-leaves-room-locked resets-leak-connection-slots dead-side-slot-kept)
printf '%s\n' "${faults[@]}" | xargs -P "${FUZZ_SELF_TEST_JOBS:-4}" -I{} bash -c 'check_fault "$1"' _ {}
for fault in "${faults[@]}"; do
  cat "$out/$fault.result" 2>/dev/null || echo "MISSED   $fault (no result)"
  grep -q '^found ' "$out/$fault.result" 2>/dev/null || failed=1
done

wait "$clean_pid"
rc=$?
summary=$(jq -r '"\(.sessions) sessions, \(.findings | length) findings, \(.fuzzer_defects) fuzzer defects"' \
  "$out/clean.json" 2>/dev/null)
echo "fault-free server, ${clean_seconds} s: ${summary:-no report} (exit $rc)"
findings=$(jq -r '(.findings | length) + .fuzzer_defects' "$out/clean.json" 2>/dev/null)
if [ "$rc" -ne 0 ] || [ "${findings:-1}" -ne 0 ]; then
  cat "$out/clean.log"
  failed=1
fi
exit "$failed"
