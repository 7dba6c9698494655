#!/bin/bash -eu
# ClusterFuzzLite uses the same build as OSS-Fuzz.
exec "$SRC/gday-conformance/fuzz/oss-fuzz/build.sh"
