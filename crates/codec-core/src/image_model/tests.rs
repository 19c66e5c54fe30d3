//! Scenario tests and a property test of [`ImageDecoderModel`] against a reference model, with
//! a fake worker that behaves like the image backend (data arrives frame by frame; decodes are
//! served in request order; stale messages are skipped like `CodecWorker` skips them).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, VecDeque};

use proptest::prelude::*;

use super::*;
use crate::error::ErrorName;

type M = ImageDecoderModel<&'static str, u32>;
type Out = ImageOutput<u32>;

fn track(animated: bool, frame_count: u32) -> ImageTrackInfo {
    ImageTrackInfo {
        animated,
        frame_count,
        repetition_count: 0.0,
    }
}

fn events(m: &mut M) -> Vec<ImageEvent<u32>> {
    std::iter::from_fn(|| m.poll_event()).collect()
}

fn actions(m: &mut M) -> Vec<Msg<&'static str, ImageRequest>> {
    std::iter::from_fn(|| m.poll_action())
        .map(|a| a.body)
        .collect()
}

fn report(m: &mut M, body: Report<Out>) {
    let epoch = m.epoch();
    m.handle_report(Tagged { epoch, body });
}

fn tracks(m: &mut M, t: Option<Vec<ImageTrackInfo>>, data_complete: bool) {
    report(
        m,
        Report::Output(ImageOutput::Tracks {
            tracks: t,
            data_complete,
        }),
    );
}

#[test]
fn buffer_data_establishes_and_decodes() {
    let mut m = M::new("png", None);
    m.append(vec![1, 2, 3]);
    m.end_of_data();
    assert_eq!(events(&mut m), [ImageEvent::Completed]);
    let id = m.decode(0, true).unwrap();
    assert_eq!(
        actions(&mut m),
        [
            Msg::Configure("png"),
            Msg::Process(ImageRequest::Data(vec![1, 2, 3])),
            Msg::Process(ImageRequest::EndOfData),
            Msg::Process(ImageRequest::Decode {
                id,
                track: None,
                frame_index: 0,
                complete_frames_only: true
            }),
        ]
    );
    assert!(m.is_busy());
    tracks(&mut m, Some(vec![track(false, 1)]), false);
    report(
        &mut m,
        Report::Output(ImageOutput::Decoded {
            id,
            frame: 7,
            complete: true,
        }),
    );
    assert_eq!(
        events(&mut m),
        [
            ImageEvent::TracksEstablished {
                tracks: vec![track(false, 1)],
                selected: 0
            },
            ImageEvent::Resolved {
                id,
                frame: 7,
                complete: true
            },
        ]
    );
    for _ in 0..3 {
        report(&mut m, Report::Done);
    }
    assert!(!m.is_busy());
}

#[test]
fn prefer_animation_picks_the_track() {
    let t = [track(false, 1), track(true, 7)];
    assert_eq!(default_selected_track(&t, None), 0);
    assert_eq!(default_selected_track(&t, Some(false)), 0);
    assert_eq!(default_selected_track(&t, Some(true)), 1);
    assert_eq!(default_selected_track(&t[..1], Some(true)), 0);
    let mut m = M::new("avif", Some(true));
    tracks(&mut m, Some(t.to_vec()), false);
    assert_eq!(
        events(&mut m),
        [ImageEvent::TracksEstablished {
            tracks: t.to_vec(),
            selected: 1
        }]
    );
}

#[test]
fn header_missing_at_the_end_is_invalid_state_and_no_tracks_is_encoding_error() {
    let mut m = M::new("png", None);
    tracks(&mut m, None, false);
    assert!(events(&mut m).is_empty());
    tracks(&mut m, None, true);
    let ev = events(&mut m);
    assert!(
        matches!(&ev[..], [ImageEvent::Closed { error, tracks_established: false, .. }]
        if error.name == ErrorName::InvalidStateError)
    );
    let mut m = M::new("png", None);
    tracks(&mut m, Some(vec![]), false);
    let ev = events(&mut m);
    assert!(matches!(&ev[..], [ImageEvent::Closed { error, .. }]
        if error.name == ErrorName::EncodingError));
}

