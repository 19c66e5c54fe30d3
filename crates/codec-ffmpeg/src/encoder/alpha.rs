//! `alpha: "keep"` (VP8 and 8-bit VP9), as Chromium's software VP8/VP9 encoders do it: a second
//! libvpx encoder with the same codec and settings encodes a 4:2:0 picture whose Y plane is the
//! alpha plane (U and V 128), and its packet for each frame is that chunk's `alphaSideData`.
//! It never places key frames itself: it gets one exactly when the colour encoder produced
//! one, and with `L1T2`/`L1T3` the same layer ids and reference flags, so its layer subsets
//! decode on their own too.

use std::collections::BTreeMap;

use codec_core::{VideoColorSpace, VideoEncoderConfig};
use ffmpeg::{frame, picture, Dictionary, Packet};
use ffmpeg_next as ffmpeg;

use super::session::{open_encoder, send_and_receive, OpenEncoder};
use crate::codecs::Resolved;
use crate::Result;

/// The alpha encoder of one session.
pub(crate) struct AlphaEncoder {
    enc: OpenEncoder,
    /// pts → alpha packet bytes not yet attached to their colour chunk.
    packets: BTreeMap<i64, Vec<u8>>,
}

/// `cfg` with `num` quarters of its bitrate, if it has one: a configured bitrate is split as
/// in Chromium, 3/4 for the colour encoder and 1/4 for the alpha encoder.
fn share(cfg: &VideoEncoderConfig, num: u64) -> VideoEncoderConfig {
    VideoEncoderConfig {
        bitrate: cfg.bitrate.map(|b| (b / 4 * num).max(1)),
        ..cfg.clone()
    }
}

impl AlphaEncoder {
    /// The colour encoder's configuration next to an alpha encoder: its share of the bitrate.
    pub(crate) fn colour_config(cfg: &VideoEncoderConfig) -> VideoEncoderConfig {
        share(cfg, 3)
    }

    /// Opens the alpha encoder of `cfg` at the colour encoder's quantizer `qp`.
    pub(crate) fn open(
        cfg: &VideoEncoderConfig,
        resolved: Resolved,
        qp: u32,
        color: &VideoColorSpace,
    ) -> Result<Self> {
        Ok(Self {
            enc: open_encoder(&share(cfg, 1), resolved, Some(qp), color, true)?.enc,
            packets: BTreeMap::new(),
        })
    }

    /// Gives the alpha picture `alpha` the colour frame's pts and per-frame controls (layer id
    /// and reference flags); the key decision follows the colour encoder's (see
    /// [`Self::send`]).
    pub(crate) fn follow(colour: &frame::Video, alpha: &mut frame::Video) {
        alpha.set_pts(colour.pts());
        alpha.set_metadata(colour.metadata().to_owned());
        alpha.set_kind(picture::Type::None);
    }

    /// Encodes `alpha`, the alpha picture of `colour`, whose packets (`colour_packets`) are
    /// out already (the colour encoder has no look-ahead): it is a key frame exactly when the
    /// colour frame's packet is.
    pub(crate) fn send(
        &mut self,
        colour: &frame::Video,
        alpha: &mut frame::Video,
        colour_packets: &[Packet],
    ) -> Result<()> {
        let key = colour_packets
            .iter()
            .any(|p| p.pts() == colour.pts() && p.is_key());
        if key {
            alpha.set_kind(picture::Type::I);
            // A key frame refreshes every reference: no layer reference flags.
            if let Some(id) = colour.metadata().get("temporal_id") {
                let mut meta = Dictionary::new();
                meta.set("temporal_id", id);
                alpha.set_metadata(meta);
            }
        }
        let packets = send_and_receive(&mut self.enc, Some(alpha))?;
        self.keep(packets);
        Ok(())
    }

    /// Drains the alpha encoder (end of stream).
    pub(crate) fn drain(&mut self) -> Result<()> {
        let packets = send_and_receive(&mut self.enc, None)?;
        self.keep(packets);
        Ok(())
    }

    fn keep(&mut self, packets: Vec<Packet>) {
        for p in packets {
            if let Some(pts) = p.pts() {
                self.packets.insert(pts, p.data().unwrap_or(&[]).to_vec());
            }
        }
    }

    /// The alpha packet of the colour packet with `pts`.
    pub(crate) fn take(&mut self, pts: Option<i64>) -> Option<Vec<u8>> {
        pts.and_then(|p| self.packets.remove(&p))
    }

    /// Drops alpha packets up to `pts` (all at the end of stream, `None`) whose colour frame
    /// produced no chunk (never expected: libvpx drops no frames here).
    pub(crate) fn forget_through(&mut self, pts: Option<i64>) {
        match pts {
            Some(pts) => self.packets.retain(|&k, _| k > pts),
            None => self.packets.clear(),
        }
    }
}
