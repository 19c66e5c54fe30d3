//! `VideoDecoderBackend`: FFmpeg's native H.264, HEVC, VP8 and VP9 decoders, and libdav1d (or
//! libaom) for AV1.

use std::collections::BTreeMap;

use codec_core::{
    CodecError, ColorMatrix, ColorPrimaries, ColorTransfer, FrameBuffer, NalFraming,
    VideoColorSpace, VideoDecoderConfig,
};
use control_queue::{Backend, Cancel};
use ffmpeg::{codec, frame, Packet};
use ffmpeg_next as ffmpeg;

use crate::codecs::{self, Family};
use crate::convert::{self, ScalerCache};
use crate::{av_error, is_eagain, raw};

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
/// `TypeError` for an invalid config, `NotSupportedError` for one we cannot decode.
pub fn video_decoder_support(cfg: &VideoDecoderConfig) -> Result<(), CodecError> {
    check(cfg).map(|_| ())
}

fn check(cfg: &VideoDecoderConfig) -> Result<codecs::Resolved, CodecError> {
    cfg.validate()?;
    let r = codecs::resolve(&cfg.codec)?;
    codecs::check_hardware(cfg.hardware_acceleration)?;
    if let Some(a) = r.avc {
        if !a.decodable() {
            return Err(CodecError::not_supported(format!(
                "H.264 profile_idc {} is not supported",
                a.profile_idc
            )));
        }
        if !codecs::AVC_LEVELS.contains(&a.level_idc) {
            return Err(CodecError::not_supported(format!(
                "unknown H.264 level_idc {}",
                a.level_idc
            )));
        }
        // A description is an avcC; a malformed one cannot configure a decoder.
        if let Some(d) = cfg.description.as_deref().filter(|d| !d.is_empty()) {
            codec_core::AvcDecoderConfigurationRecord::parse(d)
                .map_err(|e| CodecError::not_supported(format!("invalid avcC description: {e}")))?;
        }
    }
    if let Some(h) = r.hevc {
        // Main, Main 10, Main Still Picture and the range extensions (FFmpeg's hevc decoder).
        if h.profile_space != 0 || !(1..=4).contains(&h.profile_idc) {
            return Err(CodecError::not_supported(format!(
                "HEVC profile {} is not supported",
                h.profile_idc
            )));
        }
        // A description is an hvcC; a malformed one cannot configure a decoder.
        if let Some(d) = cfg.description.as_deref().filter(|d| !d.is_empty()) {
            codec_core::HevcDecoderConfigurationRecord::parse(d)
                .map_err(|e| CodecError::not_supported(format!("invalid hvcC description: {e}")))?;
        }
    }
    if cfg.coded_width.is_some_and(|w| w > codecs::MAX_DIMENSION)
        || cfg.coded_height.is_some_and(|h| h > codecs::MAX_DIMENSION)
    {
        return Err(CodecError::not_supported("coded size too large"));
    }
    codecs::has_decoder(r.entry.decoders)?;
    Ok(r)
}

pub(crate) fn color_space(
    f: &frame::Video,
    format_full_range: bool,
    family: Family,
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
    // A VP9 bitstream signals only its colour space (the matrix) and range. Like libvpx users
    // (Chromium's VpxVideoDecoder), read that as the whole standard colour space; the encoder
    // reports the same in `decoderConfig.colorSpace`.
    if family == Family::Vp9 && cs.primaries.is_none() && cs.transfer.is_none() {
        cs = cs.vp9_signalled();
    }
    cs
}

struct Session {
    dec: ffmpeg::decoder::Video,
    /// Counter used as packet pts.
    next_pts: i64,
    /// pts → (timestamp, duration) of chunks whose picture has not come out yet.
    pending: BTreeMap<i64, (i64, Option<u64>)>,
    /// H.264/HEVC (is it HEVC, and the NAL framing): chunks must hold a slice NAL unit.
    nal: Option<(bool, NalFraming)>,
    /// The codec family, for the cheap validity checks FFmpeg's decoders skip.
    family: Family,
}

impl Session {
    fn open(cfg: &VideoDecoderConfig, r: codecs::Resolved) -> Result<Self, CodecError> {
        let codec = codecs::has_decoder(r.entry.decoders)?;
        let mut ctx = codec::Context::new_with_codec(codec);
        if matches!(r.entry.family, Family::H264 | Family::H265) {
            // avcC / hvcC: the decoder then expects length-prefixed NAL units.
            if let Some(d) = cfg.description.as_deref().filter(|d| !d.is_empty()) {
                raw::set_extradata(&mut ctx, d)
                    .map_err(|e| av_error("cannot set description", e))?;
            }
        }
        let low_latency = cfg.optimize_for_latency == Some(true);
        if low_latency {
            ctx.set_flags(codec::Flags::LOW_DELAY);
            ctx.set_threading(codec::threading::Config {
                kind: codec::threading::Type::Slice,
                count: 0,
                ..Default::default()
            });
        } else {
            ctx.set_threading(codec::threading::Config {
                kind: codec::threading::Type::Frame,
                count: 0,
                ..Default::default()
            });
        }
        let mut dec = ctx.decoder();
        dec.set_packet_time_base(ffmpeg::Rational::new(1, 1_000_000));
        let dec = dec
            .open()
            .and_then(|o| o.video())
            .map_err(|e| av_error("cannot open decoder", e))?;
        let hevc = r.entry.family == Family::H265;
        let nal = matches!(r.entry.family, Family::H264 | Family::H265).then(|| {
            // lengthSizeMinusOne: avcC byte 4, hvcC byte 21.
            let size_at = if hevc { 21 } else { 4 };
            let framing = match cfg.description.as_deref() {
                Some(d) if !d.is_empty() => {
                    d.get(size_at).map_or(NalFraming::LengthPrefixed(4), |b| {
                        NalFraming::LengthPrefixed((b & 3) + 1)
                    })
                }
                _ => NalFraming::AnnexB,
            };
            (hevc, framing)
        });
        Ok(Self {
            dec,
            next_pts: 0,
            pending: BTreeMap::new(),
            nal,
            family: r.entry.family,
        })
    }

