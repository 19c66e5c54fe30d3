//! The codec-specific rules of the model: `[[active orientation]]`, the key-chunk check and the
//! output context each output carries.

use std::collections::{HashMap, VecDeque};

use proptest::prelude::*;

use crate::{
    CodecKind, CodecState, ErrorName, InputFacts, JsEvent, Model, ModelConfig, Msg, NalFraming,
    Orientation, OutputContext, Report, Tagged, VideoDecoderConfig,
};

const UPRIGHT: Orientation = Orientation {
    rotation: 0,
    flip: false,
};
const TURNED: Orientation = Orientation {
    rotation: 90,
    flip: true,
};

type Enc = Model<bool, (u64, Orientation), u64>;

fn frame(input: &(u64, Orientation)) -> InputFacts<'_> {
    InputFacts::Frame(input.1)
}

/// Hands every pending message to a worker that confirms configures and outputs each input at
/// once; returns the outputs with their contexts.
fn run_worker(m: &mut Enc) -> Vec<(u64, OutputContext)> {
    while let Some(Tagged { epoch, body }) = m.poll_action() {
        let reports = match body {
            Msg::Configure(_) => vec![Report::Configured],
            Msg::Process((seq, _)) => vec![Report::Dequeued, Report::Output(seq), Report::Done],
            Msg::Flush(id) => vec![Report::FlushDone(id)],
            Msg::Reset | Msg::Close => vec![],
        };
        for body in reports {
            m.handle_report(Tagged { epoch, body });
        }
    }
    std::iter::from_fn(|| m.poll_event())
        .filter_map(|e| match e {
            JsEvent::Output(seq, ctx) => Some((seq, ctx)),
            _ => None,
        })
        .collect()
}

#[test]
fn first_frame_sets_the_orientation_and_another_is_a_data_error() {
    let mut m = Enc::new(CodecKind::Encoder);
    assert_eq!(
        m.submit((0, TURNED), frame).expect_err("unconfigured").name,
        ErrorName::InvalidStateError
    );
    m.configure(true).expect("configure");
    m.submit((1, TURNED), frame).expect("first frame");
    let e = m
        .submit((2, UPRIGHT), frame)
        .expect_err("other orientation");
    assert_eq!(e.name, ErrorName::DataError);
    assert_eq!(m.state(), CodecState::Configured, "not fatal");
    assert_eq!(m.queue_size(), 1, "the refused frame was not queued");
    m.submit((3, TURNED), frame).expect("same orientation");
    let outs = run_worker(&mut m);
    assert_eq!(outs.iter().map(|o| o.0).collect::<Vec<_>>(), vec![1, 3]);
    assert!(outs.iter().all(|o| o.1.orientation == Some(TURNED)));

    // configure() forgets it; outputs of the new configuration carry the new one.
    m.configure(true).expect("reconfigure");
    m.submit((4, UPRIGHT), frame).expect("new first frame");
    assert_eq!(
        m.submit((5, TURNED), frame)
            .expect_err("old orientation")
            .name,
        ErrorName::DataError
    );
    let outs = run_worker(&mut m);
    assert_eq!(
        outs,
        vec![(
            4,
            OutputContext {
                orientation: Some(UPRIGHT),
                ..Default::default()
            }
        )]
    );

    // After reset() the next configure starts afresh too.
    m.reset().expect("reset");
    assert_eq!(
        m.submit((6, TURNED), frame).expect_err("unconfigured").name,
        ErrorName::InvalidStateError
    );
    m.configure(true).expect("configure");
    m.submit((7, TURNED), frame)
        .expect("first frame after reset");
}

#[test]
fn outputs_keep_the_context_of_the_configuration_that_made_them() {
    let mut m = Enc::new(CodecKind::Encoder);
    m.configure(true).expect("configure");
    m.submit((1, TURNED), frame).expect("frame");
    // The worker has taken the configure and the frame, but not reported yet.
    let sent: Vec<_> = std::iter::from_fn(|| m.poll_action()).collect();
    assert_eq!(sent.len(), 1, "the frame waits for Configured");
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Configured,
    });
    let sent: Vec<_> = std::iter::from_fn(|| m.poll_action()).collect();
    assert!(matches!(
        sent[..],
        [Tagged {
            body: Msg::Process((1, _)),
            ..
        }]
    ));
    // A second configure and its first frame before the first frame's output comes back.
    m.configure(true).expect("reconfigure");
    m.submit((2, UPRIGHT), frame)
        .expect("frame of the new configuration");
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Output(1),
    });
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Configured,
    });
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Output(2),
    });
    let outs: Vec<_> = std::iter::from_fn(|| m.poll_event())
        .filter_map(|e| match e {
            JsEvent::Output(seq, ctx) => Some((seq, ctx.orientation)),
            _ => None,
        })
        .collect();
    assert_eq!(outs, vec![(1, Some(TURNED)), (2, Some(UPRIGHT))]);
}

