//! Temporal layers (`scalabilityMode` `L1T2`, `L1T3`): the layer structure shared by every
//! encoder ([`TemporalLayers`], walked by [`LayerCursor`]), and for libx264/libx265 the
//! labelling of non-reference B-frames ([`BFrameLayers`]).
//!
//! libvpx (`encoder/vpx.rs`) and libaom (`encoder/aom_session.rs`) take per-frame layer ids and
//! reference controls, following the pattern below. FFmpeg 5.1 gives no per-frame reference
//! control for x264/x265, but a fixed mini-GOP of non-reference B-frames (`bframes` 1 or 3, no
//! B-pyramid, no adaptive B placement) is a valid temporal-layer structure: I/P frames (layer
//! 0) reference only each other, and no frame references a B-frame, so dropping B-frames
//! leaves a decodable stream. L1T2: `P b P b …`, every b is layer 1. L1T3: `P b b b P …`, the
//! middle b (display offset 2 from its anchor) is layer 1, the others layer 2.
//!
//! The layer of each x264/x265 chunk is read from the coded output, not assumed from the
//! pattern: a forced key frame, the periodic key frame and the end-of-stream flush shorten
//! mini-GOPs (the frame before a forced key frame becomes a P-frame), and the layering follows.

use std::collections::BTreeSet;

use media_parse::video::{h264 as avc, hevc};

/// The layer structure of `L1T2`/`L1T3`: one period of layer ids, and per layer its frame-rate
/// decimator and cumulative share of the bitrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TemporalLayers {
    /// Temporal layer id of each frame of one period (`0 1`, `0 2 1 2`).
    pub(crate) pattern: &'static [u32],
    /// Frame-rate decimator of each layer.
    pub(crate) decimators: &'static [u32],
    /// Cumulative share of the bitrate per layer, in percent (libwebrtc's split: 60/40 and
    /// 40/20/40).
    pub(crate) rate_percent: &'static [u64],
}

/// `L1T2`.
const L1T2: TemporalLayers = TemporalLayers {
    pattern: &[0, 1],
    decimators: &[2, 1],
    rate_percent: &[60, 100],
};

/// `L1T3`.
const L1T3: TemporalLayers = TemporalLayers {
    pattern: &[0, 2, 1, 2],
    decimators: &[4, 2, 1],
    rate_percent: &[40, 60, 100],
};

impl TemporalLayers {
    /// The layering of `scalabilityMode` `mode` (`None` for anything but `L1T2`/`L1T3`).
    pub(crate) fn for_mode(mode: Option<&str>) -> Option<Self> {
        match mode {
            Some("L1T2") => Some(L1T2),
            Some("L1T3") => Some(L1T3),
            _ => None,
        }
    }

    /// The number of layers.
    pub(crate) fn count(&self) -> usize {
        self.decimators.len()
    }

    /// The cumulative target bitrate of each layer for a total of `kbps` (at least 1 each).
    pub(crate) fn layer_kbps(&self, kbps: u64) -> Vec<u64> {
        self.rate_percent
            .iter()
            .map(|p| (kbps * p / 100).max(1))
            .collect()
    }
}

/// Walks a [`TemporalLayers`] pattern frame by frame; a key frame restarts it on layer 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LayerCursor {
    layers: TemporalLayers,
    /// Position of the next frame in the pattern.
    idx: usize,
}

impl LayerCursor {
    /// A cursor at the start of `layers`' pattern.
    pub(crate) fn new(layers: TemporalLayers) -> Self {
        Self { layers, idx: 0 }
    }

    /// The layering walked.
    pub(crate) fn layers(&self) -> TemporalLayers {
        self.layers
    }

    /// The next frame's position in the pattern and its layer id (a `key` frame restarts the
    /// pattern), and advances.
    pub(crate) fn next(&mut self, key: bool) -> (usize, u32) {
        if key {
            self.idx = 0;
        }
        let at = self.idx;
        self.idx = (self.idx + 1) % self.layers.pattern.len();
        (at, self.layers.pattern[at])
    }
}

/// How many anchors (reference pictures) are remembered. Non-reference pictures lie between
/// the two latest anchors in display order, so a few suffice.
const KEPT_ANCHORS: usize = 4;

/// Which bitstream a [`BFrameLayers`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NalSyntax {
    /// H.264 Annex B.
    Avc,
    /// HEVC Annex B.
    Hevc,
}

/// Assigns temporal layer ids to x264/x265 packets (decode order) from whether each is a
/// reference picture and its display position relative to the previous anchor.
#[derive(Debug, Clone)]
pub(crate) struct BFrameLayers {
    /// Number of temporal layers: 2 (`L1T2`) or 3 (`L1T3`).
    layers: u32,
    syntax: NalSyntax,
    /// Presentation indices of the latest reference pictures.
    anchors: BTreeSet<i64>,
}

impl BFrameLayers {
    /// Layering for `scalabilityMode` `mode` (`None` for anything but `L1T2`/`L1T3`).
    pub(crate) fn for_mode(mode: Option<&str>, syntax: NalSyntax) -> Option<Self> {
        let layers = TemporalLayers::for_mode(mode)?.count() as u32;
        Some(Self {
            layers,
            syntax,
            anchors: BTreeSet::new(),
        })
    }

