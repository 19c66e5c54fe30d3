//! FFmpeg decoders for image packets, and the decode of an animated track (GIF, APNG, AVIF
//! sequence) whose frames depend on the ones before: one decoder fed packet by packet,
//! restarted only when an earlier frame is asked for.

use ffmpeg::{codec, frame, Packet};
use ffmpeg_next as ffmpeg;

use super::session::{DecodeOutcome, Layout};
use super::{ImageSession, ImageType};
use crate::{is_eagain, raw, Error, Result};

/// The FFmpeg decoder for a type (`animated`: the APNG one for PNG).
pub(super) fn decoder_name(t: ImageType, animated: bool) -> &'static str {
    match t {
        ImageType::Jpeg => "mjpeg",
        ImageType::Png if animated => "apng",
        ImageType::Png => "png",
        ImageType::Gif => "gif",
        ImageType::Webp => "webp",
        ImageType::Bmp => "bmp",
        ImageType::Ico => "png",
        ImageType::Avif => "libdav1d",
    }
}

/// The AV1 decoder: dav1d when FFmpeg has it, else libaom, else FFmpeg's own.
pub(super) fn av1_decoder() -> Option<ffmpeg::Codec> {
    ["libdav1d", "libaom-av1", "av1"]
        .iter()
        .find_map(|n| ffmpeg::decoder::find_by_name(n))
}

/// The decoder called `name`.
///
/// # Errors
/// [`Error::Unsupported`] when this FFmpeg build lacks it.
pub(super) fn find(name: &str) -> Result<ffmpeg::Codec> {
    ffmpeg::decoder::find_by_name(name)
        .ok_or_else(|| Error::unsupported(format!("no FFmpeg {name} decoder")))
}

/// The AV1 decoder, or [`Error::Unsupported`].
pub(super) fn find_av1() -> Result<ffmpeg::Codec> {
    av1_decoder().ok_or_else(|| Error::unsupported("no AV1 decoder"))
}

/// Opens `codec` with `extradata`, single-threaded (images are small and frame threading would
/// delay outputs).
pub(super) fn open(
    codec: ffmpeg::Codec,
    extradata: Option<&[u8]>,
) -> Result<ffmpeg::decoder::Video> {
    let mut ctx = codec::Context::new_with_codec(codec);
    if let Some(e) = extradata.filter(|e| !e.is_empty()) {
        raw::set_extradata(&mut ctx, e).map_err(|e| Error::ffmpeg("cannot set extradata", e))?;
    }
    ctx.set_threading(codec::threading::Config {
        kind: codec::threading::Type::Slice,
        count: 1,
        ..Default::default()
    });
    ctx.decoder()
        .open()
        .and_then(|o| o.video())
        .map_err(|e| Error::ffmpeg("cannot open image decoder", e))
}

/// Takes every picture the decoder has ready.
fn receive_all(dec: &mut ffmpeg::decoder::Video, out: &mut Vec<frame::Video>) -> Result<()> {
    loop {
        let mut f = frame::Video::empty();
        match dec.receive_frame(&mut f) {
            Ok(()) => out.push(f),
            Err(e) if is_eagain(&e) => return Ok(()),
            Err(ffmpeg::Error::Eof) => return Ok(()),
            Err(e) => return Err(Error::ffmpeg("image decoding failed", e)),
        }
    }
}

/// Sends one packet (and EOF when `eof` and nothing came out), returns every picture that came
/// out.
pub(super) fn decode_packet(
    dec: &mut ffmpeg::decoder::Video,
    data: &[u8],
    key: bool,
    eof: bool,
) -> Result<Vec<frame::Video>> {
    if data.is_empty() {
        return Err(Error::malformed("empty image data"));
    }
    let mut pkt = Packet::copy(data);
    if key {
        pkt.set_flags(codec::packet::Flags::KEY);
    }
    let mut out = Vec::new();
    loop {
        match dec.send_packet(&pkt) {
            Ok(()) => break,
            Err(e) if is_eagain(&e) => {
                let before = out.len();
                receive_all(dec, &mut out)?;
                if out.len() == before {
                    return Err(Error::ffmpeg("decoder refuses input", e));
                }
            }
            Err(e) => return Err(Error::ffmpeg("image decoding failed", e)),
        }
    }
    receive_all(dec, &mut out)?;
    if eof && out.is_empty() {
        out = drain_eof(dec)?;
    }
    Ok(out)
}

/// Sends EOF and returns the pictures still inside the decoder.
pub(super) fn drain_eof(dec: &mut ffmpeg::decoder::Video) -> Result<Vec<frame::Video>> {
    match dec.send_eof() {
        Ok(()) | Err(ffmpeg::Error::Eof) => {}
        Err(e) => return Err(Error::ffmpeg("image decoding failed", e)),
    }
    let mut out = Vec::new();
    receive_all(dec, &mut out)?;
    Ok(out)
}

