'use strict';
// What each scenario configures on our side, and the FFmpeg CLI options that reproduce the
// encoder settings our backend uses for that configuration. ONE table, mirroring the encoder
// profiles in crates/codec-ffmpeg/src/encoder/ (x264.rs, x265.rs, vpx.rs, libaom.rs, svtav1.rs: presets,
// speeds, options; session.rs and profile.rs: GOP, B-frames, threads) and
// crates/codec-ffmpeg/src/audio/encoder/. When a profile changes its settings, change the
// matching `cli` function here: the bench prints both sides, and with the same settings both
// make the same stream (equal kbit/s and PSNR), so a stale row shows up as a gap between them.
const os = require('node:os');

// libaom gets min(4, CPUs) threads from our backend (`Traits::threads`), libvpx a count by
// width (`vpxThreads`); x264, x265 and SVT-AV1 pick their own (thread count 0 = auto, the CLI
// default too).
const VPX_THREADS = String(Math.min(4, os.availableParallelism()));
// x264, x265 and libaom place their periodic key frames: GOP key_interval(fps) = max(300,
// 10 s) frames, no scene-cut key frames. libvpx places none (gop and keyint_min at the maximum:
// automatic and scene-cut key frames off); the session forces the first and one every 300.
const GOP = '300';
const VPX_NO_AUTO_KEYS = ['-g', '2147483647', '-keyint_min', '2147483647'];

// Video encoders. `codec(size)` is the codec string for 720p or 1080p (the level must hold the
// frame size); `cli({ realtime, bitrate, width, height })` the FFmpeg options; `ext` the CLI output muxer.
const VIDEO = {
  'h264-baseline': {
    family: 'h264',
    codec: (h) => (h <= 720 ? 'avc1.42001f' : 'avc1.420028'),
    // x264.rs: presets ultrafast (realtime Baseline), superfast (realtime Main/High),
    // veryfast (quality); zerolatency for realtime; profile and level from the codec string;
    // forced IDR; scenecut=0; no B-frames (max_b_frames 0); ABR at the bitrate, ratetol 0.25.
    cli: ({ realtime, bitrate, height }) => x264Args('baseline', realtime ? 'ultrafast' : 'veryfast', realtime, bitrate, height),
  },
  'h264-high': {
    family: 'h264',
    codec: (h) => (h <= 720 ? 'avc1.64001f' : 'avc1.640028'),
    cli: ({ realtime, bitrate, height }) => x264Args('high', realtime ? 'superfast' : 'veryfast', realtime, bitrate, height),
  },
  hevc: {
    family: 'hevc',
    codec: (h) => (h <= 720 ? 'hev1.1.6.L93.B0' : 'hev1.1.6.L120.B0'),
    // x265.rs: presets ultrafast (realtime) / veryfast (quality); zerolatency for
    // realtime; x265-params as below (level-idc = level_idc / 3); ABR at the bitrate.
    cli: ({ realtime, bitrate, height }) => [
      '-c:v', 'libx265', '-preset', realtime ? 'ultrafast' : 'veryfast',
      ...(realtime ? ['-tune', 'zerolatency'] : []),
      '-profile:v', 'main', '-forced-idr', '1', '-bf', '0', '-g', GOP,
      '-x265-params', `log-level=none:info=0:scenecut=0:open-gop=0:bframes=0:level-idc=${height <= 720 ? 31 : 40}:high-tier=0`,
      '-b:v', String(bitrate),
    ],
  },
  vp8: {
    family: 'vp8',
    codec: () => 'vp8',
    // vpx.rs: realtime deadline in both modes; cpu-used -6, or -4 for "quality" up to VGA; no
    // look-ahead, no alt-ref; VBR at the bitrate; threads by width, at most CPUs / 2.
    cli: ({ realtime, bitrate, width, height }) => [
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', String(!realtime && width * height <= 307200 ? -4 : -6),
      '-lag-in-frames', '0', '-auto-alt-ref', '0', ...VPX_NO_AUTO_KEYS, '-b:v', String(bitrate),
      '-threads', String(vpxThreads(width, false)),
    ],
  },
  vp9: {
    family: 'vp9',
    codec: (h) => (h <= 720 ? 'vp09.00.31.08' : 'vp09.00.40.08'),
    // vpx.rs: realtime deadline in both modes; cpu-used 8 (realtime), by frame size for
    // quality (5 to CIF, 6 to VGA, 7 to 720p, 8 above); row-mt; no look-ahead, no alt-ref;
    // CBR at the bitrate with a one-second buffer (variable mode too); threads by width, at
    // most one per CPU.
    cli: ({ realtime, bitrate, width, height }) => [
      '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', String(realtime ? 8 : vp9Speed(width * height)),
      '-row-mt', '1', '-lag-in-frames', '0', '-auto-alt-ref', '0', ...VPX_NO_AUTO_KEYS, '-b:v', String(bitrate),
      '-maxrate', String(bitrate), '-minrate', String(bitrate), '-bufsize', String(bitrate),
      '-threads', String(vpxThreads(width, true)),
    ],
  },
  av1: {
    family: 'av1',
    codec: (h) => (h <= 720 ? 'av01.0.05M.08' : 'av01.0.08M.08'),
    // realtime, libaom.rs: usage realtime, cpu-used 8; row-mt; no look-ahead; VBR at the
    // bitrate with a one-second buffer; min(4, CPUs) threads. quality, svtav1.rs: libsvtav1
    // preset 8 to VGA, 9 to 720p, 10 above; low-delay prediction (where SVT-AV1 1.4 turns VBR
    // into CBR); its own threads; the session places every key frame (the bench's clips hold
    // only the first).
    cli: ({ realtime, bitrate, width, height }) => (realtime ? [
      '-c:v', 'libaom-av1', '-usage', 'realtime', '-cpu-used', '8', '-row-mt', '1',
      '-lag-in-frames', '0', '-g', GOP, '-b:v', String(bitrate), '-bufsize', String(bitrate), '-threads', VPX_THREADS,
    ] : [
      '-c:v', 'libsvtav1', '-preset', String(svtPreset(width * height)), '-svtav1-params', 'pred-struct=1',
      '-g', '2147483647', '-b:v', String(bitrate),
    ]),
  },
};

