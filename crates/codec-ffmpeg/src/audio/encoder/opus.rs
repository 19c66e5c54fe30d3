//! Opus through libopus (FFmpeg's `libopus` wrapper): 1–25 channels (RFC 7845 mapping family
//! 1 above two, 255 above eight), at libopus's rates or resampled to 48 kHz, with an OpusHead description.
//!
//! `opus.frameDuration` may be any multiple of 2.5 ms up to 120 ms. The wrapper makes 2.5, 5,
//! 10, 20, 40, 60, 80, 100 and 120 ms packets; any other duration is made as libopus makes its
//! own 80–120 ms packets: the encoder codes shorter frames (the longest of 20, 10, 5 or 2.5 ms
//! that divides the duration), every frame after a chunk's first is held to that first frame's
//! mode, bandwidth and channel count, and the frames are joined into one code 3 packet
//! (`media_parse::audio::opus_packet`).

use codec_core::{AudioEncoderConfig, BitrateMode};
use ffmpeg::{ChannelLayout, Dictionary};
use ffmpeg_next as ffmpeg;
use media_parse::audio::opus_packet::{self, Bandwidth, Mode};
use media_parse::ByteReader;

use super::profile::{AudioProfile, Chunk, Packets, Plan};
use crate::raw::{self, OpusForce};
use crate::{Error, Result};

/// The rates libopus encodes natively; anything else is resampled to 48 kHz (as Chromium does).
const OPUS_RATES: [u32; 5] = [8000, 12000, 16000, 24000, 48000];

/// The lowest Opus bitrate accepted (Chromium's `AudioOpusEncoder::kMinBitrate`).
const OPUS_MIN_BITRATE: u64 = 6000;

/// The default `frameDuration` (µs).
const DEFAULT_DURATION: u64 = 20_000;

/// The packet durations (µs) FFmpeg 5.1's wrapper makes directly.
const WRAPPER_DURATIONS: [u64; 9] = [
    2500, 5000, 10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 120_000,
];

/// Frame durations (µs) libopus codes as one frame of one configuration, longest first.
const FRAME_DURATIONS: [u64; 4] = [20_000, 10_000, 5000, 2500];

/// How chunks of `duration` µs are made: the encoder's packet duration and how many of its
/// packets make one chunk.
pub(crate) fn framing(duration: u64) -> (u64, usize) {
    if WRAPPER_DURATIONS.contains(&duration) {
        return (duration, 1);
    }
    let frame = FRAME_DURATIONS
        .into_iter()
        .find(|f| duration.is_multiple_of(*f))
        .unwrap_or(2500);
    (frame, (duration / frame).max(1) as usize)
}

/// libopus.
pub(crate) struct Opus;

/// Every single-channel position of FFmpeg 5.1's channel masks, in mask order: a layout of
/// more than 8 channels is the first N of these (25 at the most).
const SINGLE_CHANNELS: [ChannelLayout; 25] = [
    ChannelLayout::FRONT_LEFT,
    ChannelLayout::FRONT_RIGHT,
    ChannelLayout::FRONT_CENTER,
    ChannelLayout::LOW_FREQUENCY,
    ChannelLayout::BACK_LEFT,
    ChannelLayout::BACK_RIGHT,
    ChannelLayout::FRONT_LEFT_OF_CENTER,
    ChannelLayout::FRONT_RIGHT_OF_CENTER,
    ChannelLayout::BACK_CENTER,
    ChannelLayout::SIDE_LEFT,
    ChannelLayout::SIDE_RIGHT,
    ChannelLayout::TOP_CENTER,
    ChannelLayout::TOP_FRONT_LEFT,
    ChannelLayout::TOP_FRONT_CENTER,
    ChannelLayout::TOP_FRONT_RIGHT,
    ChannelLayout::TOP_BACK_LEFT,
    ChannelLayout::TOP_BACK_CENTER,
    ChannelLayout::TOP_BACK_RIGHT,
    ChannelLayout::STEREO_LEFT,
    ChannelLayout::STEREO_RIGHT,
    ChannelLayout::WIDE_LEFT,
    ChannelLayout::WIDE_RIGHT,
    ChannelLayout::SURROUND_DIRECT_LEFT,
    ChannelLayout::SURROUND_DIRECT_RIGHT,
    ChannelLayout::LOW_FREQUENCY_2,
];

/// The configured frame duration (µs).
fn duration(cfg: &AudioEncoderConfig) -> u64 {
    cfg.opus
        .as_ref()
        .and_then(|o| o.frame_duration)
        .unwrap_or(DEFAULT_DURATION)
}

