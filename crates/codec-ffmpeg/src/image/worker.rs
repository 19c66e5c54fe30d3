//! [`ImageWorker`]: one thread per `ImageDecoder` that owns the [`ImageSession`] (and so every
//! FFmpeg context). Requests arrive through a channel; each `Append`/`End` gets exactly one
//! `Data` reply and each `Decode` exactly one `Decoded`/`DecodeFailed` reply unless a `Reset`
//! dropped it first. A decode whose frame has not arrived is announced with `Waiting`, and
//! again after every `Data` reply while it still waits (each `Append`/`End` re-examines it). Dropping the worker (or its sender) ends the thread; nothing joins it.

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};

use codec_core::{CodecError, ErrorName};

use super::{ImageDecoderOptions, ImageFrameOutput, ImageSession, ImageTrackInfo, ImageType};

/// A request from the JS thread.
#[derive(Debug)]
pub enum ImageRequest {
    /// More encoded bytes.
    Append(Vec<u8>),
    /// The data is complete.
    End,
    /// Decode frame `frame_index` of `track`; reply tagged `id`.
    Decode {
        /// Request id.
        id: u64,
        /// The selected track (`None` before the tracks are known: the default track).
        track: Option<u32>,
        /// Frame to decode.
        frame_index: u32,
        /// `completeFramesOnly`: `false` accepts partial images of progressive frames.
        complete_frames_only: bool,
    },
    /// Forget every decode that is still waiting for data. `track_changed` also forgets the
    /// progressive frame generations already delivered (the selected track changed).
    Reset {
        /// Whether the selected track changed.
        track_changed: bool,
    },
}

/// A reply to the JS thread.
#[derive(Debug)]
pub enum ImageEvent {
    /// Reply to `Append`/`End`: the tracks as known now (`None` until the header is parsed), or
    /// the error that must close the decoder.
    Data(Result<Option<Vec<ImageTrackInfo>>, CodecError>),
    /// A decoded frame (partial when `output.generation` is set).
    Decoded {
        /// Request id.
        id: u64,
        /// The frame.
        output: ImageFrameOutput,
    },
    /// A decode failed. `RangeError` rejects only that decode; any other error closes the
    /// decoder.
    DecodeFailed {
        /// Request id.
        id: u64,
        /// Why.
        error: CodecError,
    },
    /// A decode waits for data that has not arrived: nothing is worked on for it until the
    /// next `Append`/`End`. Sent once, then again after each `Data` reply while it still waits.
    Waiting {
        /// Request id.
        id: u64,
    },
}

/// The owner of an image decoding thread.
pub struct ImageWorker {
    tx: flume::Sender<ImageRequest>,
}

impl ImageWorker {
    /// Starts the thread. `sink` receives every reply, in order, on the worker thread.
    ///
    /// # Errors
    /// The OS refused to start a thread.
    pub fn spawn(
        ty: ImageType,
        opts: ImageDecoderOptions,
        sink: impl Fn(ImageEvent) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = flume::unbounded();
        std::thread::Builder::new()
            .name("webcodecs-image".into())
            .spawn(move || run(ty, opts, &rx, &sink))?;
        Ok(Self { tx })
    }

    /// Queues a request; `false` if the worker has stopped.
    pub fn send(&self, r: ImageRequest) -> bool {
        self.tx.send(r).is_ok()
    }
}

fn guarded<T>(f: impl FnOnce() -> Result<T, CodecError>) -> Result<T, CodecError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(CodecError::encoding("internal error in image decoder")))
}

/// New data: every parked decode is re-examined (and announced again if it still waits).
fn reexamine(waiting: &mut VecDeque<Waiting>) {
    for w in waiting.iter_mut() {
        w.announced = false;
    }
}

/// A decode request whose frame has not been served yet.
struct Waiting {
    id: u64,
    track: Option<u32>,
    index: u32,
    /// `completeFramesOnly`: no progressive (partial) output.
    complete_only: bool,
    /// Whether `ImageEvent::Waiting` was sent since the last data arrived.
    announced: bool,
}