    fn send(
        &mut self,
        pkt: Option<&Packet>,
        scaler: &mut ScalerCache,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedVideoOutput),
    ) -> Result<(), CodecError> {
        crate::send_draining(
            self,
            pkt.is_none(),
            |s| match pkt {
                Some(p) => s.dec.send_packet(p),
                None => s.dec.send_eof(),
            },
            |s| s.drain(scaler, cancel, out),
        )
    }

    fn drain(
        &mut self,
        scaler: &mut ScalerCache,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedVideoOutput),
    ) -> Result<usize, CodecError> {
        let mut n = 0;
        loop {
            let mut f = frame::Video::empty();
            match self.dec.receive_frame(&mut f) {
                Ok(()) => {}
                Err(e) if is_eagain(&e) => return Ok(n),
                Err(ffmpeg::Error::Eof) => return Ok(n),
                Err(e) => return Err(av_error("decoding failed", e)),
            }
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
            let (frame, full) = convert::from_decoded_frame(&f, scaler)?;
            out(DecodedVideoOutput {
                frame,
                timestamp,
                duration,
                color_space: color_space(&f, full, self.family),
            });
        }
    }

    fn decode(
        &mut self,
        input: &VideoDecodeInput,
        scaler: &mut ScalerCache,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedVideoOutput),
    ) -> Result<(), CodecError> {
        if input.data.is_empty() {
            return Err(CodecError::encoding("empty chunk"));
        }
        // FFmpeg conceals a bad VP8 frame tag (unknown version, partition past the end), and
        // libdav1d skips broken OBU chains without an error.
        if self.family == Family::Vp8 && !codec_core::vp8_tag_is_valid(&input.data) {
            return Err(CodecError::encoding("invalid VP8 frame tag"));
        }
        if self.family == Family::Av1 && !codec_core::av1_obus_are_valid(&input.data) {
            return Err(CodecError::encoding("malformed AV1 OBUs"));
        }
        // FFmpeg skips NAL units it cannot parse silently; a chunk with no slice is corrupt.
        if let Some((hevc, framing)) = self.nal {
            if !codec_core::has_slice_nal(hevc, &input.data, framing) {
                return Err(CodecError::encoding("the chunk holds no slice NAL unit"));
            }
        }
        let mut pkt = Packet::copy(&input.data);
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
        self.send(Some(&pkt), scaler, cancel, out)
    }
}

/// The video decoder backend run by a `CodecWorker`.
#[derive(Default)]
pub struct VideoDecoderBackend {
    session: Option<Session>,
    scaler: ScalerCache,
}

impl Backend for VideoDecoderBackend {
    type Config = VideoDecoderConfig;
    type Input = VideoDecodeInput;
    type Output = DecodedVideoOutput;

    fn configure(
        &mut self,
        config: VideoDecoderConfig,
        out: &mut dyn FnMut(DecodedVideoOutput),
    ) -> Result<(), CodecError> {
        crate::init();
        if let Some(mut s) = self.session.take() {
            // Pictures still inside the old decoder belong to the old configuration.
            let _ = s.send(None, &mut self.scaler, &Cancel::never(), out);
        }
        let r = check(&config)?;
        self.session = Some(Session::open(&config, r)?);
        Ok(())
    }

    fn process(
        &mut self,
        input: VideoDecodeInput,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedVideoOutput),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        let Some(s) = self.session.as_mut() else {
            return Err(CodecError::invalid_state("decoder is not configured"));
        };
        let r = s.decode(&input, &mut self.scaler, cancel, out);
        if r.is_err() {
            self.session = None;
        }
        r
    }

    fn flush(
        &mut self,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedVideoOutput),
    ) -> Result<(), CodecError> {
        let Some(s) = self.session.as_mut() else {
            return Ok(());
        };
        let r = s.send(None, &mut self.scaler, cancel, out);
        if r.is_err() {
            self.session = None;
            return r;
        }
        // Leave the draining state so decoding can continue (with a key chunk).
        s.dec.flush();
        s.pending.clear();
        Ok(())
    }

    fn reset(&mut self) {
        self.session = None;
    }
}
