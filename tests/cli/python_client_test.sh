#!/usr/bin/env bash
# Tried as a new user would, with a client that is not ours: py_gday_client.py
# (Python's ssl + json, written from the spec alone) through --creator-cmd and
# --joiner-cmd. The correct client passes every v1 scenario and the exchange
# on v3; the one that hangs is killed and fails (C-3 MUST); the one that exits
# 0 on errors is NON-STRICT (exit 0), and exit 1 under --strict.
# Usage: python_client_test.sh RUNNER
set -uo pipefail
runner=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null; then
  echo "python3 is missing (scripts/install-deps installs it)"
  exit 1
fi
client="python3 $(dirname "$0")/py_gday_client.py"
side() { echo "$client --role $1 --room {room} --port {port} --ca {ca} --protocol {protocol} --timeout 2 --behaviour $2"; }

# run NAME WANT_EXIT BEHAVIOUR ARGS...
run() {
  local name=$1 want=$2 behaviour=$3
  shift 3
  "$runner" --client -j 4 --client-timeout 6 --color never --json "$out/$name.json" \
    --creator-cmd "$(side creator "$behaviour")" --joiner-cmd "$(side joiner "$behaviour")" \
    "$@" >"$out/$name.log" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$name: exit $rc, expected $want"
    tail -30 "$out/$name.log"
  fi
}
verdicts() { jq -r '[.results[] | .verdict] | unique | join(",")' "$out/$1.json"; }

run correct-v1 0 correct --protocol 1
[ "$(verdicts correct-v1)" = "PASS" ] && [ "$(jq '.results | length' "$out/correct-v1.json")" -ge 32 ] ||
  fail "the correct client on v1: $(jq -c .totals "$out/correct-v1.json")"
run correct-v3 0 correct --protocol 3 client/exchange-end-to-end client/replies-bytewise
[ "$(verdicts correct-v3)" = "PASS" ] || fail "the correct client on v3: $(verdicts correct-v3)"

errors=(client/creator-room-taken client/creator-stall-at-create client/joiner-no-such-room)
run hangs 1 hangs --protocol 1 "${errors[@]}"
jq -e '[.results[] | select(.verdict == "FAIL" and (.reason | test("killed")))] | length == 3' \
  "$out/hangs.json" >/dev/null ||
  fail "the hanging client: $(jq -c '[.results[] | [.id, .verdict, .reason]]' "$out/hangs.json")"

run exit-zero 0 exit-zero --protocol 1 "${errors[@]}"
[ "$(verdicts exit-zero)" = "NON-STRICT" ] || fail "the exit-0 client: $(verdicts exit-zero)"
run exit-zero-strict 1 exit-zero --protocol 1 --strict "${errors[@]}"

finish "python client"
