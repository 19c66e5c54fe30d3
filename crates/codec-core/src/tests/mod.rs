//! Scenario tests and property tests for the processing model, driven by a deterministic fake
//! worker that follows the worker contract of `control-queue`.

use std::collections::{HashMap, VecDeque};

use proptest::prelude::*;

use crate::{
    CodecError, CodecKind, CodecState, ErrorName, InputFacts, JsEvent, Model, ModelConfig, Msg,
    Report, Tagged,
};

mod rules;

/// The fake config (whether the backend accepts it) has no codec-specific rules.
impl ModelConfig for bool {}

/// Facts of a chunk of type `key` (encoders ignore them).
fn key(key: bool) -> impl FnOnce(&u64) -> InputFacts<'_> {
    move |_| InputFacts::Chunk { key, data: &[] }
}

/// Config: whether the fake backend accepts it. Input: a sequence number. Output: (epoch, seq).
type M = Model<bool, u64, (u64, u64)>;

/// A single-threaded stand-in for `CodecWorker`: receives messages in order, runs them one
/// step at a time, and queues reports in one FIFO as the real event channel does.
#[derive(Default)]
struct FakeWorker {
    inbox: VecDeque<Tagged<Msg<bool, u64>>>,
    reports: VecDeque<Tagged<Report<(u64, u64)>>>,
    failed_epoch: Option<u64>,
    closed: bool,
}

