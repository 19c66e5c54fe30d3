//! `VideoDecoderBackend`: FFmpeg's native H.264, HEVC, VP8 and VP9 decoders, and libdav1d (or
//! libaom) for AV1.

use std::collections::BTreeMap;

use codec_core::{
    ColorMatrix, ColorPrimaries, ColorTransfer, FrameBuffer, VideoColorSpace, VideoDecoderConfig,
};
use control_queue::{Cancel, ThreadPriority};
use ffmpeg::{codec, frame, Packet};
use ffmpeg_next as ffmpeg;
use media_parse::video::{av1, h264, hevc, vp8, NalFraming};

use super::{receive, DecodeSession, DecoderBackend};
use crate::codecs::{self, Family};
use crate::convert::{self, ScalerCache};
use crate::{raw, Error, Result};

/// One chunk to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoDecodeInput {
    /// The chunk bytes.
    pub data: Vec<u8>,
    /// Whether the chunk is a key chunk.
    pub key: bool,
    /// Timestamp in microseconds.
    pub timestamp: i64,
    /// Duration in microseconds.
    pub duration: Option<u64>,
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedVideoOutput {
    /// The pixels at the decoded (cropped) size.
    pub frame: FrameBuffer,
    /// The timestamp of the chunk that carried this picture.
    pub timestamp: i64,
    /// That chunk's duration.
    pub duration: Option<u64>,
    /// Colour space signalled by the bitstream (unknown members are `None`).
    pub color_space: VideoColorSpace,
}

/// Side-table entries older than this many chunks are forgotten (pictures the decoder dropped).
const MAX_PENDING: i64 = 1024;

/// Whether `cfg` can be decoded (`VideoDecoder.isConfigSupported` and `configure`). Opens
/// nothing; callable from any thread.
///
/// # Errors
/// A spec `TypeError` for an invalid config; [`Error::Unsupported`] (`NotSupportedError`) for
/// one we cannot decode, including a malformed avcC/hvcC `description`.
pub fn video_decoder_support(cfg: &VideoDecoderConfig) -> Result<()> {
    check(cfg).map(|_| ())
}

fn check(cfg: &VideoDecoderConfig) -> Result<codecs::Resolved> {
    cfg.validate()?;
    let r = codecs::resolve(&cfg.codec)?;
    codecs::check_hardware(cfg.hardware_acceleration)?;
    let description = cfg.description.as_deref().filter(|d| !d.is_empty());
    if let Some(a) = r.avc {
        if !a.decodable() {
            return Err(Error::unsupported(format!(
                "H.264 profile_idc {} is not supported",
                a.profile_idc
            )));
        }
        if !codecs::AVC_LEVELS.contains(&a.level_idc) {
            return Err(Error::unsupported(format!(
                "unknown H.264 level_idc {}",
                a.level_idc
            )));
        }
        // A description is an avcC; a malformed one cannot configure a decoder.
        check_description(
            description,
            "avcC",
            h264::AvcDecoderConfigurationRecord::parse,
        )?;
    }
    if let Some(h) = r.hevc {
        // Main, Main 10, Main Still Picture and the range extensions (FFmpeg's hevc decoder).
        if h.profile_space != 0 || !(1..=4).contains(&h.profile_idc) {
            return Err(Error::unsupported(format!(
                "HEVC profile {} is not supported",
                h.profile_idc
            )));
        }
        // A description is an hvcC; a malformed one cannot configure a decoder.
        check_description(
            description,
            "hvcC",
            hevc::HevcDecoderConfigurationRecord::parse,
        )?;
    }
    if cfg.coded_width.is_some_and(|w| w > codecs::MAX_DIMENSION)
        || cfg.coded_height.is_some_and(|h| h > codecs::MAX_DIMENSION)
    {
        return Err(Error::unsupported("coded size too large"));
    }
    codecs::has_decoder(r.entry.decoders)?;
    Ok(r)
}

/// A `description` that `parse` refuses makes the config unsupported (`NotSupportedError`).
fn check_description<T>(
    description: Option<&[u8]>,
    what: &str,
    parse: fn(&[u8]) -> media_parse::Result<T>,
) -> Result<()> {
    match description.map(parse) {
        Some(Err(e)) => Err(Error::unsupported(format!(
            "invalid {what} description: {e}"
        ))),
        _ => Ok(()),
    }
}