impl AudioProfile for Opus {
    fn plan(&self, cfg: &AudioEncoderConfig) -> Result<Plan> {
        if cfg.number_of_channels as usize > SINGLE_CHANNELS.len() {
            return Err(Error::unsupported(
                "Opus encoding supports 1 to 25 channels",
            ));
        }
        if cfg.bitrate.is_some_and(|b| b < OPUS_MIN_BITRATE) {
            return Err(Error::unsupported(format!(
                "Opus bitrate must be at least {OPUS_MIN_BITRATE}"
            )));
        }
        let d = duration(cfg);
        if !d.is_multiple_of(2500) || !(2500..=120_000).contains(&d) {
            return Err(Error::unsupported(
                "Opus frame durations are multiples of 2.5 ms up to 120 ms",
            ));
        }
        Ok(Plan {
            encoder: "libopus",
            enc_rate: if OPUS_RATES.contains(&cfg.sample_rate) {
                cfg.sample_rate
            } else {
                48000
            },
        })
    }

    /// Up to 8 channels, the layout libopus's mapping family 1 requires (RFC 7845 §5.1.1.2,
    /// Vorbis channel layouts). Samples are taken in FFmpeg/WAV order (so channel 3 of 6-8 is
    /// the LFE) and FFmpeg reorders them into Vorbis order in the stream; FFmpeg's and
    /// Chromium's decoders reorder them back. Above 8, mapping family 255 (independent mono
    /// streams, no order) with the first `channels` channels FFmpeg 5.1's masks can name.
    fn layout(&self, channels: u32) -> ChannelLayout {
        match channels {
            9.. => SINGLE_CHANNELS
                .iter()
                .take(channels as usize)
                .fold(ChannelLayout::empty(), |l, &c| l | c),
            1 => ChannelLayout::MONO,
            2 => ChannelLayout::STEREO,
            3 => ChannelLayout::SURROUND,
            4 => ChannelLayout::QUAD,
            5 => ChannelLayout::_5POINT0_BACK,
            6 => ChannelLayout::_5POINT1_BACK,
            7 => ChannelLayout::_6POINT1,
            _ => ChannelLayout::_7POINT1,
        }
    }

    fn options(&self, cfg: &AudioEncoderConfig, opts: &mut Dictionary) {
        let o = cfg.opus.clone().unwrap_or_default();
        let (packet, _) = framing(duration(cfg));
        opts.set("frame_duration", &format!("{}", packet as f64 / 1000.0));
        if let Some(c) = o.complexity {
            opts.set("compression_level", &c.to_string());
        }
        if let Some(pl) = o.packetlossperc {
            opts.set("packet_loss", &pl.to_string());
        }
        if o.useinbandfec {
            opts.set("fec", "1");
        }
        // Variable: libopus's constrained VBR for packets of 10 ms and more. Its unconstrained
        // VBR spends what the signal asks for, not the bitrate (a steady tone at 128 kbit/s:
        // 156 kbit/s); with 2.5 and 5 ms packets (CELT only) constrained VBR lost most of a
        // fast chirp (6 channels in 2.5 ms packets: SNR 10+ dB → -1 dB), so those keep it.
        if cfg.bitrate_mode == BitrateMode::Constant {
            opts.set("vbr", "off");
        } else if packet >= 10_000 {
            opts.set("vbr", "constrained");
        }
        if cfg.number_of_channels > 8 {
            // RFC 7845 channel mapping family 255: one mono stream per channel, as Chromium
            // encodes more than 8 channels.
            opts.set("mapping_family", "255");
        } else if cfg.number_of_channels > 2 {
            // RFC 7845 channel mapping family 1 (Vorbis channel order, up to 8).
            opts.set("mapping_family", "1");
        }
    }

    /// Chromium always emits the OpusHead: it carries the pre-skip (and, above two channels,
    /// the channel mapping table a decoder cannot do without).
    fn description(&self, cfg: &AudioEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut h = if extradata.len() >= 19 && extradata.starts_with(b"OpusHead") {
            extradata.to_vec()
        } else {
            let mut h = b"OpusHead".to_vec();
            h.push(1);
            h.push(cfg.number_of_channels as u8);
            h.extend_from_slice(&312u16.to_le_bytes());
            h.extend_from_slice(&[0; 4]);
            h.extend_from_slice(&[0, 0, 0]);
            h
        };
        // "Input sample rate": the rate the author configured, before resampling.
        h[12..16].copy_from_slice(&cfg.sample_rate.to_le_bytes());
        Ok(Some(h))
    }

    fn whole_frames(&self) -> bool {
        true
    }

    fn packets(
        &self,
        cfg: &AudioEncoderConfig,
        enc: &ffmpeg::encoder::Audio,
    ) -> Result<Box<dyn Packets>> {
        // FFmpeg 5.1's libopus wrapper has no `dtx` option: set it on libopus directly.
        let dtx = cfg.opus.as_ref().is_some_and(|o| o.usedtx) && raw::opus_enable_dtx(enc);
        let (_, per) = framing(duration(cfg));
        if per == 1 {
            return Ok(Box::new(Single { dtx }));
        }
        Ok(Box::new(Joined {
            per,
            streams: streams(&raw::extradata(enc))?,
            dtx,
            keep_size: cfg.bitrate_mode == BitrateMode::Constant,
            parts: Vec::new(),
            last: None,
            held: false,
        }))
    }
}

