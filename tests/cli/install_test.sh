#!/usr/bin/env bash
# What a user gets from `cmake --install` or the .deb, run from where it
# landed: the four programs, the scenario library found beside them with no
# flags (and after the whole tree moved: nothing configured is baked in),
# --scenarios replacing it, the docs, and the suite itself: the installed
# run-scenarios against the embedded server and against the installed
# gday-reference-server, clean (exit 0) and with a fault (exit 1).
# Usage: install_test.sh install|deb BUILD_DIR
set -uo pipefail
mode=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
programs=(run-scenarios gday-reference-server gday-reference-client gday-fuzz-remote gday-load)

case "$mode" in
  install)
    cmake --install "$build" --prefix "$tmp/first" >"$tmp/install.log" 2>&1 ||
      { cat "$tmp/install.log"; fail "cmake --install failed"; finish install; }
    # Relocatable: the installed tree works from wherever it is moved to.
    mv "$tmp/first" "$tmp/moved"
    prefix=$tmp/moved
    ;;
  deb)
    command -v dpkg-shlibdeps >/dev/null ||
      { fail "dpkg-shlibdeps is missing (package dpkg-dev; scripts/install-deps)"; finish deb; }
    (cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -B "$tmp/pkg") >"$tmp/cpack.log" 2>&1 ||
      { cat "$tmp/cpack.log"; fail "cpack failed"; finish deb; }
    debs=("$tmp"/pkg/*.deb)
    [ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { fail "no single .deb: ${debs[*]}"; finish deb; }
    deb=${debs[0]}
    [[ "$(basename "$deb")" =~ ^gday-conformance_[0-9.]+_amd64\.deb$ ]] ||
      fail ".deb named $(basename "$deb")"
    depends=$(dpkg-deb -f "$deb" Depends)
    for dep in libssl3 libboost-program-options1.81.0 libboost-filesystem1.81.0 libstdc++6 libc6; do
      grep -q "\\b$dep\\b" <<<"$depends" || fail "Depends lacks $dep: $depends"
    done
    contents=$(dpkg-deb -c "$deb")
    grep -Eq '_tests$|_fuzzer$|gday-bench' <<<"$contents" && fail "the .deb holds tests, fuzzers or benchmarks"
    dpkg-deb -x "$deb" "$tmp/root" || { fail "dpkg-deb -x failed"; finish deb; }
    prefix=$tmp/root/usr
    ;;
  *)
    echo "usage: install_test.sh install|deb BUILD_DIR" >&2
    exit 2
    ;;
esac

bin=$prefix/bin
data=$prefix/share/gday-conformance
for p in "${programs[@]}"; do
  [ -x "$bin/$p" ] || fail "$p not installed in $bin"
  "$bin/$p" --version >/dev/null 2>&1 || fail "installed $p --version does not run"
done
[ -f "$data/scenarios/scenario.schema.json" ] || fail "the scenario schema is not installed"
[ -f "$prefix/share/doc/gday-conformance/gday-contact-exchange.md" ] || fail "the spec is not installed"
[ -f "$prefix/share/doc/gday-conformance/testing-your-server.md" ] || fail "the guides are not installed"
installed=$(find "$data/scenarios" -name '*.json' ! -name scenario.schema.json | wc -l)
source=$(find "$(dirname "$0")/../../scenarios" -name '*.json' ! -name scenario.schema.json | wc -l)
[ "$installed" -eq "$source" ] || fail "$installed scenario files installed, $source in the source tree"

# Run from elsewhere, so nothing is found relative to the working folder.
cd "$tmp" || exit 1
version=$("$bin/run-scenarios" --version)
grep -qx "scenarios: [0-9]* for servers, [0-9]* for clients, from $data/scenarios" <<<"$version" ||
  fail "run-scenarios does not find its installed scenarios: $version"

# run NAME WANT_EXIT ARGS...: the installed run-scenarios, and its JSON report.
run() {
  local name=$1 want=$2 rc
  shift 2
  "$bin/run-scenarios" --color never --protocol 1 --json "$tmp/$name.json" "$@" >"$tmp/$name.log" 2>&1
  rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$name: exit $rc, expected $want"
    tail -20 "$tmp/$name.log"
  fi
}
run embedded 0 'messages/*' 'framing/bad-json'
[ "$(jq '[.results[] | select(.verdict == "PASS")] | length' "$tmp/embedded.json" 2>/dev/null)" -gt 5 ] ||
  fail "embedded: fewer than 6 PASS results"

server="$bin/gday-reference-server -k {key} -c {cert} -a 127.0.0.1:{port} -a [::1]:{port} -t {timeout} -r {request_limit} -v off"
run launched 0 --server-cmd "$server" 'messages/*'
run fault 1 --server-cmd "$server --fault wrong-error-for-taken-room" 'messages/*'
[ "$(jq '[.results[] | select(.verdict == "FAIL")] | length' "$tmp/fault.json" 2>/dev/null)" -gt 0 ] ||
  fail "fault: no FAIL in the report"

# --scenarios replaces the installed library.
mkdir -p "$tmp/mine/messages"
cp "$data/scenarios/messages/create-room.json" "$tmp/mine/messages/" ||
  fail "no messages/create-room.json installed"
listed=$("$bin/run-scenarios" --scenarios "$tmp/mine" --list | grep -c '^messages/')
[ "$listed" -eq 1 ] || fail "--scenarios DIR: $listed scenarios listed, expected 1"
"$bin/run-scenarios" --scenarios "$tmp/nonexistent" --list >"$tmp/missing.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "$tmp/nonexistent" "$tmp/missing.log" ||
  fail "--scenarios of a missing folder: exit $rc, $(cat "$tmp/missing.log")"

finish "$mode"
