//! The only module with raw FFmpeg calls: the few things `ffmpeg-next` has no safe API for.

use ffmpeg::ffi;
use ffmpeg_next as ffmpeg;

/// A copy of the codec context's `extradata` (empty when there is none).
pub(crate) fn extradata(ctx: &ffmpeg::codec::Context) -> Vec<u8> {
    // SAFETY: `ctx` wraps a live AVCodecContext for the duration of the borrow. `extradata` is
    // either null or points to `extradata_size` readable bytes owned by the context; we copy
    // them out before the borrow ends.
    unsafe {
        let p = ctx.as_ptr();
        let data = (*p).extradata;
        let size = (*p).extradata_size;
        if data.is_null() || size <= 0 {
            return Vec::new();
        }
        std::slice::from_raw_parts(data, size as usize).to_vec()
    }
}

/// Replaces the (not yet opened) codec context's `extradata` with a padded copy of `data`.
pub(crate) fn set_extradata(
    ctx: &mut ffmpeg::codec::Context,
    data: &[u8],
) -> Result<(), ffmpeg::Error> {
    let size = i32::try_from(data.len()).map_err(|_| ffmpeg::Error::InvalidData)?;
    let padded = data.len() + ffi::AV_INPUT_BUFFER_PADDING_SIZE as usize;
    // SAFETY: `ctx` wraps a live AVCodecContext that is not opened yet and that we borrow
    // mutably. The buffer comes from `av_mallocz` (what `avcodec_free_context` releases with
    // `av_freep`), is `padded` >= `data.len()` bytes long and zeroed, so the copy stays in
    // bounds and the padding FFmpeg requires is zero. Any previous extradata is freed first.
    unsafe {
        let p = ctx.as_mut_ptr();
        let buf = ffi::av_mallocz(padded) as *mut u8;
        if buf.is_null() {
            return Err(ffmpeg::Error::Other {
                errno: ffmpeg::util::error::ENOMEM,
            });
        }
        std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len());
        ffi::av_freep(&mut (*p).extradata as *mut *mut u8 as *mut std::ffi::c_void);
        (*p).extradata = buf;
        (*p).extradata_size = size;
    }
    Ok(())
}

/// Sets the YUV matrix used by a scaler (`SWS_CS_*` constants) and the source/destination
/// ranges (`true` = full range).
pub(crate) fn set_scaler_colorspace(
    sws: &mut ffmpeg::software::scaling::Context,
    matrix: i32,
    src_full: bool,
    dst_full: bool,
) {
    // SAFETY: `sws` wraps a live SwsContext borrowed mutably. `sws_getCoefficients` returns a
    // pointer to a static table (valid for any input). The table pointers are only read.
    unsafe {
        let table = ffi::sws_getCoefficients(matrix);
        ffi::sws_setColorspaceDetails(
            sws.as_mut_ptr(),
            table,
            i32::from(src_full),
            table,
            i32::from(dst_full),
            0,
            1 << 16,
            1 << 16,
        );
    }
}

/// A swscale context for whole frames that slices its work over `threads` threads of its own
/// (`sws_scale_frame`, FFmpeg 5.0 and later), as the CLI's scale filter does; bilinear, with
/// the BT.709 matrix for YUV ↔ RGB (see [`set_scaler_colorspace`]).
pub(crate) struct FrameScaler(std::ptr::NonNull<ffi::SwsContext>);

// SAFETY: as `SendScaler`: an SwsContext has no thread affinity and is only used through
// `&mut self`; the threads it starts are its own and end when it is freed.
unsafe impl Send for FrameScaler {}

