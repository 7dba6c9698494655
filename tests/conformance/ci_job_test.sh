#!/usr/bin/env bash
# scripts/ci-job, the CI job third-party servers use, run as they would run it
# (the build step skipped: the binaries under test are this build's):
# against gday-reference-server started by --server-cmd, clean (exit 0, a
# summary with no failures) and with a fault (exit 1, the summary names the
# failing requirement and scenario), the summary appended to
# $GITHUB_STEP_SUMMARY, and usage errors (exit 2).
# Usage: ci_job_test.sh RUNNER SERVER
set -uo pipefail
runner=$1
server=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
. "$root/tests/cli/lib.sh"
export GDAY_BIN_DIR
GDAY_BIN_DIR=$(dirname "$runner")
cmd="$server -k {key} -c {cert} -a 127.0.0.1:{port} -a [::1]:{port} -t {timeout} -r {request_limit} -v off"

# job NAME WANT_EXIT ARGS...
job() {
  local name=$1 want=$2
  shift 2
  GITHUB_STEP_SUMMARY="$out/$name.step-summary" "$root/scripts/ci-job" --no-build \
    --out "$out/$name" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$name: exit $rc, expected $want"
    tail -20 "$out/$name.log"
  fi
}

job clean 0 --server-cmd "$cmd" --protocol 1 --scenarios 'messages/*'
for f in summary.md report.html junit.xml report.json console.txt; do
  [ -s "$out/clean/$f" ] || fail "clean: no $f"
done
grep -qx '## gday conformance: passed (exit 0)' "$out/clean/summary.md" ||
  fail "clean summary: $(head -3 "$out/clean/summary.md")"
grep -q '### Failures' "$out/clean/summary.md" && fail "clean summary lists failures"
cmp -s "$out/clean/summary.md" "$out/clean.step-summary" ||
  fail "the summary was not appended to \$GITHUB_STEP_SUMMARY"

job fault 1 --server-cmd "$cmd --fault wrong-error-for-taken-room" --protocol 1 \
  --scenarios 'messages/*'
grep -qx '## gday conformance: \*\*FAILED\*\* (exit 1)' "$out/fault/summary.md" ||
  fail "fault summary: $(head -3 "$out/fault/summary.md")"
grep -q '^#### FAIL `messages/' "$out/fault/summary.md" || fail "fault: no failing scenario named"
grep -q '^| M-1 | [0-9]* | [0-9]* | [1-9]' "$out/fault/summary.md" ||
  fail "fault: requirement M-1 not shown failing: $(grep '^| M-1' "$out/fault/summary.md")"

# A server that cannot start: exit 3, and still a summary saying so.
job unusable 3 --server-cmd "/nonexistent/server {port}" --protocol 1 --scenarios 'messages/*'
grep -q 'did not run to the end (exit 3)' "$out/unusable/summary.md" ||
  fail "unusable: $(head -3 "$out/unusable/summary.md")"

# --use-version (the action's `version`): that tag's ci-job runs, fetched
# once into .gday-conformance-TAG (here from a local repository standing in
# for GitHub, holding this ci-job under a tag; the binaries are this build's).
mkdir -p "$out/upstream/scripts" "$out/work"
sed 's|^set -uo pipefail$|set -uo pipefail\necho "== ci-job: this is the tagged copy"|' \
  "$root/scripts/ci-job" >"$out/upstream/scripts/ci-job"
chmod +x "$out/upstream/scripts/ci-job"
(cd "$out/upstream" && git init -q && git add -A &&
  git -c user.name=test -c user.email=test@localhost commit -qm tagged &&
  git tag v9.9.9-test) || fail "cannot make the stand-in repository"
(cd "$out/work" && GDAY_REPOSITORY=$out/upstream GDAY_VERSION=v9.9.9-test \
  GDAY_SERVER_CMD="$cmd" GDAY_PROTOCOL=1 GDAY_SCENARIOS='messages/create-room' \
  "$root/scripts/ci-job" --from-env --no-build --out "$out/version" >"$out/version.log" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || { fail "version: exit $rc"; tail -20 "$out/version.log"; }
grep -q 'this is the tagged copy' "$out/version.log" || fail "version: the tagged ci-job did not run"
[ -x "$out/work/.gday-conformance-v9.9.9-test/scripts/ci-job" ] || fail "version: no checkout"
grep -qx '## gday conformance: passed (exit 0)' "$out/version/summary.md" ||
  fail "version: no summary from the tagged ci-job"
(cd "$out/work" && GDAY_REPOSITORY=$out/upstream "$root/scripts/ci-job" --no-build \
  --use-version v0.0.0-missing --server-cmd "$cmd" --out "$out/missing" >"$out/missing.log" 2>&1)
rc=$?
[ "$rc" -eq 3 ] && grep -q "cannot fetch version 'v0.0.0-missing'" "$out/missing.log" ||
  fail "missing version: exit $rc, $(tail -2 "$out/missing.log")"

job no-target 2
job two-targets 2 --server-cmd x --target 127.0.0.1:1
job unknown 2 --server-cmd x --whatever
finish "ci-job"