/// VP8 frames: a key frame (start code present, bit 0 clear) and an inter frame (bit 0 set).
const VP8_KEY: [u8; 10] = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0, 0x10, 0];
const VP8_DELTA: [u8; 10] = [0x31, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0];

type Dec = Model<VideoDecoderConfig, (bool, Vec<u8>), u64>;

fn chunk(input: &(bool, Vec<u8>)) -> InputFacts<'_> {
    InputFacts::Chunk {
        key: input.0,
        data: &input.1,
    }
}

#[test]
fn a_chunk_labelled_key_must_hold_a_key_frame_while_one_is_required() {
    let mut m = Dec::new(CodecKind::Decoder);
    m.configure(VideoDecoderConfig {
        codec: "vp8".into(),
        ..Default::default()
    })
    .expect("configure");
    let e = m
        .submit((true, VP8_DELTA.to_vec()), chunk)
        .expect_err("a delta labelled key");
    assert_eq!(e.name, ErrorName::DataError);
    assert!(m.key_chunk_required(), "still required after the refusal");
    assert_eq!(
        m.submit((false, VP8_KEY.to_vec()), chunk)
            .expect_err("labelled delta")
            .name,
        ErrorName::DataError
    );
    m.submit((true, VP8_KEY.to_vec()), chunk).expect("key");
    // Once a key chunk was accepted the label is trusted and the bytes are not looked at.
    m.submit((false, VP8_DELTA.to_vec()), chunk).expect("delta");
    m.submit((true, VP8_DELTA.to_vec()), chunk)
        .expect("not checked while no key is required");
    m.flush().expect("flush");
    assert_eq!(
        m.submit((true, VP8_DELTA.to_vec()), chunk)
            .expect_err("required again after flush")
            .name,
        ErrorName::DataError
    );
    // Codecs the check does not know pass on the label alone.
    m.configure(VideoDecoderConfig {
        codec: "bogus".into(),
        ..Default::default()
    })
    .expect("configure");
    m.submit((true, VP8_DELTA.to_vec()), chunk)
        .expect("unknown codec: the decoder judges");
}

#[test]
fn decoder_outputs_carry_their_configuration() {
    let mut m = Dec::new(CodecKind::Decoder);
    let config = VideoDecoderConfig {
        codec: "avc1.42001f".into(),
        description: Some(vec![1, 66, 0, 31, 0xfc]),
        rotation: 180,
        flip: true,
        ..Default::default()
    };
    m.configure(config.clone()).expect("configure");
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Configured,
    });
    m.handle_report(Tagged {
        epoch: 0,
        body: Report::Output(1),
    });
    let JsEvent::Output(1, ctx) = m.poll_event().expect("output") else {
        panic!("not the output");
    };
    assert_eq!(ctx, config.output_context());
    assert_eq!(
        ctx.orientation,
        Some(Orientation {
            rotation: 180,
            flip: true
        })
    );
    assert_eq!(
        config.key_chunk_check().expect("check").framing,
        NalFraming::LengthPrefixed(1)
    );
}

#[derive(Debug, Clone)]
enum Op {
    Configure,
    Submit(bool),
    Worker,
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Configure),
        6 => any::<bool>().prop_map(Op::Submit),
        3 => Just(Op::Worker),
        1 => Just(Op::Reset),
    ]
}

proptest! {
    /// Against a reference: a frame is accepted iff the codec is configured and its orientation
    /// equals the first accepted since the last configure(); every output carries the
    /// orientation of the configuration its frame was accepted under.
    #[test]
    fn orientation_rule_matches_a_reference(ops in proptest::collection::vec(op(), 1..80)) {
        let mut m = Enc::new(CodecKind::Encoder);
        let mut active: Option<Orientation> = None;
        let mut configured = false;
        let mut expected: HashMap<u64, Orientation> = HashMap::new();
        let mut seq = 0;
        let mut backlog: VecDeque<(u64, OutputContext)> = VecDeque::new();
        for op in ops {
            match op {
                Op::Configure => {
                    m.configure(true).expect("never closed here");
                    configured = true;
                    active = None;
                }
                Op::Submit(turned) => {
                    seq += 1;
                    let o = if turned { TURNED } else { UPRIGHT };
                    let ok = configured && active.is_none_or(|a| a == o);
                    let r = m.submit((seq, o), frame);
                    prop_assert_eq!(r.is_ok(), ok, "submit {} {:?}", seq, o);
                    if ok {
                        active = Some(o);
                        expected.insert(seq, o);
                    }
                }
                Op::Worker => backlog.extend(run_worker(&mut m)),
                Op::Reset => {
                    m.reset().expect("never closed here");
                    configured = false;
                    // Outputs not delivered yet are stale now.
                    let _ = run_worker(&mut m);
                }
            }
        }
        backlog.extend(run_worker(&mut m));
        for (seq, ctx) in backlog {
            prop_assert_eq!(ctx.orientation, expected.get(&seq).copied(), "output {}", seq);
        }
    }
}
