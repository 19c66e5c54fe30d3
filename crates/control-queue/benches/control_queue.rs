//! Control-queue throughput: messages through a `CodecWorker` with a no-op backend, and the
//! cost of one send on the caller's thread.
use std::hint::black_box;
use std::time::Duration;

use codec_core::{CodecError, Msg, Report, Tagged};
use control_queue::{Backend, Cancel, CodecWorker};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

struct Noop;

impl Backend for Noop {
    type Config = ();
    type Input = Vec<u8>;
    type Output = usize;
    fn configure(&mut self, _: (), _: &mut dyn FnMut(usize)) -> Result<(), CodecError> {
        Ok(())
    }
    fn process(
        &mut self,
        i: Vec<u8>,
        _: &Cancel,
        out: &mut dyn FnMut(usize),
    ) -> Result<(), CodecError> {
        out(i.len());
        Ok(())
    }
    fn flush(&mut self, _: &Cancel, _: &mut dyn FnMut(usize)) -> Result<(), CodecError> {
        Ok(())
    }
    fn reset(&mut self) {}
}

fn round_trip(c: &mut Criterion) {
    let (stx, srx) = flume::unbounded::<Tagged<Report<usize>>>();
    let (tx, worker) = CodecWorker::spawn("bench", Noop, stx).expect("spawn");
    tx.send(Tagged {
        epoch: 0,
        body: Msg::Configure(()),
    })
    .expect("send");
    let _ = srx.recv();
    let mut g = c.benchmark_group("control_queue");
    const N: u64 = 1000;
    g.throughput(Throughput::Elements(N));
    g.bench_function("1000 process messages + flush, all reports received", |b| {
        let mut id = 0;
        b.iter(|| {
            for _ in 0..N {
                tx.send(Tagged {
                    epoch: 0,
                    body: Msg::Process(vec![0u8; 16]),
                })
                .expect("send");
            }
            id += 1;
            tx.send(Tagged {
                epoch: 0,
                body: Msg::Flush(id),
            })
            .expect("send");
            loop {
                let r = srx.recv().expect("report");
                if matches!(r.body, Report::FlushDone(i) if i == id) {
                    break;
                }
                black_box(r);
            }
        });
    });
    g.finish();
    tx.send(Tagged {
        epoch: 0,
        body: Msg::Close,
    })
    .expect("send");
    assert!(worker.join_timeout(Duration::from_secs(5)));
}

fn send_cost(c: &mut Criterion) {
    let (stx, _srx) = flume::unbounded::<Tagged<Report<usize>>>();
    let (tx, _worker) = CodecWorker::spawn("bench-send", Noop, stx).expect("spawn");
    c.bench_function("control_queue/send one message (caller side)", |b| {
        b.iter(|| {
            tx.send(Tagged {
                epoch: 1,
                body: Msg::Reset,
            })
            .expect("send")
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = round_trip, send_cost
}
criterion_main!(benches);