impl FrameScaler {
    /// A scaler from `src` to `dst` (format, width, height) on `threads` threads; `src_full`
    /// and `dst_full`: full-range sides. `None` if swscale refuses the conversion.
    pub(crate) fn new(
        src: (ffmpeg::format::Pixel, u32, u32),
        dst: (ffmpeg::format::Pixel, u32, u32),
        threads: usize,
        (src_full, dst_full): (bool, bool),
    ) -> Option<Self> {
        let fmt = |p: ffmpeg::format::Pixel| i64::from(ffi::AVPixelFormat::from(p) as i32);
        let options: [(&std::ffi::CStr, i64); 8] = [
            (c"srcw", i64::from(src.1)),
            (c"srch", i64::from(src.2)),
            (c"src_format", fmt(src.0)),
            (c"dstw", i64::from(dst.1)),
            (c"dsth", i64::from(dst.2)),
            (c"dst_format", fmt(dst.0)),
            (c"sws_flags", i64::from(ffi::SWS_BILINEAR)),
            (c"threads", i64::try_from(threads.max(1)).ok()?),
        ];
        // SAFETY: `sws_alloc_context` returns a new context or null (checked); from then on
        // `me` owns it and frees it on every return. `av_opt_set_int` and `sws_init_context`
        // get that live context and NUL-terminated option names; the null filter pointers ask
        // swscale for its own filters. `sws_getCoefficients` returns a static table.
        unsafe {
            let me = Self(std::ptr::NonNull::new(ffi::sws_alloc_context())?);
            let ctx = me.0.as_ptr();
            for (name, value) in options {
                if ffi::av_opt_set_int(ctx.cast(), name.as_ptr(), value, 0) < 0 {
                    return None;
                }
            }
            if ffi::sws_init_context(ctx, std::ptr::null_mut(), std::ptr::null_mut()) < 0 {
                return None;
            }
            let table = ffi::sws_getCoefficients(ffi::SWS_CS_ITU709);
            let (s, d) = (i32::from(src_full), i32::from(dst_full));
            ffi::sws_setColorspaceDetails(ctx, table, s, table, d, 0, 1 << 16, 1 << 16);
            Some(me)
        }
    }

    /// Scales `src` into `dst`, whose formats and sizes must be the scaler's; `false` on a
    /// swscale failure (or a mismatch, which swscale reports).
    pub(crate) fn scale(
        &mut self,
        src: &ffmpeg::frame::Video,
        dst: &mut ffmpeg::frame::Video,
    ) -> bool {
        // SAFETY: the context is live and used by this thread alone (`&mut self`); both frames
        // are live AVFrames, `src` only read. swscale checks each frame's format and size
        // against the context and writes `dst`'s own buffers.
        unsafe { ffi::sws_scale_frame(self.0.as_ptr(), dst.as_mut_ptr(), src.as_ptr()) >= 0 }
    }
}

impl Drop for FrameScaler {
    fn drop(&mut self) {
        // SAFETY: the context was made by `sws_alloc_context` and is freed once, here.
        unsafe { ffi::sws_freeContext(self.0.as_ptr()) }
    }
}

/// A swscale context that may move between threads.
pub(crate) struct SendScaler(pub(crate) ffmpeg::software::scaling::Context);

// SAFETY: an SwsContext has no thread affinity (no thread-local state, no callbacks); it only
// must not be used from two threads at once. `SendScaler` owns its context exclusively and
// every use goes through `&mut self`, so moving it to the worker thread is sound. (It is not
// `Sync`.)
unsafe impl Send for SendScaler {}

/// Sets `bits_per_raw_sample` on a (not yet opened) codec context (FLAC: 24-bit from s32 input).
pub(crate) fn set_bits_per_raw_sample(ctx: &mut ffmpeg::codec::Context, bits: i32) {
    // SAFETY: `ctx` wraps a live AVCodecContext borrowed mutably; writing a plain int field of
    // a context that is not opened yet is what the FFmpeg API expects.
    unsafe {
        (*ctx.as_mut_ptr()).bits_per_raw_sample = bits;
    }
}

/// The encoder delay (`initial_padding`) of an opened encoder, in samples at its rate.
pub(crate) fn initial_padding(ctx: &ffmpeg::codec::Context) -> i32 {
    // SAFETY: `ctx` wraps a live AVCodecContext for the duration of the borrow; we read one
    // plain int field.
    unsafe { (*ctx.as_ptr()).initial_padding }
}

extern "C" {
    fn dlopen(filename: *const std::ffi::c_char, flags: i32) -> *mut std::ffi::c_void;
    fn dlsym(
        handle: *mut std::ffi::c_void,
        symbol: *const std::ffi::c_char,
    ) -> *mut std::ffi::c_void;
}

/// libopus's `*_ctl` functions (C: `int f(void *st, int request, ...)`).
type OpusCtl = unsafe extern "C" fn(*mut std::ffi::c_void, i32, ...) -> i32;

