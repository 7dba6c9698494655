#!/usr/bin/env bash
# The strict reply oracle (spec J-9) through the real binary: a server whose
# replies decode to the right messages but are not upstream's bytes is
# NON-STRICT (exit 0) without --strict and fails the run (exit 1) with it;
# the report names J-9 (and J-5 for address texts) and shows both forms.
# The fault-free server is byte-exact: exit 0 even with --strict.
# Usage: strict_oracle_test.sh RUNNER
set -uo pipefail
runner=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
. "$(dirname "$0")/lib.sh"
selection='json/address-display-*'

# run NAME EXIT FLAGS...: runs the selection, checks the exit code and that
# the JSON report states the same one.
run() {
  local name=$1 want=$2 rc
  shift 2
  "$runner" --color never "$selection" --json "$out/$name.json" "$@" >"$out/$name.log" 2>&1
  rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit $rc, expected $want ($*)"
  [ "$(jq '.totals.exit_code' "$out/$name.json" 2>/dev/null)" = "$rc" ] ||
    fail "$name: the JSON report's exit_code is not the process's ($rc)"
}

run clean 0 --strict
[ "$(jq '[.results[] | select(.verdict != "PASS")] | length' "$out/clean.json")" = 0 ] ||
  fail "clean: the fault-free server is not PASS everywhere"
[ "$(jq '[.results[] | select(.non_canonical)] | length' "$out/clean.json")" = 0 ] ||
  fail "clean: a reply of the fault-free server was flagged non-canonical"

for fault in omit-null-addresses echo-local-as-sent; do
  run "$fault" 0 --embedded-fault "$fault"
  runs=$(jq '.results | length' "$out/$fault.json")
  soft=$(jq '[.results[] | select(.verdict == "NON-STRICT" and .non_canonical and
              (.requirements | index("J-9")))] | length' "$out/$fault.json")
  [ "$runs" -gt 0 ] && [ "$soft" = "$runs" ] ||
    fail "$fault: $soft of $runs results are NON-STRICT with J-9"
  jq -r '.results[0].reason' "$out/$fault.json" |
    grep -Eq 'expected .* received .*first difference at byte [0-9]+' ||
    fail "$fault: the reason does not show both forms and the offset"
  run "$fault-strict" 1 --embedded-fault "$fault" --strict
done
[ "$(jq '[.results[] | select(.requirements | index("J-5"))] | length' \
  "$out/echo-local-as-sent.json")" -gt 0 ] || fail "echo-local-as-sent: J-5 is not named"
grep -q 'J-5 ' "$out/echo-local-as-sent.log" || fail "echo-local-as-sent: no J-5 row in the console"
# Omitted nulls are no address form: J-9 only.
[ "$(jq '[.results[] | select(.reason | contains("(J-9, J-5)"))] | length' \
  "$out/omit-null-addresses.json")" = 0 ] || fail "omit-null-addresses: blamed on J-5"

if [ "$failures" -ne 0 ]; then
  for f in "$out"/*.log; do
    echo "== $f"
    tail -20 "$f"
  done
  exit 1
fi
echo "strict oracle: all checks passed"
