//! The only module with raw libaom calls: an AV1 encoder context opened directly on libaom
//! (not through FFmpeg), for what FFmpeg 5.1's `libaom-av1` wrapper cannot do — the SVC
//! controls (`AV1E_SET_SVC_PARAMS`, `AV1E_SET_SVC_LAYER_ID`, `AV1E_SET_SVC_REF_FRAME_CONFIG`),
//! which take C structs. Bindings come from `build.rs` (bindgen, allowlisted).

use std::ffi::{c_int, c_uint, CStr};
use std::mem::MaybeUninit;

use crate::{Error, Result};

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    clippy::all
)]
mod sys {
    include!(concat!(env!("OUT_DIR"), "/aom_bindings.rs"));
}

/// Rate control of an [`AomEncoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AomRate {
    /// Constant bitrate (kbit/s).
    Constant(u32),
    /// A fixed quantizer (0–63) at a nominal bitrate (kbit/s), as FFmpeg's `qmin = qmax`.
    Quantizer(u32, u32),
}

/// Everything an [`AomEncoder`] is opened with.
#[derive(Debug, Clone)]
pub(crate) struct AomParams {
    /// Frame width.
    pub(crate) width: u32,
    /// Frame height.
    pub(crate) height: u32,
    /// Time base (seconds per pts unit) as numerator/denominator.
    pub(crate) timebase: (i32, i32),
    /// `seq_profile` (0 = Main).
    pub(crate) profile: u32,
    /// 8 or 10.
    pub(crate) bit_depth: u32,
    /// Encoder threads.
    pub(crate) threads: u32,
    /// `AOME_SET_CPUUSED`.
    pub(crate) cpu_used: i32,
    /// `AV1E_SET_TUNE_CONTENT` screen.
    pub(crate) screen: bool,
    /// Rate control.
    pub(crate) rate: AomRate,
    /// H.273 colour codes: primaries, transfer, matrix; and full range.
    pub(crate) color: (u32, u32, u32, bool),
    /// Frame-rate factor of each temporal layer (e.g. 4, 2, 1).
    pub(crate) framerate_factors: Vec<u32>,
    /// Cumulative target bitrate of each temporal layer (kbit/s).
    pub(crate) layer_kbps: Vec<u32>,
}

/// Which buffers one frame references and refreshes (`aom_svc_ref_frame_config_t`).
/// Reference order: LAST, LAST2, LAST3, GOLDEN, BWDREF, ALTREF2, ALTREF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RefConfig {
    /// Which of the 7 references this frame may use.
    pub(crate) reference: [bool; 7],
    /// The slot (0–7) each of the 7 references points to.
    pub(crate) ref_idx: [u8; 7],
    /// Which of the 8 slots this frame refreshes.
    pub(crate) refresh: [bool; 8],
}

/// One compressed frame.
#[derive(Debug, Clone)]
pub(crate) struct AomPacket {
    /// The temporal unit's OBUs (low-overhead format).
    pub(crate) data: Vec<u8>,
    /// The pts of its frame.
    pub(crate) pts: i64,
    /// `AOM_FRAME_IS_KEY`.
    pub(crate) key: bool,
}

/// One input picture: three planes (Y, U, V) with their strides in bytes; samples are 8-bit,
/// or 16-bit little-endian words for a 10-bit encoder.
pub(crate) struct AomPicture<'a> {
    /// Y, U, V.
    pub(crate) planes: [&'a [u8]; 3],
    /// Bytes per row of each plane.
    pub(crate) strides: [usize; 3],
}

/// An open libaom AV1 encoder context; destroyed on drop.
pub(crate) struct AomEncoder {
    /// Boxed: libaom keeps no pointer to it, but it must not move while in use.
    ctx: Box<sys::aom_codec_ctx_t>,
    /// The configuration in effect (changed by [`AomEncoder::set_quantizer`]).
    cfg: sys::aom_codec_enc_cfg_t,
    /// The SVC parameters in effect.
    svc: sys::aom_svc_params_t,
    width: u32,
    height: u32,
    high_bitdepth: bool,
    bit_depth: u32,
}

