#!/usr/bin/env bash
# Client mutation self-test: for every fault of the reference client
# (gday-reference-client --list-faults), the client suite run with both roles
# played by `gday-reference-client --fault NAME` must exit 1 under --strict
# (SHOULD and MAY deviations count) with at least one failing scenario. The
# same run with the fault-free client must exit 0, so each failure is the
# fault's. Usage: client_mutation_self_test.sh RUNNER CLIENT
set -uo pipefail
runner=$1
client=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
. "$(dirname "$0")/../cli/lib.sh"

mapfile -t faults < <("$client" --list-faults | awk '{print $1}')
if [ ${#faults[@]} -lt 8 ]; then
  echo "gday-reference-client --list-faults listed ${#faults[@]} faults, expected at least 8"
  exit 1
fi

# suite NAME FLAGS...: the v1 client suite, both roles, --strict, stopping at
# the first failure; the exit status is run-scenarios'.
suite() {
  local name=$1 side
  shift
  local args=(--room {room} --port {port} --ca {ca} --timeout 2 --protocol {protocol} "$@")
  timeout 300 "$runner" --client --strict --fail-fast --protocol 1 --client-timeout 5 \
    --color never --json "$out/$name.json" \
    --creator-cmd "$client --creator ${args[*]}" --joiner-cmd "$client --joiner ${args[*]}" \
    >"$out/$name.log" 2>&1
}

suite clean
rc=$?
if [ "$rc" -ne 0 ]; then
  fail "the fault-free client: exit $rc, expected 0"
  tail -20 "$out/clean.log"
fi

for fault in "${faults[@]}"; do
  start=$(date +%s)
  suite "$fault" --fault "$fault"
  rc=$?
  caught=$(jq -r '[.results[] | select(.verdict == "FAIL" or .verdict == "NON-STRICT") |
                   .id + " (" + .verdict + ": " + .reason[:120] + ")"] | .[0] // ""' \
    "$out/$fault.json" 2>/dev/null)
  if [ "$rc" -eq 1 ] && [ -n "$caught" ]; then
    echo "caught $fault in $(($(date +%s) - start)) s: $caught"
  else
    fail "$fault was not caught (exit $rc)"
    tail -20 "$out/$fault.log"
  fi
done
finish "client mutation self-test (${#faults[@]} faults)"