#[test]
fn infeasible_is_range_error_when_complete() {
    let mut m = M::new("png", None);
    m.end_of_data();
    let a = m.decode(0, true).unwrap();
    let b = m.decode(1, true).unwrap();
    report(&mut m, Report::Output(ImageOutput::Infeasible { id: a }));
    report(&mut m, Report::Output(ImageOutput::Infeasible { id: b }));
    let names: Vec<_> = events(&mut m)
        .into_iter()
        .filter_map(|e| match e {
            ImageEvent::Rejected { id, error } => Some((id, error.name)),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [(a, ErrorName::RangeError), (b, ErrorName::RangeError)]
    );
    assert!(
        !m.is_closed(),
        "an infeasible decode does not close the decoder"
    );
}

#[test]
fn failure_closes_and_rejects_everything_with_its_error() {
    let mut m = M::new("gif", None);
    tracks(&mut m, Some(vec![track(true, 2)]), false);
    let a = m.decode(0, true).unwrap();
    let b = m.decode(5, true).unwrap();
    events(&mut m);
    report(&mut m, Report::Failed(CodecError::encoding("bad LZW")));
    let ev = events(&mut m);
    assert_eq!(ev.len(), 3);
    for (e, want) in ev.iter().zip([a, b]) {
        assert!(
            matches!(e, ImageEvent::Rejected { id, error } if *id == want && error.name == ErrorName::EncodingError)
        );
    }
    assert!(matches!(
        &ev[2],
        ImageEvent::Closed {
            tracks_established: true,
            complete: false,
            ..
        }
    ));
    assert_eq!(
        m.decode(0, true).unwrap_err().name,
        ErrorName::InvalidStateError
    );
    // Reports of the old epoch and anything later are dropped.
    report(&mut m, Report::Output(ImageOutput::Infeasible { id: a }));
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Output(ImageOutput::Decoded {
            id: a,
            frame: 1,
            complete: true,
        }),
    });
    assert!(events(&mut m).is_empty());
    let acts = actions(&mut m);
    assert_eq!(acts.last(), Some(&Msg::Close));
}

#[test]
fn reset_keeps_the_data_flowing_and_drops_late_answers() {
    let mut m = M::new("gif", None);
    tracks(&mut m, Some(vec![track(true, 2)]), false);
    let a = m.decode(5, true).unwrap();
    actions(&mut m);
    events(&mut m);
    m.reset();
    m.append(vec![9]);
    let epoch = m.epoch();
    assert_eq!(
        actions(&mut m),
        [Msg::Reset, Msg::Process(ImageRequest::Data(vec![9]))]
    );
    assert_eq!(epoch, 0, "reset does not start a new epoch");
    report(
        &mut m,
        Report::Output(ImageOutput::Decoded {
            id: a,
            frame: 1,
            complete: true,
        }),
    );
    let ev = events(&mut m);
    assert!(
        matches!(&ev[..], [ImageEvent::Rejected { id, error }] if *id == a && error.name == ErrorName::AbortError)
    );
    assert!(!m.is_closed());
}

#[test]
fn track_selection() {
    let mut m = M::new("avif", None);
    assert_eq!(m.select_track(0, true), None, "no tracks yet");
    tracks(&mut m, Some(vec![track(false, 1), track(true, 7)]), false);
    events(&mut m);
    actions(&mut m);
    let a = m.decode(0, true).unwrap();
    assert_eq!(m.select_track(0, true), None, "already selected");
    assert_eq!(m.select_track(1, false), None, "already not selected");
    assert_eq!(m.select_track(1, true), Some(Some(1)));
    let ev = events(&mut m);
    assert!(
        matches!(&ev[..], [ImageEvent::Rejected { id, error }] if *id == a && error.name == ErrorName::AbortError)
    );
    let acts = actions(&mut m);
    assert_eq!(
        &acts[1..],
        [Msg::Reset, Msg::Process(ImageRequest::TrackChanged)]
    );
    let b = m.decode(3, false).unwrap();
    assert_eq!(
        actions(&mut m),
        [Msg::Process(ImageRequest::Decode {
            id: b,
            track: Some(1),
            frame_index: 3,
            complete_frames_only: false
        })]
    );
    assert_eq!(m.select_track(1, false), Some(None));
    assert_eq!(
        m.decode(0, true).unwrap_err().name,
        ErrorName::InvalidStateError
    );
    m.close();
    assert_eq!(m.select_track(0, true), None, "closed");
}

#[test]
fn frame_counts_only_grow() {
    let mut m = M::new("gif", None);
    tracks(&mut m, Some(vec![track(true, 2)]), false);
    tracks(&mut m, Some(vec![track(true, 2)]), false);
    tracks(&mut m, Some(vec![track(true, 3)]), false);
    tracks(&mut m, Some(vec![track(true, 1)]), false);
    let ev = events(&mut m);
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[1], ImageEvent::FrameCountsChanged(vec![(0, 3)]));
}