fn run(
    ty: ImageType,
    opts: ImageDecoderOptions,
    rx: &flume::Receiver<ImageRequest>,
    sink: &dyn Fn(ImageEvent),
) {
    let mut session = ImageSession::new(ty, opts);
    let mut waiting: VecDeque<Waiting> = VecDeque::new();
    // `[[progressive frame generations]]`: frame index → generation last delivered.
    let mut generations: HashMap<u32, u32> = HashMap::new();
    let mut failed: Option<CodecError> = None;
    while let Ok(req) = rx.recv() {
        match req {
            ImageRequest::Append(_) | ImageRequest::End if failed.is_some() => {
                sink(ImageEvent::Data(Err(failed.clone().unwrap_or_else(|| {
                    CodecError::encoding("image decoder failed")
                }))));
                continue;
            }
            ImageRequest::Append(bytes) => {
                reexamine(&mut waiting);
                session.append(&bytes);
                let r = guarded(|| session.tracks());
                if let Err(e) = &r {
                    failed = Some(e.clone());
                }
                sink(ImageEvent::Data(r));
            }
            ImageRequest::End => {
                reexamine(&mut waiting);
                session.set_complete();
                let r = guarded(|| session.tracks());
                if let Err(e) = &r {
                    failed = Some(e.clone());
                }
                sink(ImageEvent::Data(r));
            }
            ImageRequest::Decode {
                id,
                track,
                frame_index,
                complete_frames_only,
            } => waiting.push_back(Waiting {
                id,
                track,
                index: frame_index,
                complete_only: complete_frames_only,
                announced: false,
            }),
            ImageRequest::Reset { track_changed } => {
                waiting.clear();
                if track_changed {
                    generations.clear();
                }
            }
        }
        // Serve the decodes in request order (the spec's control message queue, as in
        // Chromium): the first one whose frame has not arrived blocks every later one, which
        // all wait with it (each announced as waiting, so none keeps Node alive). A failed
        // decoder fails them all.
        let mut still = VecDeque::new();
        while let Some(mut w) = waiting.pop_front() {
            let Waiting {
                id, track, index, ..
            } = w;
            if let Some(e) = &failed {
                sink(ImageEvent::DecodeFailed {
                    id,
                    error: e.clone(),
                });
                continue;
            }
            let result = if still.is_empty() {
                let after =
                    (!w.complete_only).then(|| generations.get(&index).copied().unwrap_or(0));
                guarded(|| session.decode(track, index, after))
            } else {
                Ok(None) // blocked behind an earlier request
            };
            match result {
                Ok(Some(output)) => {
                    match output.generation {
                        Some(g) => generations.insert(index, g),
                        None => generations.remove(&index),
                    };
                    sink(ImageEvent::Decoded { id, output });
                }
                Ok(None) => {
                    if !w.announced {
                        sink(ImageEvent::Waiting { id });
                    }
                    w.announced = true;
                    still.push_back(w);
                }
                Err(error) => {
                    if error.name != ErrorName::RangeError {
                        failed = Some(error.clone());
                    }
                    sink(ImageEvent::DecodeFailed { id, error });
                }
            }
        }
        waiting = still;
    }
    // `session` (and its FFmpeg contexts) is dropped here, on this thread.
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn replies_in_order_and_waits_for_data() {
        let (tx, rx) = flume::unbounded();
        let w = ImageWorker::spawn(ImageType::Png, Default::default(), move |e| {
            let _ = tx.send(e);
        })
        .unwrap();
        w.send(ImageRequest::Decode {
            id: 1,
            track: None,
            frame_index: 0,
            complete_frames_only: true,
        });
        // Nothing is here: the decode is announced as waiting, once.
        match rx.recv().unwrap() {
            ImageEvent::Waiting { id: 1 } => {}
            e => panic!("{e:?}"),
        }
        w.send(ImageRequest::Append(b"\x89PNG".to_vec()));
        match rx.recv().unwrap() {
            ImageEvent::Data(Ok(None)) => {}
            e => panic!("{e:?}"),
        }
        // Still waiting after the data: announced again.
        match rx.recv().unwrap() {
            ImageEvent::Waiting { id: 1 } => {}
            e => panic!("{e:?}"),
        }
        w.send(ImageRequest::Reset {
            track_changed: false,
        });
        w.send(ImageRequest::Append(b"garbage".to_vec()));
        match rx.recv().unwrap() {
            ImageEvent::Data(Err(e)) => assert_eq!(e.name, ErrorName::EncodingError),
            e => panic!("{e:?}"),
        }
        drop(w);
        // The worker exits once its sender is gone.
        assert!(rx.recv_timeout(std::time::Duration::from_secs(2)).is_err());
    }
}