/// `OPUS_AUTO`.
const OPUS_AUTO: i32 = -1000;
const OPUS_SET_BANDWIDTH_REQUEST: i32 = 4008;
const OPUS_SET_DTX_REQUEST: i32 = 4016;
const OPUS_SET_FORCE_CHANNELS_REQUEST: i32 = 4022;
const OPUS_MULTISTREAM_GET_ENCODER_STATE_REQUEST: i32 = 5120;
/// From libopus's `opus_private.h`: `opus_encoder_ctl` has handled it since libopus 1.0 (its
/// own multi-frame packets and `opus_demo` use it); values `MODE_SILK_ONLY` (1000),
/// `MODE_HYBRID` (1001), `MODE_CELT_ONLY` (1002) or `OPUS_AUTO`.
const OPUS_SET_FORCE_MODE_REQUEST: i32 = 11002;

/// A function of the libopus that libavcodec already loaded (never loads a library).
fn opus_function(name: &std::ffi::CStr) -> Option<OpusCtl> {
    const RTLD_LAZY: i32 = 0x1;
    const RTLD_NOLOAD: i32 = 0x4;
    // SAFETY: dlopen with RTLD_NOLOAD only returns a handle to an already loaded library (or
    // null); dlsym returns the symbol's address or null. Every function named here has the C
    // signature `int f(void *st, int request, ...)` declared by `OpusCtl`.
    unsafe {
        let lib = dlopen(c"libopus.so.0".as_ptr(), RTLD_LAZY | RTLD_NOLOAD);
        if lib.is_null() {
            return None;
        }
        let sym = dlsym(lib, name.as_ptr());
        if sym.is_null() {
            return None;
        }
        Some(std::mem::transmute::<*mut std::ffi::c_void, OpusCtl>(sym))
    }
}

/// The `OpusMSEncoder *` of an opened FFmpeg `libopus` encoder context, or `None` for any
/// other context.
fn opus_ms_encoder(ctx: &ffmpeg::codec::Context) -> Option<*mut std::ffi::c_void> {
    // SAFETY: `ctx` wraps a live, opened AVCodecContext. We only touch its `priv_data` after
    // checking that the codec is FFmpeg's "libopus" encoder, whose private context starts with
    // `{ const AVClass *class; OpusMSEncoder *enc; ... }` (unchanged since the wrapper gained
    // multistream support); the class pointer is checked too.
    unsafe {
        let p = ctx.as_ptr();
        let codec = (*p).codec;
        if codec.is_null() || std::ffi::CStr::from_ptr((*codec).name).to_bytes() != b"libopus" {
            return None;
        }
        let priv_data = (*p).priv_data as *const *mut std::ffi::c_void;
        if priv_data.is_null() || (*priv_data).cast_const() != (*codec).priv_class.cast() {
            return None;
        }
        let enc = *priv_data.add(1);
        (!enc.is_null()).then_some(enc)
    }
}

/// Turns on libopus discontinuous transmission on an opened `libopus` encoder. FFmpeg 5.1's
/// wrapper has no `dtx` option, so this calls `opus_multistream_encoder_ctl(OPUS_SET_DTX)` on
/// the wrapper's encoder. Returns whether it took effect.
pub(crate) fn opus_enable_dtx(ctx: &ffmpeg::codec::Context) -> bool {
    let (Some(enc), Some(ctl)) = (
        opus_ms_encoder(ctx),
        opus_function(c"opus_multistream_encoder_ctl"),
    ) else {
        return false;
    };
    // SAFETY: `enc` is the live OpusMSEncoder of `ctx` (borrowed for the call); OPUS_SET_DTX
    // takes one opus_int32.
    unsafe { ctl(enc, OPUS_SET_DTX_REQUEST, 1i32) == 0 }
}

/// What one libopus stream encoder is held to: a mode (`MODE_*`, 1000–1002), a bandwidth
/// (`OPUS_BANDWIDTH_*`, 1101–1105) and a channel count, or [`OpusForce::AUTO`] (its own
/// choice). libopus holds its streams so while it codes the frames of one multi-frame packet,
/// since one packet has one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpusForce {
    /// `OPUS_SET_FORCE_MODE`.
    pub(crate) mode: i32,
    /// `OPUS_SET_BANDWIDTH`.
    pub(crate) bandwidth: i32,
    /// `OPUS_SET_FORCE_CHANNELS`.
    pub(crate) channels: i32,
}

impl OpusForce {
    /// Every choice back to the encoder.
    pub(crate) const AUTO: Self = Self {
        mode: OPUS_AUTO,
        bandwidth: OPUS_AUTO,
        channels: OPUS_AUTO,
    };
}

