#!/bin/bash -eu
# Builds the gday-conformance fuzz targets for OSS-Fuzz and ClusterFuzzLite
# and puts into $OUT, per target: <name>_fuzzer, <name>_seed_corpus.zip,
# <name>.dict and <name>_fuzzer.options.
#
# The base-builder image sets $CXX, $CXXFLAGS (sanitizer and coverage flags of
# the build being made) and $LIB_FUZZING_ENGINE. Those flags instrument every
# library, so GDAY_FUZZ_FLAGS is emptied (the local `fuzz` preset adds them to
# the fuzz targets itself). Only the fuzz targets are built (`fuzzers`): the
# CLI programs would link Boost libraries built against libstdc++, while
# OSS-Fuzz compiles C++ with libc++. The fuzzers run in an image without the
# OpenSSL and Boost shared libraries: OpenSSL is linked statically
# (OPENSSL_USE_STATIC_LIBS; tls_session_fuzzer needs libssl and libcrypto, and
# OpenSSL stays uninstrumented), and --as-needed keeps the unused Boost
# libraries out.

src=${GDAY_SRC:-$SRC/gday-conformance}
build=$WORK/gday-build
targets=(frame_decoder client_msg server_msg server_core scenario_loader tls_session)

cmake -S "$src" -B "$build" \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,--as-needed" \
  -DOPENSSL_USE_STATIC_LIBS=TRUE \
  -DGDAY_BUILD_TESTS=OFF \
  -DGDAY_BUILD_BENCH=OFF \
  -DGDAY_BUILD_FUZZERS=ON \
  -DGDAY_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DGDAY_FUZZ_FLAGS=""
cmake --build "$build" --target fuzzers -j"$(nproc)"

for name in "${targets[@]}"; do
  cp "$build/bin/${name}_fuzzer" "$OUT/"
  if ldd "$OUT/${name}_fuzzer" 2>/dev/null | grep -E 'libboost|libssl|libcrypto'; then
    echo "build.sh: ${name}_fuzzer needs shared libraries the runner image lacks" >&2
    exit 1
  fi
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$src/corpus/$name" && zip -q -X "$OUT/${name}_seed_corpus.zip" ./*)
  cp "$src/corpus/$name.dict" "$OUT/${name}.dict"
done

# max_len: room for a maximum-length v1 frame (65538 bytes) where framing is
# under test; the codec targets need no more than a few KiB per body, and
# tls_session's recorded conversations stay under 8 KiB.
write_options() {
  printf '[libfuzzer]\ndict = %s.dict\nmax_len = %s\n' "$1" "$2" >"$OUT/$1_fuzzer.options"
}
write_options frame_decoder 70000
write_options client_msg 4096
write_options server_msg 4096
write_options server_core 70000
write_options scenario_loader 65536
write_options tls_session 8192