/// The colour space of a decoded frame as the bitstream gives it. `configured`: the decoder
/// config has a `colorSpace` with a member set, whose members then override these one by one
/// (`codec_core::rules::OutputContext::decoded_frame`); a member the bitstream does not really signal
/// stays unknown so that a null config member stays null, as browsers and WPT's
/// partial-color-space test expect.
pub(crate) fn color_space(
    f: &frame::Video,
    format_full_range: bool,
    family: Family,
    configured: bool,
) -> VideoColorSpace {
    // Raw code points: the bitstream may carry values ffmpeg-next's enums do not have.
    let c = crate::raw::color_codes(f);
    let full_range = match c.range {
        2 => Some(true),
        1 => Some(false),
        _ if format_full_range => Some(true),
        _ => None,
    };
    let mut cs = VideoColorSpace {
        primaries: ColorPrimaries::from_code(c.primaries),
        transfer: ColorTransfer::from_code(c.transfer),
        // AVCOL_SPC_RGB (0) is only meaningful for RGB streams; 2 = unspecified maps to None.
        matrix: ColorMatrix::from_code(c.matrix),
        full_range,
    };
    if configured {
        // A VP8 frame header has no colour description (FFmpeg reports the BT.601 matrix for
        // every VP8 frame); the config's colour space alone describes it.
        if family == Family::Vp8 {
            cs.matrix = None;
        }
        return cs;
    }
    // A VP9 bitstream signals only its colour space (the matrix) and range. Like libvpx users
    // (Chromium's VpxVideoDecoder), read that as the whole standard colour space; the encoder
    // reports the same in `decoderConfig.colorSpace`.
    if family == Family::Vp9 && cs.primaries.is_none() && cs.transfer.is_none() {
        cs = cs.vp9_signalled();
    }
    cs
}

/// Frames of at most this many pixels decode on one thread (see [`frame_threads`]).
fn one_thread_max_area(family: Family) -> u64 {
    match family {
        Family::H265 | Family::Vp9 => 320 * 180,
        Family::Av1 => 160 * 90,
        _ => 256 * 144,
    }
}

/// How many frame threads FFmpeg's decoder for `family` gets (0: FFmpeg's own choice, one more
/// than the CPUs; dav1d's: its own thread count). Measured on a 2-core machine, 1800 frames
/// through this decoder at 500 kbit/s per 320x180 (scaled with the area), alternating runs:
/// - small frames decode faster on one thread: a frame thread hands each picture over and
///   back, tens of µs, as much as decoding it. At 64x64 one thread made 20-23k frames/s of
///   H.264 against 11-14k, VP8 24-25k against 12-13k, AV1 12.9-16k against 7.5-12k; at 160x90
///   +27-35% (H.264, VP8), +5-30% (AV1); at 256x144 +5-30% (H.264, HEVC, VP9), even (VP8),
///   and AV1 either way (one thread 8-20% ahead on a libaom stream, 5-30% behind on an
///   SVT-AV1 one; at 192x108 even).
/// - at 320x180 (the bench's 180p streams, quality mode, 5-8 alternating runs of each
///   choice): H.264 on as many threads as CPUs 4.2-4.6k frames/s, FFmpeg's choice 4.0-4.4k,
///   one thread 3.8-3.9k; VP8 and AV1 on FFmpeg's choice 4.3-4.8k and 2.4-2.8k, one thread
///   3.8-4.1k and 1.9-2.0k; but HEVC on one thread 2.1-2.3k against 1.5-1.9k, and VP9 on one
///   thread 2.6-2.9k against 2.5-2.8k. An earlier machine had H.264 on one thread 13% ahead
///   there: the crossover moves with the CPU and the bitrate; 256x144 is below it on both.
/// - above that, H.264 and HEVC as many frame threads as CPUs instead of one more, which left
///   the JS thread and this worker waiting for a CPU: HEVC 720p +15% (5 of 6 alternating
///   pairs), H.264 1080p +4%, H.264 720p even; VP9, VP8 and AV1 (dav1d) showed no difference
///   beyond noise and keep FFmpeg's choice.
///
/// Without `codedWidth`/`codedHeight` the size is unknown and counts as large.
fn frame_threads(family: Family, width: Option<u32>, height: Option<u32>, cpus: usize) -> usize {
    let area = width.zip(height).map(|(w, h)| u64::from(w) * u64::from(h));
    if area.is_some_and(|a| a <= one_thread_max_area(family)) {
        return 1;
    }
    match family {
        Family::H264 | Family::H265 => cpus.max(1),
        _ => 0,
    }
}