/// Holds stream `i` of an opened `libopus` encoder to `force[i]`. Returns whether every
/// control took effect.
pub(crate) fn opus_force(ctx: &ffmpeg::codec::Context, force: &[OpusForce]) -> bool {
    let (Some(ms), Some(ms_ctl), Some(ctl)) = (
        opus_ms_encoder(ctx),
        opus_function(c"opus_multistream_encoder_ctl"),
        opus_function(c"opus_encoder_ctl"),
    ) else {
        return false;
    };
    force.iter().enumerate().all(|(i, f)| {
        let mut st: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: `ms` is the live OpusMSEncoder of `ctx`. OPUS_MULTISTREAM_GET_ENCODER_STATE
        // takes (opus_int32 stream, OpusEncoder **) and fails for a stream it does not have;
        // on success `st` is that stream's live OpusEncoder, and the three controls each take
        // one opus_int32.
        unsafe {
            ms_ctl(
                ms,
                OPUS_MULTISTREAM_GET_ENCODER_STATE_REQUEST,
                i as i32,
                &mut st as *mut *mut std::ffi::c_void,
            ) == 0
                && !st.is_null()
                && ctl(st, OPUS_SET_FORCE_MODE_REQUEST, f.mode) == 0
                && ctl(st, OPUS_SET_BANDWIDTH_REQUEST, f.bandwidth) == 0
                && ctl(st, OPUS_SET_FORCE_CHANNELS_REQUEST, f.channels) == 0
        }
    })
}

/// Whether `[start, start + len)` lies inside one of the frame's reference-counted buffers.
fn in_frame_buffer(f: &ffmpeg::frame::Video, start: *const u8, len: usize) -> bool {
    // SAFETY: `f` wraps a live AVFrame for the duration of the borrow. `buf` holds
    // AV_NUM_DATA_POINTERS entries, each null or a live AVBufferRef whose `data`/`size` describe
    // its bytes. Only addresses are compared; nothing is dereferenced beyond the refs.
    unsafe {
        let p = f.as_ptr();
        let (start, end) = (start as usize, (start as usize).checked_add(len));
        let Some(end) = end else {
            return false;
        };
        (*p).buf.iter().any(|&b| {
            if b.is_null() || (*b).data.is_null() {
                return false;
            }
            let lo = (*b).data as usize;
            lo.checked_add((*b).size)
                .is_some_and(|hi| lo <= start && end <= hi)
        })
    }
}

/// Plane `i` of `f` from its first row to the end of `rows` rows of `row` bytes, and its
/// stride, when that span lies inside the frame's reference-counted buffers (so it stays valid
/// as long as `f` holds its references). `None` for a negative or short stride, a missing
/// plane or memory the frame does not own.
pub(crate) fn frame_plane(
    f: &ffmpeg::frame::Video,
    i: usize,
    row: usize,
    rows: usize,
) -> Option<(&[u8], usize)> {
    if i >= ffi::AV_NUM_DATA_POINTERS as usize {
        return None;
    }
    // SAFETY: `f` wraps a live AVFrame; `data` and `linesize` have AV_NUM_DATA_POINTERS
    // entries (checked above). The slice is only built after `in_frame_buffer` proved that its
    // whole span lies inside a buffer the frame references, which stays allocated while `f`
    // (borrowed for the slice's lifetime) holds that reference.
    unsafe {
        let p = f.as_ptr();
        let data = (*p).data[i];
        let stride = usize::try_from((*p).linesize[i]).ok()?;
        if data.is_null() || stride < row || rows == 0 {
            return None;
        }
        let len = (rows - 1).checked_mul(stride)?.checked_add(row)?;
        if !in_frame_buffer(f, data, len) {
            return None;
        }
        Some((std::slice::from_raw_parts(data, len), stride))
    }
}

/// One plane of an encoder input frame read in place from a shared
/// [`codec_core::FrameBuffer`].
pub(crate) struct SharedPlane {
    /// The buffer holding the plane.
    pub(crate) buf: std::sync::Arc<codec_core::FrameBuffer>,
    /// Which of `buf`'s planes.
    pub(crate) plane: usize,
    /// Where the first used byte is, inside that plane.
    pub(crate) offset: usize,
    /// Stride in bytes.
    pub(crate) stride: usize,
    /// Bytes from `offset` to the end of the last used row.
    pub(crate) len: usize,
}