/// The stream count of the encoder's OpusHead (RFC 7845 §5.1: one for mapping family 0).
fn streams(head: &[u8]) -> Result<usize> {
    let mut r = ByteReader::new(head);
    r.seek(18)?;
    Ok(match r.u8()? {
        0 => 1,
        _ => usize::from(r.u8()?),
    })
}

/// libopus: "if the return value is 2 bytes or less, then the packet does not need to be
/// transmitted (DTX)". Chromium drops these as well; the timeline moves on.
fn transmitted(dtx: bool, packets: &[&[u8]]) -> bool {
    !(dtx && packets.iter().all(|p| p.len() <= 2))
}

/// One chunk per packet (the wrapper made the configured duration).
struct Single {
    dtx: bool,
}

impl Packets for Single {
    fn packet(&mut self, bytes: &[u8]) -> Result<Option<Chunk>> {
        Ok(Some(Chunk {
            data: bytes.to_vec(),
            send: transmitted(self.dtx, &[bytes]),
        }))
    }
}

/// `per` packets joined into each chunk.
struct Joined {
    per: usize,
    /// Streams of each (multistream) packet.
    streams: usize,
    dtx: bool,
    /// Constant bitrate: a chunk keeps its packets' total size.
    keep_size: bool,
    /// The packets of the chunk being made.
    parts: Vec<Vec<u8>>,
    /// The last packet of the previous chunk.
    last: Option<Vec<u8>>,
    /// Whether the stream encoders are held to one configuration.
    held: bool,
}

/// The hold that makes libopus code the stream packets of `packet` again.
fn hold_like(packet: &[u8], streams: usize) -> Result<Vec<OpusForce>> {
    let packets = opus_packet::read_multistream(packet, streams)?;
    Ok(packets
        .iter()
        .map(|p| OpusForce {
            mode: match p.mode() {
                Mode::Silk => 1000,
                Mode::Hybrid => 1001,
                Mode::Celt => 1002,
            },
            bandwidth: match p.bandwidth() {
                Bandwidth::Narrow => 1101,
                Bandwidth::Medium => 1102,
                Bandwidth::Wide => 1103,
                Bandwidth::SuperWide => 1104,
                Bandwidth::Full => 1105,
            },
            channels: if p.stereo() { 2 } else { 1 },
        })
        .collect())
}

impl Joined {
    /// Holds the stream encoders to the configuration of `packet`.
    fn hold(&mut self, enc: &ffmpeg::codec::Context, packet: &[u8]) -> Result<()> {
        if !raw::opus_force(enc, &hold_like(packet, self.streams)?) {
            return Err(Error::internal("cannot hold libopus to one configuration"));
        }
        self.held = true;
        Ok(())
    }
}

impl Packets for Joined {
    /// The first frame of a chunk is libopus's choice; the others are held to its
    /// configuration (one packet has one TOC).
    fn before_frame(&mut self, enc: &ffmpeg::codec::Context) -> Result<()> {
        match self.parts.first() {
            None if self.held => {
                if !raw::opus_force(enc, &vec![OpusForce::AUTO; self.streams]) {
                    return Err(Error::internal("cannot release libopus's configuration"));
                }
                self.held = false;
            }
            Some(first) if !self.held => {
                let first = first.clone();
                self.hold(enc, &first)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The wrapper codes the encoder delay's frames at the end of the stream without asking:
    /// they are held to the configuration of the chunk they complete (or of the last chunk).
    fn before_end(&mut self, enc: &ffmpeg::codec::Context) -> Result<()> {
        let Some(like) = self.parts.first().or(self.last.as_ref()).cloned() else {
            return Ok(());
        };
        self.hold(enc, &like)
    }

    fn packet(&mut self, bytes: &[u8]) -> Result<Option<Chunk>> {
        self.parts.push(bytes.to_vec());
        if self.parts.len() < self.per {
            return Ok(None);
        }
        let parts = std::mem::take(&mut self.parts);
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let chunk = Chunk {
            data: opus_packet::concatenate(&refs, self.streams, self.keep_size)?,
            send: transmitted(self.dtx, &refs),
        };
        self.last = parts.into_iter().last();
        Ok(Some(chunk))
    }

    fn per_chunk(&self) -> usize {
        self.per
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_multiple_of_2_5_ms_has_a_framing() {
        for d in (2500..=120_000).step_by(2500) {
            let (packet, per) = framing(d);
            assert_eq!(packet * per as u64, d, "{d}");
            assert!(per <= 48, "{d}");
            assert!(WRAPPER_DURATIONS.contains(&packet), "{d}");
            if per > 1 {
                assert!(packet <= 20_000, "{d}: one configuration per frame");
            }
        }
        assert_eq!(framing(7500), (2500, 3));
        assert_eq!(framing(45_000), (5000, 9));
        assert_eq!(framing(100_000), (100_000, 1));
        assert_eq!(framing(110_000), (10_000, 11));
    }
}