impl FakeWorker {
    fn step(&mut self, live_epoch: u64, fail_process: bool) {
        let Some(m) = self.inbox.pop_front() else {
            return;
        };
        if self.closed {
            return;
        }
        let e = m.epoch;
        let stale = e < live_epoch;
        let failed = self.failed_epoch == Some(e);
        let mut report = |body| self.reports.push_back(Tagged { epoch: e, body });
        match m.body {
            Msg::Close => self.closed = true,
            Msg::Reset => {}
            _ if stale => {}
            Msg::Configure(ok) => {
                if ok {
                    report(Report::Configured);
                } else {
                    report(Report::Failed(CodecError::not_supported("fake")));
                    self.failed_epoch = Some(e);
                }
            }
            Msg::Process(seq) => {
                report(Report::Dequeued);
                if failed {
                    report(Report::Done);
                } else if fail_process {
                    report(Report::Failed(CodecError::encoding("fake")));
                    report(Report::Done);
                    self.failed_epoch = Some(e);
                } else {
                    report(Report::Output((e, seq)));
                    report(Report::Done);
                }
            }
            Msg::Flush(id) => {
                if !failed {
                    report(Report::FlushDone(id));
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Configure(bool),
    Submit(bool),
    Flush,
    Reset,
    Close,
    WorkerStep(bool),
    Deliver,
    FireDequeue,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => prop_oneof![9 => Just(true), 1 => Just(false)].prop_map(Op::Configure),
        8 => any::<bool>().prop_map(Op::Submit),
        2 => Just(Op::Flush),
        1 => Just(Op::Reset),
        1 => Just(Op::Close),
        8 => prop_oneof![20 => Just(false), 1 => Just(true)].prop_map(Op::WorkerStep),
        10 => Just(Op::Deliver),
        3 => Just(Op::FireDequeue),
    ]
}

struct Harness {
    model: M,
    worker: FakeWorker,
    next_seq: u64,
    expected_queue_size: u32,
    settled: HashMap<u64, u32>,
    flushes: Vec<u64>,
    last_output: Option<u64>,
    dequeue_outstanding: bool,
    errors: u32,
}

impl Harness {
    fn new(kind: CodecKind, cap: u32) -> Self {
        Self {
            model: Model::with_max_in_flight(kind, cap),
            worker: FakeWorker::default(),
            next_seq: 0,
            expected_queue_size: 0,
            settled: HashMap::new(),
            flushes: Vec::new(),
            last_output: None,
            dequeue_outstanding: false,
            errors: 0,
        }
    }

    fn drain(&mut self) -> Result<(), TestCaseError> {
        while let Some(a) = self.model.poll_action() {
            self.worker.inbox.push_back(a);
        }
        while let Some(ev) = self.model.poll_event() {
            match ev {
                JsEvent::Output((epoch, seq), _) => {
                    prop_assert_ne!(self.model.state(), CodecState::Closed, "output after close");
                    prop_assert_eq!(epoch, self.model.epoch(), "output of a stale epoch");
                    if let Some(last) = self.last_output {
                        prop_assert!(seq > last, "outputs out of order");
                    }
                    self.last_output = Some(seq);
                }
                JsEvent::Error(e) => {
                    prop_assert_ne!(e.name, ErrorName::AbortError);
                    prop_assert_eq!(self.model.state(), CodecState::Closed);
                    self.errors += 1;
                }
                JsEvent::FlushResolved(id) | JsEvent::FlushRejected(id, _) => {
                    *self.settled.entry(id).or_default() += 1;
                }
                JsEvent::ScheduleDequeue => {
                    prop_assert!(!self.dequeue_outstanding, "dequeue events not coalesced");
                    self.dequeue_outstanding = true;
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, op: Op) -> Result<(), TestCaseError> {
        let before = self.model.state();
        match op {
            Op::Configure(ok) => {
                let r = self.model.configure(ok);
                prop_assert_eq!(r.is_err(), before == CodecState::Closed);
            }
            Op::Submit(k) => {
                self.next_seq += 1;
                match self.model.submit(self.next_seq, key(k)) {
                    Ok(()) => {
                        prop_assert_eq!(before, CodecState::Configured);
                        self.expected_queue_size += 1;
                    }
                    Err(e) => prop_assert!(
                        e.name == ErrorName::InvalidStateError && before != CodecState::Configured
                            || e.name == ErrorName::DataError && !k
                    ),
                }
            }
            Op::Flush => match self.model.flush() {
                Ok(id) => {
                    prop_assert_eq!(before, CodecState::Configured);
                    self.flushes.push(id);
                }
                Err(e) => {
                    prop_assert_eq!(e.name, ErrorName::InvalidStateError);
                    prop_assert_ne!(before, CodecState::Configured);
                }
            },
            Op::Reset => {
                let r = self.model.reset();
                prop_assert_eq!(r.is_err(), before == CodecState::Closed);
                if r.is_ok() {
                    prop_assert_eq!(self.model.state(), CodecState::Unconfigured);
                    self.expected_queue_size = 0;
                }
            }
            Op::Close => {
                let r = self.model.close();
                prop_assert_eq!(r.is_err(), before == CodecState::Closed);
                prop_assert_eq!(self.model.state(), CodecState::Closed);
                self.expected_queue_size = 0;
            }
            Op::WorkerStep(fail) => self.worker.step(self.model.epoch(), fail),
            Op::Deliver => {
                if let Some(r) = self.worker.reports.pop_front() {
                    let counts =
                        r.epoch == self.model.epoch() && self.model.state() != CodecState::Closed;
                    let is_dequeued = matches!(r.body, Report::Dequeued);
                    let fails = matches!(r.body, Report::Failed(_));
                    self.model.handle_report(r);
                    if counts && is_dequeued {
                        self.expected_queue_size -= 1;
                    }
                    if counts && fails {
                        self.expected_queue_size = 0;
                    }
                }
            }
            Op::FireDequeue => {
                if self.dequeue_outstanding {
                    self.dequeue_outstanding = false;
                    let _ = self.model.dequeue_event_fired();
                }
            }
        }
        self.drain()?;
        prop_assert_eq!(self.model.queue_size(), self.expected_queue_size);
        Ok(())
    }

    /// Runs the worker and delivery until quiet.
    fn settle(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..100_000 {
            // A scheduled dequeue event is a queued task: it always runs eventually (and keeps
            // the codec busy until it does), so settling includes firing it.
            if self.worker.inbox.is_empty()
                && self.worker.reports.is_empty()
                && !self.dequeue_outstanding
            {
                return Ok(());
            }
            self.apply(Op::WorkerStep(false))?;
            self.apply(Op::Deliver)?;
            self.apply(Op::FireDequeue)?;
        }
        Err(TestCaseError::fail("did not settle"))
    }
}

/// A proptest-found case: the `dequeue` event scheduled by `reset()` is still pending when the
/// worker goes quiet; the codec stays busy until that task has run.
#[test]
fn reset_then_reconfigure_settles_after_the_dequeue_event() -> Result<(), TestCaseError> {
    let mut h = Harness::new(CodecKind::Encoder, 1);
    for op in [
        Op::Configure(true),
        Op::Submit(false),
        Op::Reset,
        Op::WorkerStep(false),
        Op::Configure(true),
        Op::WorkerStep(false),
        Op::WorkerStep(false),
        Op::Deliver,
    ] {
        h.apply(op)?;
    }
    h.settle()?;
    assert_eq!(h.model.state(), CodecState::Configured);
    assert!(!h.model.is_busy());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_the_invariants(
        decoder in any::<bool>(),
        cap in 1u32..4,
        ops in proptest::collection::vec(op(), 0..120),
        close_at_end in any::<bool>(),
    ) {
        let kind = if decoder { CodecKind::Decoder } else { CodecKind::Encoder };
        let mut h = Harness::new(kind, cap);
        for o in ops {
            h.apply(o)?;
        }
        h.settle()?;
        if h.model.state() == CodecState::Configured {
            // Everything submitted was processed and every flush resolved.
            prop_assert_eq!(h.model.queue_size(), 0);
            prop_assert_eq!(h.model.pending_flushes(), 0);
            prop_assert!(!h.model.is_busy());
        }
        if close_at_end && h.model.state() != CodecState::Closed {
            h.apply(Op::Close)?;
        }
        if h.model.state() == CodecState::Closed {
            for id in &h.flushes {
                prop_assert_eq!(h.settled.get(id).copied(), Some(1), "flush {} settled != once", id);
            }
        }
        for (id, n) in &h.settled {
            prop_assert_eq!(*n, 1, "flush {} settled {} times", id, n);
        }
        prop_assert!(h.errors <= 1, "error callback called {} times", h.errors);
    }
}

#[test]
fn reset_rejects_pending_flush_with_abort_and_zeroes_queue() {
    let mut h = Harness::new(CodecKind::Encoder, 16);
    h.apply(Op::Configure(true)).expect("configure");
    for _ in 0..5 {
        h.apply(Op::Submit(true)).expect("submit");
    }
    assert_eq!(h.model.queue_size(), 5);
    let id = h.model.flush().expect("flush");
    h.model.reset().expect("reset");
    let evs: Vec<_> = std::iter::from_fn(|| h.model.poll_event()).collect();
    assert!(evs.contains(&JsEvent::ScheduleDequeue));
    assert!(evs
        .iter()
        .any(|e| matches!(e, JsEvent::FlushRejected(i, err)
        if *i == id && err.name == ErrorName::AbortError)));
    assert!(!evs.iter().any(|e| matches!(e, JsEvent::Error(_))));
    assert_eq!(h.model.queue_size(), 0);
    assert_eq!(h.model.state(), CodecState::Unconfigured);
}

#[test]
fn configure_blocks_queue_until_configured() {
    let mut m: M = Model::new(CodecKind::Encoder);
    m.configure(true).expect("configure");
    m.submit(1, key(false)).expect("submit");
    let first: Vec<_> = std::iter::from_fn(|| m.poll_action()).collect();
    assert_eq!(
        first.len(),
        1,
        "only the configure is handed over while blocked"
    );
    assert!(matches!(first[0].body, Msg::Configure(true)));
    m.handle_report(Tagged {
        epoch: m.epoch(),
        body: Report::Configured,
    });
    let next: Vec<_> = std::iter::from_fn(|| m.poll_action()).collect();
    assert!(matches!(
        next[..],
        [Tagged {
            body: Msg::Process(1),
            ..
        }]
    ));
    assert_eq!(
        m.queue_size(),
        1,
        "decremented only when the worker takes it"
    );
}

#[test]
fn saturation_holds_inputs_in_the_queue() {
    let mut m: M = Model::with_max_in_flight(CodecKind::Encoder, 2);
    m.configure(true).expect("configure");
    let _ = m.poll_action();
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Configured,
    });
    for i in 0..5 {
        m.submit(i, key(false)).expect("submit");
    }
    assert!(m.codec_saturated());
    let sent: Vec<_> = std::iter::from_fn(|| m.poll_action()).collect();
    assert_eq!(sent.len(), 2);
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Dequeued,
    });
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Done,
    });
    let sent: Vec<_> = std::iter::from_fn(|| m.poll_action()).collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(m.queue_size(), 4);
}