unsafe extern "C" fn release_frame_buffer(opaque: *mut std::ffi::c_void, _data: *mut u8) {
    // SAFETY: `opaque` is the pointer `Arc::into_raw` returned in `shared_frame`, given to
    // exactly one AVBufferRef, whose free callback FFmpeg calls exactly once.
    unsafe {
        drop(std::sync::Arc::from_raw(
            opaque as *const codec_core::FrameBuffer,
        ))
    }
}

/// A `format` `width`×`height` frame whose plane `i` points into `planes[i]` (its buffer's
/// plane at its offset), each plane's `buf[i]` a read-only AVBufferRef holding that plane's
/// `Arc`, so the pixels live as long as FFmpeg or the encoder holds any reference to the frame.
/// Being read-only, a caller that wants to write must copy first (`av_frame_make_writable`).
pub(crate) fn shared_frame(
    planes: Vec<SharedPlane>,
    format: ffmpeg::format::Pixel,
    width: u32,
    height: u32,
) -> Option<ffmpeg::frame::Video> {
    if planes.is_empty() || planes.len() > ffi::AV_NUM_DATA_POINTERS as usize {
        return None;
    }
    let mut f = ffmpeg::frame::Video::empty();
    // SAFETY: `f` owns a fresh, empty AVFrame (checked non-null). Every plane pointer is built
    // from a plane slice of its FrameBuffer after checking `offset + len` against the slice, so
    // it stays inside memory owned by that FrameBuffer (which never moves its pixels), kept
    // alive by the Arc leaked into the plane's AVBufferRef until FFmpeg frees that ref (then
    // `release_frame_buffer` drops it). The buffers are read-only, so FFmpeg never writes
    // through these pointers: nothing aliases the FrameBuffer mutably, as it is immutable once
    // shared.
    unsafe {
        let p = f.as_mut_ptr();
        if p.is_null() {
            return None;
        }
        (*p).format = ffi::AVPixelFormat::from(format) as i32;
        (*p).width = i32::try_from(width).ok()?;
        (*p).height = i32::try_from(height).ok()?;
        for (i, sp) in planes.into_iter().enumerate() {
            if sp.plane >= sp.buf.format().plane_count() {
                return None;
            }
            let (s, _) = sp.buf.plane(sp.plane);
            if sp
                .offset
                .checked_add(sp.len)
                .is_none_or(|end| end > s.len())
            {
                return None;
            }
            let (data, len) = (s.as_ptr(), s.len());
            let stride = i32::try_from(sp.stride).ok()?;
            let opaque = std::sync::Arc::into_raw(sp.buf) as *mut std::ffi::c_void;
            let r = ffi::av_buffer_create(
                data.cast_mut(),
                len,
                Some(release_frame_buffer),
                opaque,
                ffi::AV_BUFFER_FLAG_READONLY,
            );
            if r.is_null() {
                release_frame_buffer(opaque, std::ptr::null_mut());
                return None;
            }
            (*p).buf[i] = r;
            (*p).data[i] = data.add(sp.offset).cast_mut();
            (*p).linesize[i] = stride;
        }
    }
    Some(f)
}

/// A new reference to `f`'s buffers (no pixel copy), or `None` if FFmpeg fails to make one.
pub(crate) fn frame_ref(f: &ffmpeg::frame::Video) -> Option<ffmpeg::frame::Video> {
    let mut r = ffmpeg::frame::Video::empty();
    // SAFETY: both wrap live AVFrames; `r` is freshly allocated and empty, as `av_frame_ref`
    // requires. On failure `r` is left unreferenced and freed on drop.
    let ret = unsafe {
        if r.as_ptr().is_null() {
            return None;
        }
        ffi::av_frame_ref(r.as_mut_ptr(), f.as_ptr())
    };
    (ret >= 0).then_some(r)
}

