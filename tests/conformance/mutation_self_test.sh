#!/usr/bin/env bash
# Mutation self-test: for every fault of the reference server, the suite run
# against `gday-reference-server --fault NAME` (launched by --server-cmd) must
# exit 1 under --strict (SHOULD deviations count) with at least one failing
# scenario; hang and crash faults must end in FAIL/ERROR, never a stuck run.
# A fault the default suite misses on v1 gets a chance in the slow tier
# (--slow, its scenarios only: rate-window-never-resets needs R-2's 60 s
# window), then on v3.
# Which scenarios caught a fault is read from run-scenarios' --json report
# (docs/report-schema.md) with jq. Usage: mutation_self_test.sh RUNNER SERVER
set -uo pipefail
runner=$1
server=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! command -v jq >/dev/null; then
  echo "jq is missing (scripts/install-deps installs it)"
  exit 1
fi
mapfile -t faults < <("$server" --list-faults | awk '{print $1}')
# Every listed fault must be caught; an empty list would prove nothing.
if [ ${#faults[@]} -eq 0 ]; then
  echo "gday-reference-server --list-faults listed no faults"
  exit 1
fi

# attempt FAULT PROTOCOL LABEL FLAGS...: one run of the suite against the
# faulty server; writes $out/$fault.result and succeeds if it caught the fault.
attempt() {
  local fault=$1 protocol=$2 label=$3 cmd rc caught report started=$SECONDS
  shift 3
  cmd="$server --protocol $protocol --fault $fault -k {key} -c {cert} -a 127.0.0.1:{port} -a [::1]:{port} -t {timeout} -r {request_limit} -v off"
  report="$out/$fault.$label.json"
  timeout 600 "$runner" --strict --fail-fast -j 6 --color never --protocol "$protocol" "$@" \
    --server-cmd "$cmd" --json "$report" >"$out/$fault.log" 2>&1
  rc=$?
  # The scenarios that failed on the fault (under --strict a NON-STRICT one counts).
  caught=$(jq -r '[.results[] | select(.verdict == "FAIL" or .verdict == "ERROR" or
                     .verdict == "NON-STRICT") | .id] | unique | .[:3] | join(" ")' \
    "$report" 2>/dev/null)
  if [ -n "$caught" ] && { [ "$rc" -eq 1 ] || [ "$rc" -eq 3 ]; }; then
    echo "caught   $fault ($label, exit $rc, $((SECONDS - started)) s): $caught" >"$out/$fault.result"
    return 0
  fi
  { echo "MISSED   $fault (exit $rc)"; tail -5 "$out/$fault.log"; } >"$out/$fault.result"
  return 1
}

# The slow tier's scenarios (real-time waits such as R-2's window), by id.
slow_ids=$("$runner" --list | awk '/\[slow: --slow\]/ {print $1}' | tr '\n' ' ')

# One fault: v1, then the slow tier alone (only a fault the default suite
# misses pays its minute), then v3.
check_fault() {
  attempt "$1" 1 v1 ||
    { [ -n "$slow_ids" ] && attempt "$1" 1 v1-slow --slow $slow_ids; } ||
    attempt "$1" 3 v3
}
export -f attempt check_fault
export runner server out slow_ids

# Faults run four at a time: most of a run is waiting on deadlines.
printf '%s\n' "${faults[@]}" | xargs -P "${MUTATION_JOBS:-4}" -I{} bash -c 'check_fault "$1"' _ {}

missed=0
for fault in "${faults[@]}"; do
  cat "$out/$fault.result"
  grep -q '^caught ' "$out/$fault.result" || missed=$((missed + 1))
done
echo "${#faults[@]} faults, $missed missed"
[ "$missed" -eq 0 ]