// SAFETY: a libaom context is plain heap state with no thread affinity; `AomEncoder` owns it
// exclusively and every call takes `&mut self`, so it is used by one thread at a time.
unsafe impl Send for AomEncoder {}

/// libaom's description of the last error on `ctx`, after `what`, as an [`Error::Aom`].
fn aom_error(ctx: *mut sys::aom_codec_ctx_t, what: &str) -> Error {
    // SAFETY: `ctx` is a live (or failed-to-init, which libaom allows here) context;
    // `aom_codec_error` returns a static string and `aom_codec_error_detail` null or a string
    // owned by the context, both copied out before returning.
    unsafe {
        let e = sys::aom_codec_error(ctx);
        let d = sys::aom_codec_error_detail(ctx);
        let mut s = format!("{what}: ");
        if !e.is_null() {
            s.push_str(&CStr::from_ptr(e).to_string_lossy());
        }
        if !d.is_null() {
            s.push_str(" (");
            s.push_str(&CStr::from_ptr(d).to_string_lossy());
            s.push(')');
        }
        Error::Aom(s)
    }
}

fn to_int(v: u32) -> c_int {
    c_int::try_from(v).unwrap_or(c_int::MAX)
}

impl AomEncoder {
    /// Opens a realtime AV1 encoder with temporal layers as `p` describes.
    pub(crate) fn open(p: &AomParams) -> Result<Self> {
        let layers = p.framerate_factors.len();
        if layers == 0 || layers > sys::AOM_MAX_TS_LAYERS as usize || p.layer_kbps.len() != layers {
            return Err(Error::internal("bad temporal layer count"));
        }
        let high_bitdepth = p.bit_depth > 8;
        // SAFETY: `aom_codec_av1_cx` returns a static interface. `aom_codec_enc_config_default`
        // fully initialises `cfg` when it returns AOM_CODEC_OK (checked before
        // `assume_init`).
        let mut cfg = unsafe {
            let mut cfg = MaybeUninit::<sys::aom_codec_enc_cfg_t>::zeroed();
            let r = sys::aom_codec_enc_config_default(
                sys::aom_codec_av1_cx(),
                cfg.as_mut_ptr(),
                sys::AOM_USAGE_REALTIME,
            );
            if r != sys::AOM_CODEC_OK {
                return Err(Error::Aom("aom_codec_enc_config_default failed".into()));
            }
            cfg.assume_init()
        };
        cfg.g_w = p.width;
        cfg.g_h = p.height;
        cfg.g_timebase.num = p.timebase.0;
        cfg.g_timebase.den = p.timebase.1;
        cfg.g_profile = p.profile;
        cfg.g_bit_depth = p.bit_depth;
        cfg.g_input_bit_depth = p.bit_depth;
        cfg.g_threads = p.threads;
        cfg.g_lag_in_frames = 0;
        cfg.g_error_resilient = 0;
        // Key frames come only from AOM_EFLAG_FORCE_KF (they must restart the layer pattern).
        cfg.kf_mode = sys::AOM_KF_DISABLED;
        cfg.kf_min_dist = 0;
        cfg.kf_max_dist = u32::MAX;
        // Every frame gives one packet: no frame dropping.
        cfg.rc_dropframe_thresh = 0;
        cfg.rc_resize_mode = 0;
        cfg.rc_superres_mode = 0;
        let (mode, kbps, q) = match p.rate {
            AomRate::Constant(b) => (sys::AOM_CBR, b, None),
            AomRate::Quantizer(q, b) => (sys::AOM_VBR, b, Some(q.min(63))),
        };
        cfg.rc_end_usage = mode;
        cfg.rc_target_bitrate = kbps.max(1);
        if let Some(q) = q {
            cfg.rc_min_quantizer = q;
            cfg.rc_max_quantizer = q;
        }
        // One-second buffer as the FFmpeg path (`bufsize` = bitrate); svc_encoder_rtc.c's
        // levels.
        cfg.rc_buf_sz = 1000;
        cfg.rc_buf_initial_sz = 600;
        cfg.rc_buf_optimal_sz = 600;
        cfg.rc_undershoot_pct = 50;
        cfg.rc_overshoot_pct = 50;

        let mut ctx: Box<sys::aom_codec_ctx_t> =
            // SAFETY: an all-zero aom_codec_ctx_t is a valid "not initialised" context (plain
            // pointers and integers) that `aom_codec_enc_init_ver` fills in.
            Box::new(unsafe { MaybeUninit::zeroed().assume_init() });
        let flags = if high_bitdepth {
            sys::AOM_CODEC_USE_HIGHBITDEPTH as sys::aom_codec_flags_t
        } else {
            0
        };
        // SAFETY: `ctx` and `cfg` are valid for the call; libaom copies `cfg`.
        let r = unsafe {
            sys::aom_codec_enc_init_ver(
                &mut *ctx,
                sys::aom_codec_av1_cx(),
                &cfg,
                flags,
                sys::AOM_ENCODER_ABI_VERSION as c_int,
            )
        };
        if r != sys::AOM_CODEC_OK {
            let e = aom_error(&mut *ctx, "cannot open libaom encoder");
            // SAFETY: destroying a context whose init failed is allowed (it frees nothing
            // that was not allocated) and `ctx` is not used afterwards.
            unsafe { sys::aom_codec_destroy(&mut *ctx) };
            return Err(e);
        }
        // SAFETY: aom_svc_params_t is plain integers; all-zero is a valid start.
        let svc: sys::aom_svc_params_t = unsafe { MaybeUninit::zeroed().assume_init() };
        let mut enc = Self {
            ctx,
            cfg,
            svc,
            width: p.width,
            height: p.height,
            high_bitdepth,
            bit_depth: p.bit_depth,
        };
        enc.configure(p)?;
        Ok(enc)
    }