#[test]
fn unsupported_type() {
    let mut m = M::unsupported(true);
    assert_eq!(
        m.decode(0, true).unwrap_err().name,
        ErrorName::NotSupportedError
    );
    let ev = events(&mut m);
    assert_eq!(ev[0], ImageEvent::Completed);
    assert!(
        matches!(&ev[1], ImageEvent::Closed { error, complete: true, tracks_established: false }
        if error.name == ErrorName::NotSupportedError)
    );
    assert!(actions(&mut m).is_empty());
    let mut m = M::unsupported(false);
    let ev = events(&mut m);
    assert!(matches!(
        &ev[..],
        [ImageEvent::Closed {
            complete: false,
            ..
        }]
    ));
    m.end_of_data();
    m.reset();
    m.close();
    assert!(events(&mut m).is_empty());
}

#[test]
fn stream_errors_close_with_their_names() {
    for (f, name) in [
        (M::chunk_not_bytes as fn(&mut M), ErrorName::DataError),
        (
            |m: &mut M| m.stream_error("boom"),
            ErrorName::NotReadableError,
        ),
    ] {
        let mut m = M::new("png", None);
        let a = m.decode(0, true).unwrap();
        f(&mut m);
        let ev = events(&mut m);
        assert!(
            matches!(&ev[0], ImageEvent::Rejected { id, error } if *id == a && error.name == name)
        );
        assert!(matches!(&ev[1], ImageEvent::Closed { error, .. } if error.name == name));
        m.close();
        assert!(events(&mut m).is_empty(), "close after close does nothing");
    }
}

// ---- Property test: the model, a fake worker and a reference model. ----

/// A fake image worker: each `Data` message carries one more frame (the first also the
/// header); decodes wait in order until their frame is in, or are infeasible once complete;
/// frame index 99 is corrupt data (the worker fails).
#[derive(Default)]
struct FakeWorker {
    inbox: VecDeque<Tagged<Msg<&'static str, ImageRequest>>>,
    live: Epoch,
    frames: u32,
    complete: bool,
    waiting: VecDeque<(DecodeId, u32)>,
    outbox: VecDeque<Tagged<Report<Out>>>,
    failed: bool,
    stopped: bool,
}

impl FakeWorker {
    fn send(&mut self, m: Tagged<Msg<&'static str, ImageRequest>>) {
        self.live = self.live.max(m.epoch);
        self.inbox.push_back(m);
    }

    fn tracks(&self) -> Option<Vec<ImageTrackInfo>> {
        (self.frames > 0).then(|| vec![track(true, self.frames)])
    }

    /// Runs one message.
    fn step(&mut self) {
        let Some(Tagged { epoch, body }) = self.inbox.pop_front() else {
            return;
        };
        if self.stopped {
            return;
        }
        let mut out = Vec::new();
        match body {
            Msg::Close => {
                self.stopped = true;
                return;
            }
            Msg::Reset => self.waiting.clear(),
            _ if epoch < self.live || self.failed => return,
            Msg::Configure(_) => out.push(Report::Configured),
            Msg::Flush(_) => {}
            Msg::Process(r) => {
                out.push(Report::Dequeued);
                match r {
                    ImageRequest::Data(_) => {
                        self.frames += 1;
                        out.push(Report::Output(ImageOutput::Tracks {
                            tracks: self.tracks(),
                            data_complete: self.complete,
                        }));
                    }
                    ImageRequest::EndOfData => {
                        self.complete = true;
                        out.push(Report::Output(ImageOutput::Tracks {
                            tracks: self.tracks(),
                            data_complete: true,
                        }));
                    }
                    ImageRequest::Decode {
                        id, frame_index, ..
                    } => self.waiting.push_back((id, frame_index)),
                    ImageRequest::TrackChanged => {}
                }
                while let Some(&(id, index)) = self.waiting.front() {
                    if index == 99 {
                        self.failed = true;
                        self.waiting.clear();
                        out.push(Report::Failed(CodecError::encoding("corrupt")));
                        break;
                    }
                    if index < self.frames {
                        out.push(Report::Output(ImageOutput::Decoded {
                            id,
                            frame: index,
                            complete: true,
                        }));
                    } else if self.complete {
                        out.push(Report::Output(ImageOutput::Infeasible { id }));
                    } else {
                        break;
                    }
                    self.waiting.pop_front();
                }
                if !self.failed {
                    out.push(Report::Done);
                }
            }
        }
        self.outbox
            .extend(out.into_iter().map(|body| Tagged { epoch, body }));
    }
}

