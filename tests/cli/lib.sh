# Sourced by the shell tests in this folder: jq (to read the JSON reports)
# and a failure count (`fail WHAT` records one; exit with `finish`).
if ! command -v jq >/dev/null; then
  echo "jq is missing (scripts/install-deps installs it)"
  exit 1
fi
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# Exits 0 when no check failed, else 1.
finish() {
  [ "$failures" -eq 0 ] && echo "$1: all checks passed"
  exit $((failures > 0))
}