    /// The controls set once after init: speed, realtime tools, colour, SVC structure.
    fn configure(&mut self, p: &AomParams) -> Result<()> {
        self.control_int(sys::AOME_SET_CPUUSED, p.cpu_used)?;
        self.control_uint(sys::AV1E_SET_ROW_MT, 1)?;
        // As svc_encoder_rtc.c: no temporal dependency model or delta-q, no order hints (no
        // frame reordering in realtime SVC).
        self.control_uint(sys::AV1E_SET_ENABLE_TPL_MODEL, 0)?;
        self.control_uint(sys::AV1E_SET_DELTAQ_MODE, 0)?;
        self.control_uint(sys::AV1E_SET_ENABLE_ORDER_HINT, 0)?;
        if p.screen {
            self.control_int(sys::AV1E_SET_TUNE_CONTENT, sys::AOM_CONTENT_SCREEN as c_int)?;
        }
        let (pri, trc, mat, full) = p.color;
        self.control_int(sys::AV1E_SET_COLOR_PRIMARIES, to_int(pri))?;
        self.control_int(sys::AV1E_SET_TRANSFER_CHARACTERISTICS, to_int(trc))?;
        self.control_int(sys::AV1E_SET_MATRIX_COEFFICIENTS, to_int(mat))?;
        self.control_int(sys::AV1E_SET_COLOR_RANGE, c_int::from(full))?;

        let svc = &mut self.svc;
        svc.number_spatial_layers = 1;
        svc.number_temporal_layers = p.framerate_factors.len() as c_int;
        svc.scaling_factor_num[0] = 1;
        svc.scaling_factor_den[0] = 1;
        for (i, (&f, &kbps)) in p.framerate_factors.iter().zip(&p.layer_kbps).enumerate() {
            svc.framerate_factor[i] = to_int(f);
            svc.layer_target_bitrate[i] = to_int(kbps.max(1));
            svc.max_quantizers[i] = to_int(self.cfg.rc_max_quantizer);
            svc.min_quantizers[i] = to_int(self.cfg.rc_min_quantizer);
        }
        self.send_svc_params()
    }

