#!/usr/bin/env bash
# Runs the Rust tests of control-queue, codec-core and a CI-sized subset of codec-ffmpeg under
# valgrind memcheck. Fails on invalid reads/writes, uses of uninitialised memory, and definitely
# or indirectly lost blocks ("possibly lost"/"still reachable" are ignored: FFmpeg and the Rust
# test harness keep process-lifetime allocations).
#   scripts/leakcheck.sh          CI-sized subset
#   LEAKCHECK_FULL=1 scripts/...  every test (slow: FFmpeg encoders run ~50x slower under valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "leakcheck: valgrind is not installed" >&2; exit 2; }

# Test executables of the three crates, by target name.
declare -A BIN
while IFS=' ' read -r name path; do BIN[$name]=$path; done < <(
  cargo test --no-run -p codec-core -p control-queue -p codec-ffmpeg --message-format=json 2>/dev/null |
    node -e '
      let s = "";
      process.stdin.on("data", (d) => { s += d; }).on("end", () => {
        for (const l of s.split("\n")) {
          if (!l.startsWith("{")) continue;
          const j = JSON.parse(l);
          if (j.reason === "compiler-artifact" && j.executable && j.profile.test) console.log(j.target.name, j.executable);
        }
      });')

VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-origins=no --num-callers=30)
export PROPTEST_CASES="${PROPTEST_CASES:-8}"
failed=0
run() { # run <target> [test names...]
  local t=$1; shift
  local start=$SECONDS
  local args=(--test-threads=1)
  [ $# -gt 0 ] && args+=(--exact "$@")
  if "${VG[@]}" "${BIN[$t]}" "${args[@]}" > "target/leakcheck-$t.log" 2>&1; then
    echo "leakcheck: $t ok ($((SECONDS - start)) s)"
  else
    echo "leakcheck: $t FAILED ($((SECONDS - start)) s); log: target/leakcheck-$t.log" >&2
    grep -E "^==[0-9]+== [A-Z]|definitely|indirectly|test result|panicked" "target/leakcheck-$t.log" | head -40 >&2 || true
    failed=1
  fi
}

run control_queue
run codec_core
run codec_ffmpeg
if [ -n "${LEAKCHECK_FULL:-}" ]; then
  # corrupt_input_never_crashes is left out: it drives valgrind's JIT into "VEX temporary
  # storage exhausted" (a valgrind limit, not a memory error).
  run decode --skip corrupt_input_never_crashes
  run audio
  run encode
  run zerocopy
else
  run decode decoder_support_checks decodes_wpt_h264_mp4 decodes_wpt_vp8_webm flush_then_decode_again runs_on_a_codec_worker
  # The round trips of the audio suite take minutes each under valgrind; these stay short.
  run audio fixtures corrupt_input_never_panics flush_reopens_and_gaps_restart_timestamps unsupported_configs
  run encode h264_avc_round_trip vp8_round_trip bad_visible_rect_is_an_encoding_error_not_a_panic support_checks \
    av1_obu_temporal_id_is_the_chunk_layer
  # Shared frames: encoder input wrapping FrameBuffers, decoded pictures fed to an encoder.
  run zerocopy encoder_keeps_input_alive_after_the_caller_drops_it transcoding_feeds_decoded_frames_to_the_encoder
fi
exit $failed