    /// Consecutive B-frames of one mini-GOP: 1 for `L1T2`, 3 for `L1T3`.
    pub(crate) fn bframes(&self) -> u32 {
        if self.layers == 2 {
            1
        } else {
            3
        }
    }

    /// The x264/x265 parameters (`key=value` joined by `:`) that give this structure: fixed
    /// B-frame runs, no B-pyramid (so no B-frame is a reference). x265 also signals the
    /// layering in the bitstream: `temporal-layers=1` puts the non-reference B-frames in
    /// temporal sub-layer 1 (`TSA_N` slices), so `nuh_temporal_id` is the layer id for L1T2
    /// and 1 for both upper layers of L1T3 (x265 has only one enhancement sub-layer).
    pub(crate) fn encoder_params(&self) -> String {
        let (pyramid, extra) = match self.syntax {
            NalSyntax::Avc => ("none", ""),
            NalSyntax::Hevc => ("0", ":temporal-layers=1"),
        };
        format!(
            "bframes={}:b-pyramid={pyramid}:b-adapt=0{extra}",
            self.bframes()
        )
    }

    /// The layer id of the packet `au` (one Annex B access unit) presented at index `pts`.
    /// Packets must come in decode order.
    pub(crate) fn layer_of(&mut self, au: &[u8], pts: i64) -> u32 {
        let reference = match self.syntax {
            NalSyntax::Avc => avc::is_reference(au),
            NalSyntax::Hevc => hevc::is_reference(au),
        };
        self.layer(pts, reference)
    }

    /// The layer id of a picture at `pts` that is (or is not) a reference picture.
    fn layer(&mut self, pts: i64, reference: bool) -> u32 {
        if reference {
            self.anchors.insert(pts);
            while self.anchors.len() > KEPT_ANCHORS {
                self.anchors.pop_first();
            }
            return 0;
        }
        let offset = self.anchors.range(..pts).next_back().map(|a| pts - a);
        match (self.layers, offset) {
            (2, _) => 1,
            (_, Some(2)) => 1,
            _ => 2,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Feeds (pts, reference) in decode order and returns the layers by pts.
    fn run(mode: &str, decode_order: &[(i64, bool)]) -> Vec<u32> {
        let mut l = BFrameLayers::for_mode(Some(mode), NalSyntax::Avc).unwrap();
        let mut out: Vec<(i64, u32)> = decode_order
            .iter()
            .map(|&(pts, r)| (pts, l.layer(pts, r)))
            .collect();
        out.sort_unstable();
        out.into_iter().map(|(_, id)| id).collect()
    }

    #[test]
    fn full_mini_gops() {
        // I0 P2 b1 P4 b3
        let order = [(0, true), (2, true), (1, false), (4, true), (3, false)];
        assert_eq!(run("L1T2", &order), [0, 1, 0, 1, 0]);
        // I0 P4 b1 b2 b3 P8 b5 b6 b7
        let order = [
            (0, true),
            (4, true),
            (1, false),
            (2, false),
            (3, false),
            (8, true),
            (5, false),
            (6, false),
            (7, false),
        ];
        assert_eq!(run("L1T3", &order), [0, 2, 1, 2, 0, 2, 1, 2, 0]);
    }

    #[test]
    fn shortened_mini_gops() {
        // A key frame at 3 makes 2 a P-frame: I0 P2 b1 I3 P7 b4 b5 b6 (flush) P9 b8.
        let order = [
            (0, true),
            (2, true),
            (1, false),
            (3, true),
            (7, true),
            (4, false),
            (5, false),
            (6, false),
            (9, true),
            (8, false),
        ];
        assert_eq!(run("L1T3", &order), [0, 2, 0, 0, 2, 1, 2, 0, 2, 0]);
        assert!(BFrameLayers::for_mode(Some("L1T1"), NalSyntax::Hevc).is_none());
        assert!(BFrameLayers::for_mode(None, NalSyntax::Hevc).is_none());
    }

    #[test]
    fn cursor_restarts_on_key_frames() {
        let mut c = LayerCursor::new(TemporalLayers::for_mode(Some("L1T3")).unwrap());
        let ids: Vec<(usize, u32)> = [true, false, false, false, false, false, true, false]
            .into_iter()
            .map(|key| c.next(key))
            .collect();
        assert_eq!(
            ids,
            [
                (0, 0),
                (1, 2),
                (2, 1),
                (3, 2),
                (0, 0),
                (1, 2),
                (0, 0),
                (1, 2)
            ]
        );
        assert_eq!(c.layers().layer_kbps(1000), [400, 600, 1000]);
        assert_eq!(L1T2.layer_kbps(1), [1, 1]);
        assert!(TemporalLayers::for_mode(Some("L1T1")).is_none());
    }

    #[test]
    fn old_anchors_are_forgotten() {
        let mut l = BFrameLayers::for_mode(Some("L1T3"), NalSyntax::Hevc).unwrap();
        for k in 0..100 {
            l.layer(k * 4, true);
        }
        assert_eq!(l.anchors.len(), KEPT_ANCHORS);
        assert_eq!(l.layer(394, false), 1);
    }
}
