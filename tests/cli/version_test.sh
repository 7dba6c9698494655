#!/usr/bin/env bash
# --version on every binary: the program's name, the project version and the
# git revision (or that it was not built from a checkout); run-scenarios
# also the profiles and how many scenarios it knows.
# Usage: version_test.sh VERSION BINARY...
set -uo pipefail
version=$1
shift
. "$(dirname "$0")/lib.sh"
for bin in "$@"; do
  name=$(basename "$bin")
  line=$("$bin" --version | head -1)
  [[ "$line" =~ ^$name\ $version\ \((git\ [0-9a-f].*|not\ built\ from\ a\ git\ checkout)\)$ ]] ||
    fail "$name --version: '$line'"
done
for bin in "$@"; do
  [ "$(basename "$bin")" = run-scenarios ] || continue
  out=$("$bin" --version)
  grep -q '^protocol profiles: v1 (gday 0.3.x), v2 (gday 0.4.x), v3 (gday 0.5.x)$' <<<"$out" ||
    fail "run-scenarios --version: no profiles: $out"
  grep -Eq '^scenarios: [1-9][0-9]* for servers, [1-9][0-9]* for clients, from ' <<<"$out" ||
    fail "run-scenarios --version: no scenario counts: $out"
done
finish "--version"
