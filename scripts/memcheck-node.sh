#!/usr/bin/env bash
# Runs Node test files under valgrind memcheck, with the addon `npm ci` / `npm run build` made:
# the Neon binding (frame views, copyTo bands, codec boxes, the callback channel) and the Rust
# code under it, driven through the JavaScript API. Fails on an invalid read or write, a use of
# an uninitialised value (scripts/memcheck.supp lists the reports that are not ours) or a
# failing test. Leaks are not checked here: Node leaves its N-API references and externals to
# the process's exit, so every run would report them (scripts/leakcheck.sh checks the Rust
# crates' leaks; test-stress/leak.js checks the API's memory over 100,000 frames).
#   scripts/memcheck-node.sh                  the CI list below (about 6.5 minutes on 2 CPUs)
#   scripts/memcheck-node.sh test/a.test.js   those files
# Two files run at a time; each one's log is target/memcheck/<file>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "memcheck-node: valgrind is not installed" >&2; exit 2; }

# Not here: files that encode HEVC (x265 reads uninitialised memory of its own in its SAO
# statistics and entropy coder, and those bits reach the stream and the HEVC decoder: hundreds
# of reports, none ours), files of large frames or long clips (an hour or more under
# valgrind), and files whose work runs in child processes (not traced).
# test/safe-callback.test.js is left out too: it has no memcheck report, but its checks need
# threads that really run at once (valgrind runs one at a time), so three of them fail there;
# every codec file below goes through the same channel.
FILES=(
  test/conformance/wpt-video-frame-construction.test.js
  test/conformance/wpt-video-frame-copyto.test.js
  test/conformance/wpt-video-copyto-rgb.test.js
  test/conformance/wpt-video-chunk.test.js
  test/conformance/wpt-audio-data.test.js
  test/audio/audio-data.test.js
  test/video/pixel-formats.test.js
  test/video/decoder-output.test.js
  test/video/reconfigure.test.js
  test/video/alpha.test.js
  test/conformance/wpt-video-decoder.test.js
  test/conformance/wpt-audio-decoder.test.js
  test/conformance/wpt-audio-encoder.test.js
  test/audio/codecs.test.js
  test/reliability/lifecycle.test.js
  test/reliability/errors.test.js
  test/reliability/decoded-frames.test.js
  test/reliability/descriptions.test.js
  test/image/decode.test.js
  test/image/progressive.test.js
  test/image/stream-and-errors.test.js
  test/image/animation.test.js
  test/conformance/wpt-image-decoder.test.js
  test/fuzz/api-sequences.test.js
  test/fuzz/image-bitstream.test.js
  test/fuzz/bitstream.test.js
  test/conformance/wpt-video-encoder-config.test.js
  test/conformance/wpt-video-hdr.test.js
  test/conformance/av1-encoder-config.test.js
  test/conformance/vp9-color-space.test.js
  test/conformance/audio-config.test.js
  test/video/config-support.test.js
  test/integration/transform.test.js
  test/fuzz/transform.test.js
)
[ $# -gt 0 ] && FILES=("$@")

mkdir -p target/memcheck
export MEMCHECK_SUPP="$PWD/scripts/memcheck.supp"
one() {
  local f=$1 log start=$SECONDS
  log="target/memcheck/$(echo "$f" | tr '/' '_').log"
  # Smaller translation blocks: with the default (50 instructions) the AV1 libraries'
  # assembly exhausts valgrind 3.19's "VEX temporary storage".
  if valgrind --quiet --error-exitcode=99 --suppressions="$MEMCHECK_SUPP" --num-callers=30 \
    --error-limit=no --vex-guest-max-insns=25 node "$f" > "$log" 2>&1; then
    echo "memcheck-node: $f ok ($((SECONDS - start)) s)"
  else
    echo "memcheck-node: $f FAILED ($((SECONDS - start)) s); log: $log" >&2
    grep -E "^==[0-9]+== [A-Z]|^==[0-9]+==    (at|by) |^not ok|^# (pass|fail)" "$log" | head -60 >&2 || true
    return 1
  fi
}
export -f one
printf '%s\n' "${FILES[@]}" | xargs -P 2 -I{} bash -c 'one "$@"' _ {}