#[test]
fn decoder_requires_key_chunk_after_configure_and_flush() {
    let mut m: M = Model::new(CodecKind::Decoder);
    m.configure(true).expect("configure");
    assert_eq!(
        m.submit(1, key(false)).expect_err("delta").name,
        ErrorName::DataError
    );
    m.submit(2, key(true)).expect("key");
    m.submit(3, key(false)).expect("delta after key");
    m.flush().expect("flush");
    assert_eq!(
        m.submit(4, key(false)).expect_err("delta").name,
        ErrorName::DataError
    );
}

#[test]
fn codec_error_closes_and_rejects_flush_with_that_error() {
    let mut m: M = Model::new(CodecKind::Encoder);
    m.configure(false).expect("configure");
    let id = m.flush().expect("flush");
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Failed(CodecError::not_supported("nope")),
    });
    let evs: Vec<_> = std::iter::from_fn(|| m.poll_event()).collect();
    assert_eq!(m.state(), CodecState::Closed);
    assert!(
        matches!(&evs[..], [JsEvent::FlushRejected(i, e), JsEvent::Error(e2)]
        if *i == id && e.name == ErrorName::NotSupportedError && e2 == e)
    );
    // Later reports are ignored.
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Output((0, 1)),
    });
    assert_eq!(m.poll_event(), None);
    assert_eq!(
        m.close().expect_err("closed").name,
        ErrorName::InvalidStateError
    );
}

#[test]
fn stale_reports_are_dropped_after_reset() {
    let mut m: M = Model::new(CodecKind::Encoder);
    m.configure(true).expect("configure");
    m.reset().expect("reset");
    while m.poll_event().is_some() {}
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Output((0, 1)),
    });
    assert_eq!(m.poll_event(), None);
}