/// Decodes one still packet to its last picture.
pub(super) fn decode_one(
    codec: ffmpeg::Codec,
    extradata: Option<&[u8]>,
    packet: &[u8],
    what: &'static str,
) -> Result<frame::Video> {
    let mut dec = open(codec, extradata)?;
    decode_packet(&mut dec, packet, true, true)?
        .pop()
        .ok_or_else(|| Error::malformed(format!("{what} decoded to nothing")))
}

/// The decoder of an animated track, fed packet by packet.
pub(super) struct Sequence {
    dec: ffmpeg::decoder::Video,
    /// The track it decodes.
    track: usize,
    /// Index of the next packet to feed.
    next: usize,
    /// Pictures received so far.
    received: usize,
    /// EOF was sent.
    drained: bool,
}

/// What decoding one animated track's frames needs.
struct TrackPlan {
    /// Each frame's packet range in the data.
    ranges: Vec<(usize, usize)>,
    extradata: Option<Vec<u8>>,
    codec: ffmpeg::Codec,
    durations_us: Vec<u64>,
    /// Whether every frame of the track is present.
    all_here: bool,
}

impl ImageSession {
    /// Packets, decoder and timing of an animated track.
    fn plan(&self, layout: &Layout, track: usize) -> Result<TrackPlan> {
        Ok(match layout {
            Layout::Gif(s) => TrackPlan {
                ranges: s.frames.iter().map(|f| (f.start, f.end)).collect(),
                extradata: None,
                codec: find("gif")?,
                durations_us: s
                    .frames
                    .iter()
                    .map(|f| u64::from(f.delay_cs) * 10_000)
                    .collect(),
                all_here: true,
            },
            Layout::Apng(s) => TrackPlan {
                ranges: s.frames.iter().map(|f| (f.start, f.end)).collect(),
                extradata: Some(self.data.get(8..s.header_end).unwrap_or_default().to_vec()),
                codec: find("apng")?,
                durations_us: s.frames.iter().map(|f| f.duration_us()).collect(),
                all_here: true,
            },
            Layout::Avif(_, Some(seq)) if track == 1 => TrackPlan {
                ranges: seq
                    .samples
                    .iter()
                    .map(|&(o, l)| (o, o.saturating_add(l)))
                    .collect(),
                extradata: Some(seq.av1c.clone()),
                codec: find_av1()?,
                durations_us: seq.durations_us.clone(),
                all_here: self.complete
                    || seq
                        .samples
                        .iter()
                        .all(|&(o, l)| o.saturating_add(l) <= self.data.len()),
            },
            _ => return Err(Error::internal("not an animated track")),
        })
    }

    /// Frame `index` of an animated track, with its timestamp and duration.
    pub(super) fn decode_animated(
        &mut self,
        layout: &Layout,
        track: usize,
        index: usize,
    ) -> Result<DecodeOutcome> {
        let plan = self.plan(layout, track)?;
        if !plan.all_here {
            // AV1 sequences are decoded once all their samples are here.
            return Ok(DecodeOutcome::NotYet);
        }
        if self
            .seq
            .as_ref()
            .is_none_or(|s| s.track != track || s.received > index)
        {
            self.seq = Some(Sequence {
                dec: open(plan.codec, plan.extradata.as_deref())?,
                track,
                next: 0,
                received: 0,
                drained: false,
            });
        }
        let mut last = None;
        while let Some(seq) = self.seq.as_mut() {
            if seq.received > index {
                break;
            }
            let frames = if let Some(&(a, b)) = plan.ranges.get(seq.next) {
                let pkt = self
                    .data
                    .get(a..b)
                    .ok_or_else(|| Error::malformed("frame outside the data"))?;
                let key = seq.next == 0;
                seq.next += 1;
                decode_packet(&mut seq.dec, pkt, key, false)?
            } else if !seq.drained {
                seq.drained = true;
                drain_eof(&mut seq.dec)?
            } else {
                return Err(Error::malformed(
                    "the animation decoded to fewer frames than it has",
                ));
            };
            for f in frames {
                if seq.received == index {
                    last = Some(f);
                }
                seq.received += 1;
            }
        }
        let f = last.ok_or_else(|| Error::malformed("the frame decoded to nothing"))?;
        let mut out = self.convert(&f)?;
        out.timestamp = plan.durations_us.iter().take(index).sum::<u64>() as i64;
        out.duration = plan.durations_us.get(index).copied();
        Ok(DecodeOutcome::Frame(out))
    }
}