/// Row `y` (`row` bytes) of plane `i` of `f`, for any stride sign, when it lies inside the
/// frame's reference-counted buffers (or, for a frame without any, inside its own `height`
/// rows of `linesize` bytes); `None` otherwise.
pub(crate) fn frame_row(f: &ffmpeg::frame::Video, i: usize, y: usize, row: usize) -> Option<&[u8]> {
    if i >= ffi::AV_NUM_DATA_POINTERS as usize {
        return None;
    }
    // SAFETY: `f` wraps a live AVFrame; `data`/`linesize` have AV_NUM_DATA_POINTERS entries.
    // The row address is computed with wrapping arithmetic (no pointer is formed out of
    // bounds) and the slice is only built after `in_frame_buffer` proved the row lies inside a
    // buffer the frame references, alive while `f` is borrowed.
    unsafe {
        let p = f.as_ptr();
        let data = (*p).data[i];
        if data.is_null() {
            return None;
        }
        let offset = isize::try_from(y)
            .ok()?
            .checked_mul(isize::try_from((*p).linesize[i]).ok()?)?;
        let start = (data as usize).wrapping_add_signed(offset) as *const u8;
        let unowned = (*p).buf.iter().all(|b| b.is_null());
        // A frame without buffer references (not reference-counted) cannot be bounds-checked;
        // trust its own description of the plane, as FFmpeg does: rows of `linesize` bytes.
        let trusted = unowned
            && (*p).linesize[i] >= 0
            && row <= (*p).linesize[i] as usize
            && i32::try_from(y).is_ok_and(|y| y < (*p).height);
        if !trusted && !in_frame_buffer(f, start, row) {
            return None;
        }
        Some(std::slice::from_raw_parts(start, row))
    }
}

/// Turns `f` into a bottom-up view of the same buffers (negative strides), as FFmpeg does for
/// flipped images; `rows[i]` is plane `i`'s row count.
#[cfg(test)]
pub(crate) fn flip_vertically(f: &mut ffmpeg::frame::Video, rows: &[usize]) {
    // SAFETY: `f` wraps a live AVFrame whose planes `i < rows.len()` hold `rows[i]` rows of
    // `linesize[i]` bytes; the new start is the last row of the same plane.
    unsafe {
        let p = f.as_mut_ptr();
        for (i, &n) in rows.iter().enumerate() {
            (*p).data[i] = (*p).data[i].add((n - 1) * (*p).linesize[i] as usize);
            (*p).linesize[i] = -(*p).linesize[i];
        }
    }
}

/// A decoded frame's colour description as raw code points (H.273 numbering for primaries,
/// transfer and matrix; FFmpeg's for range: 1 limited, 2 full).
///
/// They are read and written as integers because a decoder may store values that are not
/// members of the Rust enums (libdav1d copies any 8-bit code from the AV1 sequence header),
/// and making an `ffmpeg-next` enum out of such a value is undefined behaviour: a corrupt AVIF
/// crashed in `frame::Video::color_space()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ColorCodes {
    pub primaries: u32,
    pub transfer: u32,
    pub matrix: u32,
    pub range: u32,
}

// The fields read below are C enums bindgen lays out as `u32`.
const _: () = {
    assert!(std::mem::size_of::<ffi::AVColorPrimaries>() == 4);
    assert!(std::mem::size_of::<ffi::AVColorTransferCharacteristic>() == 4);
    assert!(std::mem::size_of::<ffi::AVColorSpace>() == 4);
    assert!(std::mem::size_of::<ffi::AVColorRange>() == 4);
};

/// The colour code points of `f`.
pub(crate) fn color_codes(f: &ffmpeg::frame::Video) -> ColorCodes {
    // SAFETY: `f` wraps a live AVFrame for the duration of the borrow. The four fields are
    // 4-byte C enums (checked above); reading them through `*const u32` never creates a Rust
    // enum value, so any integer a decoder stored is fine.
    unsafe {
        let p = f.as_ptr();
        ColorCodes {
            primaries: std::ptr::addr_of!((*p).color_primaries)
                .cast::<u32>()
                .read(),
            transfer: std::ptr::addr_of!((*p).color_trc).cast::<u32>().read(),
            matrix: std::ptr::addr_of!((*p).colorspace).cast::<u32>().read(),
            range: std::ptr::addr_of!((*p).color_range).cast::<u32>().read(),
        }
    }
}

/// Copies colour code points (from [`color_codes`]) onto `f`.
pub(crate) fn set_color_codes(f: &mut ffmpeg::frame::Video, c: ColorCodes) {
    // SAFETY: `f` wraps a live AVFrame we borrow mutably; the fields are 4-byte C enums
    // (checked above) written as integers, and FFmpeg itself accepts any value there.
    unsafe {
        use std::ptr::addr_of_mut;
        let p = f.as_mut_ptr();
        for (field, code) in [
            (
                addr_of_mut!((*p).color_primaries).cast::<u32>(),
                c.primaries,
            ),
            (addr_of_mut!((*p).color_trc).cast::<u32>(), c.transfer),
            (addr_of_mut!((*p).colorspace).cast::<u32>(), c.matrix),
            (addr_of_mut!((*p).color_range).cast::<u32>(), c.range),
        ] {
            field.write(code);
        }
    }
}

