'use strict';
// What each scenario configures on our side, and the FFmpeg CLI options that reproduce the
// encoder settings our backend uses for that configuration. ONE table, mirroring the encoder
// profiles in crates/codec-ffmpeg/src/encoder/ (x264.rs, x265.rs, vpx.rs, libaom.rs: presets,
// speeds, options; session.rs and profile.rs: GOP, B-frames, threads) and
// crates/codec-ffmpeg/src/audio/encoder/. When a profile changes its settings, change the
// matching `cli` function here: the bench prints both sides, and with the same settings both
// make the same stream (equal kbit/s and PSNR), so a stale row shows up as a gap between them.
const os = require('node:os');

// libvpx and libaom get min(4, CPUs) threads from our backend (`Traits::threads`); x264 and
// x265 pick their own (thread count 0 = auto, the CLI default too).
const VPX_THREADS = String(Math.min(4, os.availableParallelism()));
// x264, x265 and libaom place their periodic key frames: GOP key_interval(fps) = max(300,
// 10 s) frames, no scene-cut key frames. libvpx places none (gop and keyint_min at the maximum:
// automatic and scene-cut key frames off); the session forces the first and one every 300.
const GOP = '300';
const VPX_NO_AUTO_KEYS = ['-g', '2147483647', '-keyint_min', '2147483647'];

// Video encoders. `codec(size)` is the codec string for 720p or 1080p (the level must hold the
// frame size); `cli({ realtime, bitrate })` the FFmpeg options; `ext` the CLI output muxer.
const VIDEO = {
  'h264-baseline': {
    family: 'h264',
    codec: (h) => (h <= 720 ? 'avc1.42001f' : 'avc1.420028'),
    // x264.rs: presets ultrafast (realtime Baseline), superfast (realtime Main/High),
    // veryfast (quality); zerolatency for realtime; profile and level from the codec string;
    // forced IDR; scenecut=0; no B-frames (max_b_frames 0); ABR at the bitrate.
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
    // vpx.rs: deadline realtime/good; cpu-used -6 (realtime) / 8 (good); no look-ahead, no
    // alt-ref; VBR at the bitrate; min(4, CPUs) threads.
    cli: ({ realtime, bitrate }) => [
      '-c:v', 'libvpx', '-deadline', realtime ? 'realtime' : 'good', '-cpu-used', realtime ? '-6' : '8',
      '-lag-in-frames', '0', '-auto-alt-ref', '0', ...VPX_NO_AUTO_KEYS, '-b:v', String(bitrate), '-threads', VPX_THREADS,
    ],
  },
  vp9: {
    family: 'vp9',
    codec: (h) => (h <= 720 ? 'vp09.00.31.08' : 'vp09.00.40.08'),
    // vpx.rs: deadline realtime/good; cpu-used 8 (realtime) / 5 (good); row-mt; no
    // look-ahead, no alt-ref; VBR at the bitrate; min(4, CPUs) threads.
    cli: ({ realtime, bitrate }) => [
      '-c:v', 'libvpx-vp9', '-deadline', realtime ? 'realtime' : 'good', '-cpu-used', realtime ? '8' : '5',
      '-row-mt', '1', '-lag-in-frames', '0', '-auto-alt-ref', '0', ...VPX_NO_AUTO_KEYS, '-b:v', String(bitrate),
      '-threads', VPX_THREADS,
    ],
  },
  av1: {
    family: 'av1',
    codec: (h) => (h <= 720 ? 'av01.0.05M.08' : 'av01.0.08M.08'),
    // libaom.rs: usage realtime in both modes; cpu-used 8 (realtime) / 6 (quality);
    // row-mt; no look-ahead; VBR at the bitrate; min(4, CPUs) threads.
    cli: ({ realtime, bitrate }) => [
      '-c:v', 'libaom-av1', '-usage', 'realtime', '-cpu-used', realtime ? '8' : '6', '-row-mt', '1',
      '-lag-in-frames', '0', '-g', GOP, '-b:v', String(bitrate), '-threads', VPX_THREADS,
    ],
  },
};

function x264Args(profile, preset, realtime, bitrate, height) {
  return [
    '-c:v', 'libx264', '-preset', preset, ...(realtime ? ['-tune', 'zerolatency'] : []),
    '-profile:v', profile, '-level', height <= 720 ? '3.1' : '4.0', '-forced-idr', '1',
    '-x264-params', 'scenecut=0', '-bf', '0', '-g', GOP, '-b:v', String(bitrate), '-threads', '0',
  ];
}

// Audio encoders (crates/codec-ffmpeg/src/audio/encoder/): libopus with 20 ms frames (VBR,
// its default), FFmpeg's native AAC-LC, libmp3lame, FLAC at its default compression level.
// The CLI writes `-f framecrc` (one line per packet with its size): the payload bytes, as the
// API side counts them, without container overhead.
const AUDIO = {
  opus: { config: { codec: 'opus', bitrate: 128000 }, cli: ['-c:a', 'libopus', '-b:a', '128000', '-frame_duration', '20'] },
  aac: { config: { codec: 'mp4a.40.2', bitrate: 128000 }, cli: ['-c:a', 'aac', '-b:a', '128000'] },
  mp3: { config: { codec: 'mp3', bitrate: 128000 }, cli: ['-c:a', 'libmp3lame', '-b:a', '128000'] },
  flac: { config: { codec: 'flac' }, cli: ['-c:a', 'flac'] },
};

// Bitrate per frame height (the 720p figure is 2 Mbit/s).
const VIDEO_BITRATE = { 720: 2_000_000, 1080: 4_000_000 };

module.exports = { VIDEO, AUDIO, VIDEO_BITRATE, VPX_THREADS };