#[derive(Debug, Clone)]
enum Op {
    Decode(u32),
    Append,
    End,
    Reset,
    Close,
    Select(bool),
    /// The worker runs its next message.
    Step,
    /// The next report reaches the model.
    Deliver,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => prop_oneof![0u32..4, Just(99u32)].prop_map(Op::Decode),
        2 => Just(Op::Append),
        1 => Just(Op::End),
        1 => Just(Op::Reset),
        1 => Just(Op::Close),
        1 => any::<bool>().prop_map(Op::Select),
        6 => Just(Op::Step),
        6 => Just(Op::Deliver),
    ]
}

/// The reference: what must be true of the events, kept with plain sets and flags.
#[derive(Default)]
struct Reference {
    issued: BTreeSet<DecodeId>,
    settled: BTreeSet<DecodeId>,
    closed: bool,
    established: bool,
    counts: Vec<u32>,
}

impl Reference {
    fn check(&mut self, ev: ImageEvent<u32>) -> Result<(), TestCaseError> {
        prop_assert!(!self.closed, "event after Closed: {:?}", ev);
        if let ImageEvent::Resolved { id, .. } | ImageEvent::Rejected { id, .. } = &ev {
            prop_assert!(
                self.issued.contains(id) && self.settled.insert(*id),
                "decode {} settled twice or never issued",
                id
            );
        }
        match ev {
            ImageEvent::Rejected { error, .. } => {
                prop_assert!(
                    matches!(
                        error.name,
                        ErrorName::RangeError
                            | ErrorName::AbortError
                            | ErrorName::EncodingError
                            | ErrorName::InvalidStateError
                    ),
                    "decode rejected with {:?}",
                    error.name
                );
            }
            ImageEvent::TracksEstablished { tracks, selected } => {
                prop_assert!(!self.established);
                prop_assert!(selected < tracks.len());
                self.established = true;
                self.counts = tracks.iter().map(|t| t.frame_count).collect();
            }
            ImageEvent::FrameCountsChanged(c) => {
                prop_assert!(self.established);
                for (i, n) in c {
                    prop_assert!(n > self.counts[i], "frame count did not grow");
                    self.counts[i] = n;
                }
            }
            ImageEvent::Closed { .. } => {
                prop_assert_eq!(&self.issued, &self.settled, "a decode outlived close");
                self.closed = true;
            }
            ImageEvent::Resolved { .. } | ImageEvent::Completed => {}
        }
        Ok(())
    }
}

proptest! {
    /// Any interleaving of JS calls, worker steps and report deliveries: every decode promise
    /// settles exactly once (all of them once the data is complete and the worker has run
    /// dry), nothing is delivered after close or from a stale epoch, tracks are established
    /// once and frame counts only grow.
    #[test]
    fn every_decode_settles_exactly_once(ops in proptest::collection::vec(op(), 0..60)) {
        let mut m = M::new("gif", None);
        let mut w = FakeWorker::default();
        let mut r = Reference::default();
        let pump = |m: &mut M, w: &mut FakeWorker, r: &mut Reference| -> Result<(), TestCaseError> {
            while let Some(a) = m.poll_action() {
                w.send(a);
            }
            while let Some(e) = m.poll_event() {
                r.check(e)?;
            }
            Ok(())
        };
        for op in ops {
            match op {
                Op::Decode(i) => match m.decode(i, true) {
                    Ok(id) => { r.issued.insert(id); }
                    Err(e) => prop_assert!(m.is_closed() || matches!(m.state(), ImageState::Established { selected: None, .. }), "{:?}", e),
                },
                Op::Append => m.append(vec![0]),
                Op::End => m.end_of_data(),
                Op::Reset => m.reset(),
                Op::Close => m.close(),
                Op::Select(v) => { let _ = m.select_track(0, v); }
                Op::Step => w.step(),
                Op::Deliver => if let Some(rep) = w.outbox.pop_front() { m.handle_report(rep) },
            }
            pump(&mut m, &mut w, &mut r)?;
        }
        // Run dry: complete the data (unless closed), let the worker and the model finish.
        m.end_of_data();
        if let ImageState::Established { selected: None, .. } = m.state() {
            let _ = m.select_track(0, true);
        }
        pump(&mut m, &mut w, &mut r)?;
        for _ in 0..1000 {
            if w.inbox.is_empty() && w.outbox.is_empty() {
                break;
            }
            w.step();
            while let Some(rep) = w.outbox.pop_front() {
                m.handle_report(rep);
                pump(&mut m, &mut w, &mut r)?;
            }
        }
        prop_assert_eq!(&r.issued, &r.settled, "every decode settled");
        prop_assert!(!m.is_busy());
        prop_assert_eq!(m.pending_decodes(), 0);
    }
}