    /// (Re)sends `self.svc` (AV1E_SET_SVC_PARAMS).
    fn send_svc_params(&mut self) -> Result<()> {
        let svc: *mut sys::aom_svc_params_t = &mut self.svc;
        // SAFETY: the control takes an `aom_svc_params_t *`, read during the call only.
        let r = unsafe {
            sys::aom_codec_control(&mut *self.ctx, sys::AV1E_SET_SVC_PARAMS as c_int, svc)
        };
        self.check(r, "AV1E_SET_SVC_PARAMS")
    }

    /// Changes the constant quantizer (`rc_min_quantizer = rc_max_quantizer`, every layer's
    /// too) of the open encoder; the next frame uses it, with no key frame.
    pub(crate) fn set_quantizer(&mut self, q: u32) -> Result<()> {
        let q = q.min(63);
        self.cfg.rc_min_quantizer = q;
        self.cfg.rc_max_quantizer = q;
        // SAFETY: `cfg` is a complete configuration (from `open`) read during the call only.
        let r = unsafe { sys::aom_codec_enc_config_set(&mut *self.ctx, &self.cfg) };
        self.check(r, "aom_codec_enc_config_set")?;
        let layers = usize::try_from(self.svc.number_temporal_layers).unwrap_or(0);
        for i in 0..layers {
            self.svc.max_quantizers[i] = to_int(q);
            self.svc.min_quantizers[i] = to_int(q);
        }
        self.send_svc_params()
    }

    fn check(&mut self, r: sys::aom_codec_err_t, what: &str) -> Result<()> {
        if r == sys::AOM_CODEC_OK {
            Ok(())
        } else {
            Err(aom_error(&mut *self.ctx, what))
        }
    }

    fn control_int(&mut self, id: sys::aome_enc_control_id, v: c_int) -> Result<()> {
        // SAFETY: the controls passed here take an `int` argument.
        let r = unsafe { sys::aom_codec_control(&mut *self.ctx, id as c_int, v) };
        self.check(r, "aom_codec_control")
    }

    fn control_uint(&mut self, id: sys::aome_enc_control_id, v: c_uint) -> Result<()> {
        // SAFETY: the controls passed here take an `unsigned int` argument.
        let r = unsafe { sys::aom_codec_control(&mut *self.ctx, id as c_int, v) };
        self.check(r, "aom_codec_control")
    }