/// The CPUs this process may run on (1 if unknown).
fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// An open H.264, HEVC, VP8, VP9 or AV1 decoder.
pub struct Session {
    dec: ffmpeg::decoder::Video,
    /// Counter used as packet pts.
    next_pts: i64,
    /// pts → (timestamp, duration) of chunks whose picture has not come out yet.
    pending: BTreeMap<i64, (i64, Option<u64>)>,
    /// H.264/HEVC (is it HEVC, and the NAL framing): chunks must hold a slice NAL unit.
    nal: Option<(bool, NalFraming)>,
    /// The codec family, for the cheap validity checks FFmpeg's decoders skip.
    family: Family,
    /// The config has a `colorSpace` with a member set (see [`color_space`]).
    configured_color: bool,
}

/// The video decoder backend run by a `CodecWorker`.
pub type VideoDecoderBackend = DecoderBackend<Session>;

/// What video sessions share: the scaler contexts converting decoded frames (kept across
/// configurations).
#[derive(Default)]
pub struct Scalers(ScalerCache);

impl DecodeSession for Session {
    type Config = VideoDecoderConfig;
    type Input = VideoDecodeInput;
    type Output = DecodedVideoOutput;
    type Shared = Scalers;
    /// The codec's frame threads decode; the worker feeds them and waits (`Feeder`). dav1d's
    /// threads (AV1) wait on each other too often for the idle class: AV1 runs `Low` (see
    /// `settle_worker_priority`).
    fn thread_priority(cfg: &VideoDecoderConfig) -> ThreadPriority {
        match codecs::resolve(&cfg.codec) {
            Ok(r) if r.entry.family == Family::Av1 => ThreadPriority::Low,
            _ => ThreadPriority::Feeder,
        }
    }

    fn open(cfg: &VideoDecoderConfig) -> Result<Self> {
        let r = check(cfg)?;
        let codec = codecs::has_decoder(r.entry.decoders)?;
        let mut ctx = codec::Context::new_with_codec(codec);
        let nal_family = matches!(r.entry.family, Family::H264 | Family::H265);
        let description = cfg.description.as_deref().filter(|d| !d.is_empty());
        if nal_family {
            // avcC / hvcC: the decoder then expects length-prefixed NAL units.
            if let Some(d) = description {
                raw::set_extradata(&mut ctx, d)
                    .map_err(|e| Error::ffmpeg("cannot set description", e))?;
            }
        }
        let low_latency = cfg.optimize_for_latency == Some(true);
        if low_latency {
            ctx.set_flags(codec::Flags::LOW_DELAY);
        }
        ctx.set_threading(codec::threading::Config {
            kind: if low_latency {
                codec::threading::Type::Slice
            } else {
                codec::threading::Type::Frame
            },
            count: if low_latency {
                0
            } else {
                frame_threads(r.entry.family, cfg.coded_width, cfg.coded_height, cpus())
            },
            ..Default::default()
        });
        let mut dec = ctx.decoder();
        dec.set_packet_time_base(ffmpeg::Rational::new(1, 1_000_000));
        // Frame threads (FFmpeg's, dav1d's) start here; they do the decoding while this
        // worker feeds them (`ThreadPriority::Feeder`).
        let dec = crate::start_codec_threads(move || dec.open().and_then(|o| o.video()))
            .map_err(|e| Error::ffmpeg("cannot open decoder", e))?;
        let hevc = r.entry.family == Family::H265;
        Ok(Self {
            dec,
            next_pts: 0,
            pending: BTreeMap::new(),
            nal: nal_family.then(|| (hevc, NalFraming::from_description(hevc, description))),
            family: r.entry.family,
            // `colorSpace: {}` (every member null) says nothing.
            configured_color: cfg
                .color_space
                .is_some_and(|c| c != VideoColorSpace::default()),
        })
    }