// vpx.rs `Vpx::threads`: Chromium's count by width, at most one per CPU (VP9) or per two
// CPUs (VP8).
function vpxThreads(width, vp9) {
  const byWidth = width >= 3840 ? 16 : width >= 2560 ? 8 : width >= 1280 ? 4 : width >= 640 ? 2 : 1;
  const cpus = os.availableParallelism();
  return Math.min(byWidth, vp9 ? cpus : Math.max(1, Math.floor(cpus / 2)));
}

// vpx.rs `Vpx::cpu_used`, VP9 "quality".
const vp9Speed = (pixels) => (pixels <= 101376 ? 5 : pixels <= 307200 ? 6 : pixels <= 921600 ? 7 : 8);
// svtav1.rs `SvtAv1::preset`.
const svtPreset = (pixels) => (pixels <= 307200 ? 8 : pixels <= 921600 ? 9 : 10);

function x264Args(profile, preset, realtime, bitrate, height) {
  return [
    '-c:v', 'libx264', '-preset', preset, ...(realtime ? ['-tune', 'zerolatency'] : []),
    '-profile:v', profile, '-level', height <= 720 ? '3.1' : '4.0', '-forced-idr', '1',
    '-x264-params', 'scenecut=0:ratetol=0.25', '-bf', '0', '-g', GOP, '-b:v', String(bitrate), '-threads', '0',
  ];
}

// Audio encoders (crates/codec-ffmpeg/src/audio/encoder/): libopus with 20 ms frames
// (constrained VBR), FFmpeg's native AAC-LC, libmp3lame, FLAC at its default compression level.
// The CLI writes `-f framecrc` (one line per packet with its size): the payload bytes, as the
// API side counts them, without container overhead.
const AUDIO = {
  opus: { config: { codec: 'opus', bitrate: 128000 }, cli: ['-c:a', 'libopus', '-b:a', '128000', '-vbr', 'constrained', '-frame_duration', '20'] },
  aac: { config: { codec: 'mp4a.40.2', bitrate: 128000 }, cli: ['-c:a', 'aac', '-b:a', '128000'] },
  mp3: { config: { codec: 'mp3', bitrate: 128000 }, cli: ['-c:a', 'libmp3lame', '-b:a', '128000'] },
  flac: { config: { codec: 'flac' }, cli: ['-c:a', 'flac'] },
};

// Bitrate per frame height (the 720p figure is 2 Mbit/s; 180p only decodes).
const VIDEO_BITRATE = { 180: 500_000, 720: 2_000_000, 1080: 4_000_000 };

module.exports = { VIDEO, AUDIO, VIDEO_BITRATE, VPX_THREADS };