    /// Encodes one picture (`None`: end of stream, drains) in temporal layer `layer` with the
    /// reference structure `refs`; `key` forces a key frame. Returns every packet ready.
    pub(crate) fn encode(
        &mut self,
        pic: Option<(&AomPicture<'_>, u32, &RefConfig)>,
        pts: i64,
        key: bool,
    ) -> Result<Vec<AomPacket>> {
        let r = match pic {
            Some((pic, layer, refs)) => {
                self.set_layer(layer, refs)?;
                self.encode_picture(pic, pts, key)?
            }
            // SAFETY: a null image flushes the encoder.
            None => unsafe { sys::aom_codec_encode(&mut *self.ctx, std::ptr::null(), 0, 0, 0) },
        };
        self.check(r, "encoding failed")?;
        Ok(self.packets())
    }

    fn set_layer(&mut self, layer: u32, refs: &RefConfig) -> Result<()> {
        let mut id = sys::aom_svc_layer_id_t {
            spatial_layer_id: 0,
            temporal_layer_id: to_int(layer),
        };
        // SAFETY: the control takes an `aom_svc_layer_id_t *`, read during the call only.
        let r = unsafe {
            sys::aom_codec_control(
                &mut *self.ctx,
                sys::AV1E_SET_SVC_LAYER_ID as c_int,
                &mut id as *mut sys::aom_svc_layer_id_t,
            )
        };
        self.check(r, "AV1E_SET_SVC_LAYER_ID")?;
        // SAFETY: plain integers; all-zero is valid.
        let mut rc: sys::aom_svc_ref_frame_config_t =
            unsafe { MaybeUninit::zeroed().assume_init() };
        for i in 0..7 {
            rc.reference[i] = c_int::from(refs.reference[i]);
            rc.ref_idx[i] = c_int::from(refs.ref_idx[i]);
        }
        for i in 0..8 {
            rc.refresh[i] = c_int::from(refs.refresh[i]);
        }
        // SAFETY: the control takes an `aom_svc_ref_frame_config_t *`, read during the call.
        let r = unsafe {
            sys::aom_codec_control(
                &mut *self.ctx,
                sys::AV1E_SET_SVC_REF_FRAME_CONFIG as c_int,
                &mut rc as *mut sys::aom_svc_ref_frame_config_t,
            )
        };
        self.check(r, "AV1E_SET_SVC_REF_FRAME_CONFIG")
    }

    fn encode_picture(
        &mut self,
        pic: &AomPicture<'_>,
        pts: i64,
        key: bool,
    ) -> Result<sys::aom_codec_err_t> {
        let (w, h) = (self.width as usize, self.height as usize);
        let bps = if self.high_bitdepth { 2 } else { 1 };
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        // Bounds: every row the encoder reads must lie inside its plane slice.
        for (i, (pl, &st)) in pic.planes.iter().zip(&pic.strides).enumerate() {
            let (pw, ph) = if i == 0 { (w, h) } else { (cw, ch) };
            if st < pw * bps || pl.len() < st * (ph - 1) + pw * bps {
                return Err(Error::internal("libaom input plane too small"));
            }
        }
        let fmt = if self.high_bitdepth {
            sys::AOM_IMG_FMT_I42016
        } else {
            sys::AOM_IMG_FMT_I420
        };
        // SAFETY: all-zero is a valid aom_image_t for `aom_img_wrap` to fill in.
        let mut img: sys::aom_image_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: `aom_img_wrap` only computes plane pointers from the (non-null) data
        // pointer; it neither reads nor allocates. We then point the planes and strides at
        // the real planes, which were checked above to hold every row libaom reads, and which
        // outlive the `aom_codec_encode` call (libaom copies the picture, lag_in_frames 0).
        let r = unsafe {
            let p = sys::aom_img_wrap(
                &mut img,
                fmt,
                self.width,
                self.height,
                1,
                pic.planes[0].as_ptr() as *mut u8,
            );
            if p.is_null() {
                return Err(Error::Aom("aom_img_wrap failed".into()));
            }
            for i in 0..3 {
                img.planes[i] = pic.planes[i].as_ptr() as *mut u8;
                img.stride[i] = c_int::try_from(pic.strides[i])
                    .map_err(|_| Error::internal("libaom input stride too large"))?;
            }
            img.bit_depth = self.bit_depth;
            let flags = if key {
                sys::AOM_EFLAG_FORCE_KF as sys::aom_enc_frame_flags_t
            } else {
                0
            };
            sys::aom_codec_encode(&mut *self.ctx, &img, pts, 1, flags)
        };
        Ok(r)
    }

    /// Every packet libaom has ready, copied out.
    fn packets(&mut self) -> Vec<AomPacket> {
        let mut out = Vec::new();
        let mut iter: sys::aom_codec_iter_t = std::ptr::null();
        loop {
            // SAFETY: `iter` starts null and is only advanced by libaom. A non-null packet
            // is valid until the next get_cx_data/encode call; for frame packets
            // `data.frame.buf` points to `sz` readable bytes, copied out immediately.
            unsafe {
                let pkt = sys::aom_codec_get_cx_data(&mut *self.ctx, &mut iter);
                if pkt.is_null() {
                    break;
                }
                if (*pkt).kind != sys::AOM_CODEC_CX_FRAME_PKT {
                    continue;
                }
                let f = &(*pkt).data.frame;
                let data = if f.buf.is_null() || f.sz == 0 {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(f.buf as *const u8, f.sz).to_vec()
                };
                out.push(AomPacket {
                    data,
                    pts: f.pts,
                    key: f.flags & sys::AOM_FRAME_IS_KEY != 0,
                });
            }
        }
        out
    }
}

impl Drop for AomEncoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `open` and is destroyed exactly once.
        unsafe { sys::aom_codec_destroy(&mut *self.ctx) };
    }
}