/// The calling thread's nice value (Linux), `None` if it cannot be read.
#[cfg(target_os = "linux")]
pub(crate) fn thread_nice() -> Option<i32> {
    // SAFETY: getpriority reads the calling thread's nice value (who = 0: the caller); no memory
    // is passed. It can return -1 legitimately, so errno is cleared first and checked after.
    unsafe {
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, 0);
        (now != -1 || *libc::__errno_location() == 0).then_some(now)
    }
}

/// The calling thread's scheduling policy (Linux: `SCHED_OTHER`, `SCHED_IDLE`...).
#[cfg(target_os = "linux")]
pub(crate) fn thread_policy() -> i32 {
    // SAFETY: sched_getscheduler reads the calling thread's (0) policy; no memory is passed.
    unsafe { libc::sched_getscheduler(0) }
}

/// The calling thread's scheduling policy if it is an ordinary one (`SCHED_OTHER` or
/// `SCHED_BATCH`), the only ones whose slice or class we change (Linux).
#[cfg(target_os = "linux")]
fn ordinary_policy() -> Option<i32> {
    let policy = thread_policy();
    (policy == libc::SCHED_OTHER || policy == libc::SCHED_BATCH).then_some(policy)
}

/// Lowers the calling thread's scheduling priority by `nice` steps (Linux: the nice value is
/// per thread, and threads it starts inherit it). Raising a nice value needs no privilege; a
/// failure leaves the priority as it was. Other platforms: nothing.
pub(crate) fn lower_thread_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if let Some(now) = thread_nice() {
        // SAFETY: setpriority writes the calling thread's nice value (who = 0: the caller); no
        // memory is passed.
        unsafe {
            let _ = libc::setpriority(libc::PRIO_PROCESS, 0, (now + nice).min(19));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Moves the calling thread to the `SCHED_IDLE` scheduling class (Linux; threads it starts
/// inherit it). The scheduler then runs it only where no ordinary thread wants the CPU, and an
/// ordinary thread that wakes (the JS thread) preempts it whatever its lag or the running
/// thread's slice: at once, or where the kernel defers that preemption (seen with `perf sched`
/// on the development VM), at the next scheduler tick. Entering the class needs no privilege;
/// a thread that is not `SCHED_OTHER`/`SCHED_BATCH` (real-time, already idle) is left as it
/// is, and a failure changes nothing. Other platforms: nothing.
pub(crate) fn enter_idle_class() {
    #[cfg(target_os = "linux")]
    if ordinary_policy().is_some() {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: sched_setscheduler writes the calling thread's (0) policy; `param` is a live,
        // initialised sched_param (priority 0, the only one SCHED_IDLE takes).
        unsafe {
            let _ = libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
        }
    }
}

/// Drops `CAP_SYS_NICE` from the calling thread (Linux: capabilities are per thread, and
/// threads it starts inherit them). Running as root, SVT-AV1 starts its threads (a hundred and
/// more at 1080p) with real-time `SCHED_FIFO` priority, which starves every ordinary thread of
/// the machine, the JS thread first; without the capability its `pthread_create` gets `EPERM`
/// and SVT-AV1 starts them as ordinary threads instead. Nothing is done when the thread does
/// not have the capability (not root); a failure leaves the capabilities as they were.
pub(crate) fn drop_realtime_privilege() {
    #[cfg(target_os = "linux")]
    {
        const CAP_SYS_NICE: u32 = 23;
        const VERSION_3: u32 = 0x2008_0522;
        #[repr(C)]
        struct Header {
            version: u32,
            pid: i32,
        }
        #[repr(C)]
        #[derive(Clone, Copy, Default)]
        struct Data {
            effective: u32,
            permitted: u32,
            inheritable: u32,
        }
        let mut header = Header {
            version: VERSION_3,
            pid: 0,
        };
        let mut data = [Data::default(); 2];
        let bit = 1u32 << CAP_SYS_NICE;
        // SAFETY: capget/capset with a version-3 header (pid 0: the calling thread) read and
        // write exactly two `Data` records, which `data` holds; `repr(C)` matches the kernel's
        // `__user_cap_header_struct` and `__user_cap_data_struct`.
        unsafe {
            if libc::syscall(
                libc::SYS_capget,
                &mut header as *mut Header,
                data.as_mut_ptr(),
            ) != 0
            {
                return;
            }
            if (data[0].effective | data[0].permitted) & bit == 0 {
                return;
            }
            data[0].effective &= !bit;
            data[0].permitted &= !bit;
            let _ = libc::syscall(libc::SYS_capset, &mut header as *mut Header, data.as_ptr());
        }
    }
}

/// The calling thread's scheduler time slice in ns (Linux: `se.slice` in
/// `/proc/thread-self/sched`), if the kernel reports one.
pub(crate) fn current_time_slice_ns() -> Option<u64> {
    let sched = std::fs::read_to_string("/proc/thread-self/sched").ok()?;
    sched
        .lines()
        .find_map(|l| l.strip_prefix("se.slice"))
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
}

/// Gives the calling thread a scheduler time slice of `micros` µs (Linux: `sched_setattr` with
/// `sched_runtime` on an ordinary thread, which kernels from 6.12 take as the thread's EEVDF
/// slice; threads it starts inherit it; earlier kernels ignore it). A thread with a shorter
/// slice, such as the JS thread at the default (1–3 ms), preempts one with a longer slice as
/// soon as it wakes, where it would otherwise wait for the running thread's slice to end or
/// for the next scheduler tick (4 ms at 250 Hz). The nice value and policy are kept; a failure
/// changes nothing. Other platforms: nothing.
pub(crate) fn lengthen_time_slice(micros: u64) {
    #[cfg(target_os = "linux")]
    {
        /// `struct sched_attr` up to `sched_period` (SCHED_ATTR_SIZE_VER0, 48 bytes).
        #[repr(C)]
        struct SchedAttr {
            size: u32,
            sched_policy: u32,
            sched_flags: u64,
            sched_nice: i32,
            sched_priority: u32,
            sched_runtime: u64,
            sched_deadline: u64,
            sched_period: u64,
        }
        let (Some(policy), Some(nice)) = (ordinary_policy(), thread_nice()) else {
            return;
        };
        let attr = SchedAttr {
            size: std::mem::size_of::<SchedAttr>() as u32,
            sched_policy: policy as u32,
            sched_flags: 0,
            sched_nice: nice,
            sched_priority: 0,
            sched_runtime: micros * 1000,
            sched_deadline: 0,
            sched_period: 0,
        };
        // SAFETY: sched_setattr reads `attr`, a live, fully initialised struct whose `size`
        // field is its own size, and changes only the calling thread.
        unsafe {
            let _ = libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = micros;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The calling thread's nice value.
    fn nice() -> i32 {
        // SAFETY: as in `lower_thread_priority`.
        unsafe {
            *libc::__errno_location() = 0;
            libc::getpriority(libc::PRIO_PROCESS, 0)
        }
    }

    /// Whether the calling thread may switch itself to `SCHED_FIFO` (and back).
    fn may_run_realtime() -> bool {
        let param = libc::sched_param { sched_priority: 1 };
        // SAFETY: sched_setscheduler on the calling thread (0) with a valid parameter; on
        // success the thread is put back to SCHED_OTHER at once.
        unsafe {
            if libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) != 0 {
                return false;
            }
            let other = libc::sched_param { sched_priority: 0 };
            libc::sched_setscheduler(0, libc::SCHED_OTHER, &other);
        }
        true
    }

    #[test]
    fn a_thread_without_cap_sys_nice_and_its_children_cannot_run_realtime() {
        let (own, child) = std::thread::spawn(|| {
            super::drop_realtime_privilege();
            (
                may_run_realtime(),
                std::thread::spawn(may_run_realtime).join().expect("child"),
            )
        })
        .join()
        .expect("worker");
        assert!(!own, "the thread itself");
        assert!(!child, "a thread it starts");
    }

    #[test]
    fn lowering_the_priority_touches_only_the_calling_thread_and_its_children() {
        let before = nice();
        let (own, child, sibling) = std::thread::spawn(move || {
            super::lower_thread_priority(3);
            let own = nice();
            let child = std::thread::spawn(nice).join().expect("child");
            (own, child, before)
        })
        .join()
        .expect("worker");
        let want = (before + 3).min(19);
        assert_eq!(own, want, "the worker itself");
        assert_eq!(child, want, "a thread the worker starts inherits it");
        assert_eq!(nice(), sibling, "the test thread keeps its priority");
    }
}
