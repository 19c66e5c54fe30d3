//! AV1 `scalabilityMode` `L1T2`/`L1T3`: an [`EncoderSession`] on libaom directly (see
//! `crate::aom`), because FFmpeg 5.1's `libaom-av1` wrapper cannot set libaom's SVC controls.
//! Everything else (rate control, speed, key frames, colour, `decoderConfig`) follows the
//! FFmpeg AV1 path (`libaom.rs`).

use super::libaom::{Libaom, LIBAOM_TRAITS};
use super::profile::{default_bitrate, framerate};
use super::session::{EncoderSession, Io, SessionCore, Sink};
use super::VideoEncodeInput;
use crate::aom::{AomEncoder, AomPacket, AomParams, AomPicture, AomRate, RefConfig};
use crate::codecs::Resolved;
use crate::svc::{LayerCursor, TemporalLayers};
use crate::Result;
use codec_core::{BitrateMode, LatencyMode, VideoColorSpace, VideoEncoderConfig};

/// A frame that references LAST, pointing at slot `last`, and refreshes slot `refresh` (if
/// any). The other references point at their default slots (LAST…ALTREF → 0…6) and are
/// unused.
const fn refs(last: u8, refresh: Option<usize>) -> RefConfig {
    let mut ref_idx = [0, 1, 2, 3, 4, 5, 6];
    if last != 0 {
        ref_idx[0] = last;
        ref_idx[last as usize] = 0;
    }
    let mut r = [false; 8];
    if let Some(n) = refresh {
        r[n] = true;
    }
    RefConfig {
        reference: [true, false, false, false, false, false, false],
        ref_idx,
        refresh: r,
    }
}

/// Per-frame reference structure of `L1T2`, after libaom's `svc_encoder_rtc.c` (layering mode
/// 1, without its optional long-term golden/alt-ref slots): layer 0 references LAST (slot 0)
/// and refreshes it; layer 1 references LAST and refreshes nothing.
const L1T2_REFS: [RefConfig; 2] = [refs(0, Some(0)), refs(0, None)];

/// Per-frame reference structure of `L1T3` (layer ids 0, 2, 1, 2), `svc_encoder_rtc.c`'s
/// layering mode 2: layer 0 references and refreshes slot 0; the first layer-2 frame
/// references slot 0; the layer-1 frame references slot 0 and refreshes slot 1; the second
/// layer-2 frame references slot 1 (the layer-1 frame) as LAST.
const L1T3_REFS: [RefConfig; 4] = [
    refs(0, Some(0)),
    refs(0, None),
    refs(0, Some(1)),
    refs(1, None),
];

/// One libaom encoder with temporal layers.
pub(crate) struct AomSession {
    core: SessionCore,
    enc: AomEncoder,
    cursor: LayerCursor,
    refs: &'static [RefConfig],
}

impl AomSession {
    /// Opens libaom for `cfg` (an AV1 config with `L1T2` or `L1T3`, already checked).
    pub(crate) fn open(
        cfg: &VideoEncoderConfig,
        resolved: Resolved,
        layers: TemporalLayers,
        qp: Option<u32>,
        color: VideoColorSpace,
    ) -> Result<Self> {
        let rate = framerate(cfg);
        let fps = f64::from(rate);
        let qp = LIBAOM_TRAITS.quantizer(qp);
        let kbps = cfg
            .bitrate
            .filter(|b| *b > 0)
            .unwrap_or_else(|| default_bitrate(cfg, fps))
            / 1000;
        let kbps = u32::try_from(kbps.max(1)).unwrap_or(u32::MAX);
        let refs: &'static [RefConfig] = if layers.count() == 2 {
            &L1T2_REFS
        } else {
            &L1T3_REFS
        };
        let code = |c: Option<u32>, d: u32| c.unwrap_or(d);
        let params = AomParams {
            width: cfg.width,
            height: cfg.height,
            timebase: (rate.denominator(), rate.numerator()),
            profile: u32::from(resolved.profile),
            bit_depth: u32::from(resolved.bit_depth),
            threads: LIBAOM_TRAITS.threads() as u32,
            cpu_used: Libaom::cpu_used(cfg.latency_mode == LatencyMode::Realtime),
            screen: cfg.content_hint.as_deref() == Some("text"),
            // libaom's SVC rate control is built for CBR (as libvpx's): in VBR mode with
            // layers it undershot tenfold (320x240 noise, 400 kbit/s → 46 kbit/s), so
            // `variable` runs CBR too, as the VP9 path does with layers.
            rate: match cfg.bitrate_mode {
                BitrateMode::Constant | BitrateMode::Variable => AomRate::Constant(kbps),
                BitrateMode::Quantizer => AomRate::Quantizer(qp, kbps),
            },
            color: (
                code(color.primaries.map(|p| p.code()), 1),
                code(color.transfer.map(|t| t.code()), 1),
                code(color.matrix.map(|m| m.code()), 1),
                color.full_range == Some(true),
            ),
            framerate_factors: layers.decimators.to_vec(),
            layer_kbps: layers
                .layer_kbps(u64::from(kbps))
                .into_iter()
                .map(|k| u32::try_from(k).unwrap_or(u32::MAX))
                .collect(),
        };
        let enc = AomEncoder::open(&params)?;
        Ok(Self {
            // As the FFmpeg path: low-overhead OBUs with in-band sequence headers, no av1C;
            // key frames only from AOM_EFLAG_FORCE_KF (they must restart the layer pattern).
            core: SessionCore::new(cfg, resolved, qp, color, None, true),
            enc,
            cursor: LayerCursor::new(layers),
            refs,
        })
    }

    fn emit(&mut self, packets: Vec<AomPacket>, sink: &mut Sink<'_>) {
        for p in packets {
            let chunk = self.core.chunk(Some(p.pts), p.data, p.key);
            sink.emit(chunk, self.core.decoder_config());
        }
    }
}

impl EncoderSession for AomSession {
    fn encode(&mut self, input: &VideoEncodeInput, io: &mut Io<'_>) -> Result<()> {
        let f = io.conv.colour(input, &self.core)?;
        // The first frame, a requested key frame and the periodic one restart the pattern.
        let (pts, key) = self.core.begin(input);
        let (at, layer) = self.cursor.next(key);
        self.core.sent(pts, input, Some(layer));
        let pic = AomPicture {
            planes: [f.data(0), f.data(1), f.data(2)],
            strides: [f.stride(0), f.stride(1), f.stride(2)],
        };
        let packets = self
            .enc
            .encode(Some((&pic, layer, &self.refs[at])), pts, key)?;
        self.emit(packets, &mut io.sink);
        Ok(())
    }

    fn drain(&mut self, sink: &mut Sink<'_>) -> Result<()> {
        let packets = self.enc.encode(None, 0, false)?;
        self.emit(packets, sink);
        self.core.clear_pending();
        Ok(())
    }

    fn core(&self) -> &SessionCore {
        &self.core
    }

    fn set_quantizer(&mut self, q: u32) -> Result<bool> {
        self.enc.set_quantizer(q)?;
        self.core.qp = q;
        Ok(true)
    }
}