    fn packet(&mut self, input: &VideoDecodeInput) -> Result<Packet> {
        let data = &input.data;
        if data.is_empty() {
            return Err(Error::malformed("empty chunk"));
        }
        // FFmpeg conceals a bad VP8 frame tag (unknown version, partition past the end), and
        // libdav1d skips broken OBU chains without an error.
        if self.family == Family::Vp8 && !vp8::tag_is_valid(data) {
            return Err(Error::malformed("invalid VP8 frame tag"));
        }
        if self.family == Family::Av1 && !av1::obus_are_valid(data) {
            return Err(Error::malformed("malformed AV1 OBUs"));
        }
        // FFmpeg skips NAL units it cannot parse silently; a chunk with no slice is corrupt.
        if let Some((hevc, framing)) = self.nal {
            if !media_parse::video::has_slice_nal(hevc, data, framing) {
                return Err(Error::malformed("the chunk holds no slice NAL unit"));
            }
        }
        let mut pkt = Packet::copy(data);
        let pts = self.next_pts;
        self.next_pts += 1;
        pkt.set_pts(Some(pts));
        pkt.set_dts(None);
        if input.key {
            pkt.set_flags(codec::packet::Flags::KEY);
        }
        self.pending.insert(pts, (input.timestamp, input.duration));
        while self.pending.len() as i64 > MAX_PENDING {
            self.pending.pop_first();
        }
        Ok(pkt)
    }

    fn decoder(&mut self) -> &mut ffmpeg::codec::decoder::Opened {
        &mut self.dec
    }

    fn drain(
        &mut self,
        scalers: &mut Scalers,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedVideoOutput),
    ) -> Result<usize> {
        let mut n = 0;
        let mut f = frame::Video::empty();
        while receive(&mut self.dec, &mut f)? {
            n += 1;
            let pts = f.pts().or_else(|| f.timestamp());
            let (timestamp, duration) = match pts.and_then(|p| self.pending.remove(&p)) {
                Some(t) => t,
                None => self
                    .pending
                    .pop_first()
                    .map(|(_, t)| t)
                    .unwrap_or((0, None)),
            };
            // Chunks older than this picture never produce one now (no reordering past it).
            if let Some(p) = pts {
                let floor = p - MAX_PENDING;
                while self
                    .pending
                    .first_key_value()
                    .is_some_and(|(k, _)| *k < floor)
                {
                    self.pending.pop_first();
                }
            }
            if cancel.is_stale() {
                continue;
            }
            let (frame, full) = convert::from_decoded_frame(&f, &mut scalers.0)?;
            out(DecodedVideoOutput {
                frame,
                timestamp,
                duration,
                color_space: color_space(&f, full, self.family, self.configured_color),
            });
        }
        Ok(n)
    }

    fn after_flush(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_frames_decode_on_one_thread_large_h264_and_hevc_on_one_per_cpu() {
        for f in [
            Family::H264,
            Family::H265,
            Family::Vp8,
            Family::Vp9,
            Family::Av1,
        ] {
            assert_eq!(
                frame_threads(f, Some(160), Some(90), 8),
                1,
                "{f:?} at 160x90"
            );
            assert_eq!(frame_threads(f, Some(64), Some(64), 2), 1, "{f:?} at 64x64");
        }
        for f in [Family::H264, Family::H265, Family::Vp8, Family::Vp9] {
            assert_eq!(
                frame_threads(f, Some(256), Some(144), 8),
                1,
                "{f:?} at 256x144"
            );
        }
        assert_eq!(frame_threads(Family::Av1, Some(256), Some(144), 2), 0);
        let (w, h) = (Some(320), Some(180));
        assert_eq!(frame_threads(Family::H264, w, h, 2), 2);
        assert_eq!(frame_threads(Family::H265, w, h, 2), 1);
        assert_eq!(frame_threads(Family::Vp9, w, h, 2), 1);
        assert_eq!(frame_threads(Family::H265, Some(322), h, 2), 2);
        assert_eq!(frame_threads(Family::H265, Some(1920), Some(1080), 6), 6);
        assert_eq!(frame_threads(Family::H264, Some(1920), Some(1080), 0), 1);
        for f in [Family::Vp8, Family::Vp9, Family::Av1] {
            for (w, h) in [(322, 180), (1280, 720)] {
                assert_eq!(
                    frame_threads(f, Some(w), Some(h), 2),
                    0,
                    "{f:?} at {w}x{h} keeps FFmpeg's choice"
                );
            }
        }
        // No coded size in the config: large.
        assert_eq!(frame_threads(Family::H264, None, Some(90), 2), 2);
        assert_eq!(frame_threads(Family::Vp9, None, None, 2), 0);
        assert_eq!(frame_threads(Family::Vp8, Some(320), Some(180), 2), 0);
        assert_eq!(frame_threads(Family::Av1, Some(320), Some(180), 2), 0);
    }
}
