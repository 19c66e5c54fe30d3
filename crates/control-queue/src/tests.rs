//! Tests of the worker loop: message order, epochs and stale payloads, batching, panics in a
//! backend, shutdown.

use std::sync::atomic::AtomicUsize;

use super::*;

/// Echoes inputs; holds back `delay` inputs like an encoder with lookahead; panics on 666,
/// fails on 13, says so on `started` then waits for `gate` on 999; takes `read_ahead` inputs
/// ahead.
#[derive(Default)]
struct Echo {
    delay: usize,
    held: Vec<u32>,
    gate: Option<flume::Receiver<()>>,
    started: Option<flume::Sender<()>>,
    read_ahead: usize,
}

struct Payload(u32, Arc<AtomicUsize>);
impl Drop for Payload {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

impl Backend for Echo {
    type Config = usize;
    type Input = Payload;
    type Output = u32;
    fn configure(&mut self, delay: usize, out: &mut dyn FnMut(u32)) -> Result<(), CodecError> {
        if delay > 100 {
            return Err(CodecError::not_supported("too slow"));
        }
        self.held.drain(..).for_each(&mut *out);
        self.delay = delay;
        Ok(())
    }
    fn process(
        &mut self,
        i: Payload,
        _: &Cancel,
        out: &mut dyn FnMut(u32),
    ) -> Result<(), CodecError> {
        match i.0 {
            666 => panic!("boom"),
            999 => {
                if let Some(s) = &self.started {
                    let _ = s.send(());
                }
                if let Some(g) = &self.gate {
                    let _ = g.recv();
                }
            }
            13 => return Err(CodecError::encoding("unlucky")),
            _ => {}
        }
        self.held.push(i.0);
        while self.held.len() > self.delay {
            out(self.held.remove(0));
        }
        Ok(())
    }
    fn flush(&mut self, _: &Cancel, out: &mut dyn FnMut(u32)) -> Result<(), CodecError> {
        self.held.drain(..).for_each(out);
        Ok(())
    }
    fn reset(&mut self) {
        self.held.clear();
    }
    fn read_ahead(&self) -> usize {
        self.read_ahead
    }
}

type Rx = flume::Receiver<Tagged<Report<u32>>>;

fn start() -> (ControlTx<usize, Payload>, CodecWorker, Rx, Arc<AtomicUsize>) {
    let dropped = Arc::new(AtomicUsize::new(0));
    let (stx, srx) = flume::unbounded();
    let (tx, w) = CodecWorker::spawn("test-codec", Echo::default(), stx).expect("spawn");
    (tx, w, srx, dropped)
}

fn m(epoch: Epoch, body: Msg<usize, Payload>) -> Tagged<Msg<usize, Payload>> {
    Tagged { epoch, body }
}

fn collect_until_flush(rx: &Rx, id: FlushId) -> Vec<Report<u32>> {
    let mut v = vec![];
    loop {
        let r = rx.recv_timeout(Duration::from_secs(5)).expect("report");
        let done = matches!(r.body, Report::FlushDone(i) if i == id);
        v.push(r.body);
        if done {
            return v;
        }
    }
}

#[test]
fn runs_messages_in_order_and_flush_follows_outputs() {
    let (tx, w, rx, d) = start();
    tx.send(m(0, Msg::Configure(3))).expect("send");
    for i in 0..10 {
        tx.send(m(0, Msg::Process(Payload(i, d.clone()))))
            .expect("send");
    }
    tx.send(m(0, Msg::Flush(1))).expect("send");
    let reports = collect_until_flush(&rx, 1);
    let outputs: Vec<u32> = reports
        .iter()
        .filter_map(|r| {
            if let Report::Output(o) = r {
                Some(*o)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(outputs, (0..10).collect::<Vec<_>>());
    assert_eq!(
        reports
            .iter()
            .filter(|r| matches!(r, Report::Dequeued))
            .count(),
        10
    );
    assert_eq!(
        reports.iter().filter(|r| matches!(r, Report::Done)).count(),
        10
    );
    assert_eq!(reports[0], Report::Configured);
    tx.send(m(0, Msg::Close)).expect("send");
    assert!(w.join_timeout(Duration::from_secs(5)));
    assert_eq!(d.load(Ordering::SeqCst), 10);
}

#[test]
fn stale_messages_are_skipped_and_freed() {
    let (tx, w, rx, d) = start();
    tx.send(m(0, Msg::Configure(0))).expect("send");
    // Publish epoch 1 before the worker sees the epoch-0 inputs.
    tx.live.store(1, Ordering::SeqCst);
    for i in 0..5 {
        tx.send(m(0, Msg::Process(Payload(i, d.clone()))))
            .expect("send");
    }
    tx.send(m(1, Msg::Reset)).expect("send");
    tx.send(m(1, Msg::Configure(0))).expect("send");
    tx.send(m(1, Msg::Process(Payload(100, d.clone()))))
        .expect("send");
    tx.send(m(1, Msg::Flush(7))).expect("send");
    let reports = collect_until_flush(&rx, 7);
    assert!(reports.contains(&Report::Output(100)));
    assert!(!reports
        .iter()
        .any(|r| matches!(r, Report::Output(o) if *o < 100)));
    drop(tx);
    assert!(
        w.join_timeout(Duration::from_secs(5)),
        "worker exits when the sender is dropped"
    );
    assert_eq!(d.load(Ordering::SeqCst), 6);
}

#[test]
fn panics_and_errors_become_failed_reports() {
    use codec_core::ErrorName::*;
    let (tx, w, rx, d) = start();
    let next_failure = |rx: &Rx| loop {
        let r = rx.recv_timeout(Duration::from_secs(5)).expect("report");
        assert!(!matches!(r.body, Report::Output(_) | Report::FlushDone(_)));
        if let Report::Failed(e) = r.body {
            return (r.epoch, e.name);
        }
    };
    tx.send(m(0, Msg::Configure(0))).expect("send");
    tx.send(m(0, Msg::Process(Payload(666, d.clone()))))
        .expect("send");
    tx.send(m(0, Msg::Process(Payload(1, d.clone()))))
        .expect("send");
    assert_eq!(next_failure(&rx), (0, EncodingError));
    tx.send(m(1, Msg::Configure(0))).expect("send");
    tx.send(m(1, Msg::Process(Payload(13, d.clone()))))
        .expect("send");
    assert_eq!(next_failure(&rx), (1, EncodingError));
    tx.send(m(2, Msg::Configure(1000))).expect("send");
    tx.send(m(2, Msg::Flush(3))).expect("send");
    assert_eq!(next_failure(&rx), (2, NotSupportedError));
    tx.send(m(2, Msg::Close)).expect("send");
    assert!(w.join_timeout(Duration::from_secs(5)));
    assert!(!rx
        .drain()
        .any(|r| matches!(r.body, Report::Output(_) | Report::FlushDone(_))));
    assert_eq!(d.load(Ordering::SeqCst), 3);
}

/// Records every delivery the worker makes, as a whole batch.
struct Deliveries(flume::Sender<Batch<u32>>);

impl Sink<u32> for Deliveries {
    fn report(&self, r: Tagged<Report<u32>>) -> Result<(), Tagged<Report<u32>>> {
        self.0.send(vec![r]).map_err(|e| e.into_inner().remove(0))
    }
    fn report_batch(&self, batch: Batch<u32>) -> Result<(), Batch<u32>> {
        self.0.send(batch).map_err(|e| e.into_inner())
    }
}

/// A worker on a gated [`Echo`] whose deliveries are recorded, already configured.
struct Counting {
    tx: ControlTx<usize, Payload>,
    worker: CodecWorker,
    rx: flume::Receiver<Batch<u32>>,
    gate: flume::Sender<()>,
    dropped: Arc<AtomicUsize>,
}

impl Counting {
    fn start(limits: BatchLimits) -> Self {
        Self::start_reading_ahead(limits, 0, None)
    }

    /// As [`Counting::start`], with an [`Echo`] that takes `read_ahead` inputs ahead and says
    /// on `started` when it begins 999.
    fn start_reading_ahead(
        limits: BatchLimits,
        read_ahead: usize,
        started: Option<flume::Sender<()>>,
    ) -> Self {
        let (stx, srx) = flume::unbounded();
        let (gate, gate_rx) = flume::unbounded();
        let backend = Echo {
            gate: Some(gate_rx),
            started,
            read_ahead,
            ..Echo::default()
        };
        let (tx, worker) =
            CodecWorker::spawn_with_limits("test-batches", backend, Deliveries(stx), limits)
                .expect("spawn");
        let c = Self {
            tx,
            worker,
            rx: srx,
            gate,
            dropped: Arc::new(AtomicUsize::new(0)),
        };
        c.send(Msg::Configure(0));
        assert_eq!(c.next(), vec![Report::Configured]);
        c
    }

    /// A worker taking `read_ahead` inputs ahead, held inside input 999 (at the gate), so that
    /// what is sent next queues up behind it.
    fn holding_999(read_ahead: usize) -> Self {
        let (started_tx, started) = flume::unbounded();
        let c = Self::start_reading_ahead(PATIENT, read_ahead, Some(started_tx));
        c.process(999);
        started
            .recv_timeout(Duration::from_secs(5))
            .expect("999 started");
        c
    }

    /// Lets 999 finish, then collects every report up to flush `id`'s, in delivery order.
    fn open_gate_until_flush(&self, id: FlushId) -> Vec<Report<u32>> {
        self.gate.send(()).expect("open the gate");
        let mut all = vec![];
        while !all.contains(&Report::FlushDone(id)) {
            all.extend(self.next());
        }
        all
    }

    fn send(&self, body: Msg<usize, Payload>) {
        self.tx.send(m(0, body)).expect("send");
    }

    fn process(&self, i: u32) {
        self.send(Msg::Process(Payload(i, self.dropped.clone())));
    }

    /// The reports of the next delivery.
    fn next(&self) -> Vec<Report<u32>> {
        let b = self
            .rx
            .recv_timeout(Duration::from_secs(5))
            .expect("a delivery");
        b.into_iter().map(|r| r.body).collect()
    }

    fn close(self) {
        self.send(Msg::Close);
        assert!(self.worker.join_timeout(Duration::from_secs(5)));
    }
}

const PATIENT: BatchLimits = BatchLimits {
    max_messages: 16,
    max_delay: Duration::from_secs(30),
};

#[test]
fn one_delivery_per_message_when_messages_come_one_at_a_time() {
    let c = Counting::start(PATIENT);
    for i in 100..120 {
        c.process(i);
        assert_eq!(
            c.next(),
            vec![Report::Dequeued, Report::Output(i), Report::Done],
            "Dequeued, Output and Done of one message travel together"
        );
    }
    c.send(Msg::Flush(1));
    assert_eq!(c.next(), vec![Report::FlushDone(1)]);
    assert!(c.rx.try_recv().is_err(), "nothing was delivered twice");
    let rx = c.rx.clone();
    c.close();
    assert!(rx.try_recv().is_err());
}

#[test]
fn queued_messages_share_a_delivery_up_to_the_message_bound() {
    let c = Counting::start(PATIENT);
    // The worker blocks in 999 while 100 more inputs and a flush queue up behind it.
    c.process(999);
    for i in 100..200 {
        c.process(i);
    }
    c.send(Msg::Flush(1));
    c.gate.send(()).expect("open the gate");
    let mut deliveries = vec![];
    let mut all = vec![];
    while !all.contains(&Report::FlushDone(1)) {
        let b = c.next();
        deliveries.push(b.len());
        all.extend(b);
    }
    // 102 messages, at most 16 per delivery: 6 deliveries of 16 (3 reports each); then, with 6
    // left, the queue runs low: a delivery as soon as at most 4 are left and the batch holds
    // more than 4 (5 inputs, after message 101), and the rest (the flush) when it is empty.
    // In order.
    assert_eq!(deliveries.len(), 8, "deliveries: {deliveries:?}");
    assert!(deliveries[..6].iter().all(|&n| n == 48));
    assert_eq!(deliveries[6..], [15, 1], "deliveries: {deliveries:?}");
    let outputs: Vec<u32> = all
        .iter()
        .filter_map(|r| match r {
            Report::Output(o) => Some(*o),
            _ => None,
        })
        .collect();
    let expected: Vec<u32> = std::iter::once(999).chain(100..200).collect();
    assert_eq!(outputs, expected);
    assert_eq!(all.last(), Some(&Report::FlushDone(1)));
    c.close();
}

/// Each report of `reports` as a short word: D(equeued), O<n>(utput), d(one), F(lushDone).
fn words(reports: &[Report<u32>]) -> Vec<String> {
    reports
        .iter()
        .map(|r| match r {
            Report::Dequeued => "D".to_string(),
            Report::Output(o) => format!("O{o}"),
            Report::Done => "d".to_string(),
            Report::FlushDone(_) => "F".to_string(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_backend_reading_ahead_reports_queued_inputs_dequeued_before_they_run() {
    // 999 runs (and waits at the gate) while 11 inputs and a flush queue up behind it.
    let c = Counting::holding_999(3);
    for i in 100..111 {
        c.process(i);
    }
    c.send(Msg::Flush(1));
    let all = c.open_gate_until_flush(1);
    // 100 is taken with three more (101-103) ahead of it; each later input taken from there
    // tops the three up (104 when 101 runs, ..., 110 when 107 runs); the flush is taken ahead
    // too but ends the reading (no more inputs behind it) and runs last. Every input is
    // dequeued once and before it runs; outputs stay in order.
    let mut expected: Vec<String> = ["D", "O999", "d", "D", "D", "D", "D", "O100", "d"]
        .map(String::from)
        .to_vec();
    for i in 101..=107 {
        expected.extend(["D".to_string(), format!("O{i}"), "d".to_string()]);
    }
    for i in 108..=110 {
        expected.extend([format!("O{i}"), "d".to_string()]);
    }
    expected.push("F".to_string());
    assert_eq!(words(&all), expected);
    c.close();
}

#[test]
fn taking_the_last_queued_inputs_ahead_delivers_their_dequeues_at_once() {
    // The host queued a second 999 and two inputs behind the first 999; nothing else comes.
    let (started_tx, started) = flume::unbounded();
    let c = Counting::start_reading_ahead(PATIENT, 8, Some(started_tx));
    let wait_started = || {
        started
            .recv_timeout(Duration::from_secs(5))
            .expect("999 started")
    };
    c.process(999);
    wait_started();
    for i in [999, 101, 102] {
        c.process(i);
    }
    c.gate.send(()).expect("open the gate");
    wait_started();
    // The worker is inside the second 999, having taken 101 and 102 ahead and emptied the
    // queue: a producer waiting for `dequeue` hears now that it may queue more, not after the
    // three have run (the batch's 30 s limit is far off).
    assert_eq!(words(&c.next()), ["D", "O999", "d", "D", "D", "D"]);
    c.send(Msg::Flush(1));
    let rest = c.open_gate_until_flush(1);
    assert_eq!(words(&rest), ["O999", "d", "O101", "d", "O102", "d", "F"]);
    c.close();
}

#[test]
fn reading_ahead_never_passes_a_flush() {
    let c = Counting::holding_999(8);
    for i in 100..105 {
        c.process(i);
    }
    c.send(Msg::Flush(1));
    for i in 200..203 {
        c.process(i);
    }
    c.send(Msg::Flush(2));
    let all = c.open_gate_until_flush(2);
    let w = words(&all);
    let first_flush = w.iter().position(|x| x == "F").expect("flush 1");
    // Before flush 1 completes: 999 and the five inputs queued before it, dequeued and run;
    // nothing of the inputs behind it.
    let before = &w[..first_flush];
    assert_eq!(before.iter().filter(|x| *x == "D").count(), 6, "{w:?}");
    assert!(!before.iter().any(|x| x.starts_with("O2")), "{w:?}");
    assert_eq!(w.iter().filter(|x| *x == "D").count(), 9, "{w:?}");
    assert_eq!(w.iter().filter(|x| *x == "F").count(), 2, "{w:?}");
    c.close();
}

#[test]
fn reading_ahead_stops_at_a_reset_and_stale_inputs_stay_unreported() {
    let c = Counting::holding_999(8);
    // Epoch 0: two inputs; then a reset opens epoch 1 (publishing it at once, as the host
    // does) before the worker gets to them: they are stale and must not run or be reported.
    c.process(1);
    c.process(2);
    let send1 = |body| c.tx.send(m(1, body)).expect("send");
    send1(Msg::Reset);
    send1(Msg::Configure(0));
    for i in 200..203 {
        send1(Msg::Process(Payload(i, c.dropped.clone())));
    }
    send1(Msg::Flush(9));
    let all = c.open_gate_until_flush(9);
    let reports: Vec<Report<u32>> = all
        .iter()
        .filter(|r| **r != Report::Configured)
        .cloned()
        .collect();
    assert_eq!(
        words(&reports),
        // 999's output went stale while it ran; 200 is taken with 201, 202 and the flush
        // ahead of it.
        ["D", "d", "D", "D", "D", "O200", "d", "O201", "d", "O202", "d", "F"]
    );
    let dropped = c.dropped.clone();
    c.close();
    // Every payload, stale or run, was dropped: 999, 1, 2, 200-202.
    assert_eq!(dropped.load(Ordering::SeqCst), 6);
}

#[test]
fn an_old_batch_is_delivered_while_the_message_still_runs() {
    let c = Counting::start(BatchLimits {
        max_messages: 1000,
        max_delay: Duration::ZERO,
    });
    c.process(5);
    // With no delay allowed, the output leaves as soon as it exists, before the message ends.
    assert_eq!(c.next(), vec![Report::Dequeued, Report::Output(5)]);
    assert_eq!(c.next(), vec![Report::Done]);
    c.close();
}

/// Logs its configurations; asks for the host's priority for odd ones; configuration 1 says
/// so on `entered`, then waits for `gate`.
struct Prioritised {
    entered: flume::Sender<()>,
    gate: flume::Receiver<()>,
}

/// What the hooks and `Prioritised` saw on the worker thread named "hooked", in order.
static HOOK_LOG: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn log_on_hooked_thread(what: String) {
    if std::thread::current().name() == Some("hooked") {
        HOOK_LOG.lock().expect("log").push(what);
    }
}

impl Backend for Prioritised {
    type Config = u32;
    type Input = ();
    type Output = u32;
    fn configure(&mut self, c: u32, _: &mut dyn FnMut(u32)) -> Result<(), CodecError> {
        if c == 1 {
            let _ = self.entered.send(());
            let _ = self.gate.recv();
        }
        log_on_hooked_thread(format!("configure {c}"));
        Ok(())
    }
    fn process(&mut self, _: (), _: &Cancel, _: &mut dyn FnMut(u32)) -> Result<(), CodecError> {
        Ok(())
    }
    fn flush(&mut self, _: &Cancel, _: &mut dyn FnMut(u32)) -> Result<(), CodecError> {
        Ok(())
    }
    fn reset(&mut self) {}
    fn thread_priority(&self, c: &u32) -> ThreadPriority {
        if c % 2 == 1 {
            ThreadPriority::Host
        } else {
            ThreadPriority::Background
        }
    }
}

#[test]
fn the_thread_hooks_run_on_the_worker_at_start_and_before_each_live_configure() {
    // Process-wide and set once: this is the only test that sets them.
    let hooks = ThreadHooks {
        start: || log_on_hooked_thread("start".into()),
        configure: |p| log_on_hooked_thread(format!("priority {p:?}")),
    };
    assert!(crate::set_thread_hooks(hooks));
    assert!(!crate::set_thread_hooks(hooks), "second hooks are refused");
    let (stx, _srx): (flume::Sender<Tagged<Report<u32>>>, Rx) = flume::unbounded();
    let (open, gate) = flume::unbounded();
    let (entered, configuring) = flume::unbounded();
    let backend = Prioritised { entered, gate };
    let (tx, w) = CodecWorker::spawn("hooked", backend, stx).expect("spawn");
    tx.send(Tagged {
        epoch: 1,
        body: Msg::Configure(1),
    })
    .expect("send");
    configuring.recv().expect("configuration 1 runs");
    // While configuration 1 waits, epoch 2 goes live: configuration 3 of epoch 1 is stale when
    // the worker reaches it, and neither the hook nor the backend sees it.
    tx.send(Tagged {
        epoch: 1,
        body: Msg::Configure(3),
    })
    .expect("send");
    tx.send(Tagged {
        epoch: 2,
        body: Msg::Configure(4),
    })
    .expect("send");
    tx.send(Tagged {
        epoch: 2,
        body: Msg::Close,
    })
    .expect("send");
    open.send(()).expect("open the gate");
    assert!(w.join_timeout(Duration::from_secs(5)), "worker exits");
    assert_eq!(
        *HOOK_LOG.lock().expect("log"),
        [
            "start",
            "priority Host",
            "configure 1",
            "priority Background",
            "configure 4"
        ]
    );
}
