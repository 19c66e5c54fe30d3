// Encodes 30 frames to H.264 with the WebCodecs processing model, without Node. README.md
// ("Use from Rust") shows this file as it is; `cargo test` checks that and runs it.
use std::sync::Arc;
use std::time::Duration;

use codec_core::{
    CodecKind, FrameBuffer, InputFacts, JsEvent, Model, Orientation, Rect, VideoEncoderConfig,
    VideoPixelFormat,
};
use codec_ffmpeg::{EncodedVideoOutput, VideoEncodeInput, VideoEncoderBackend};
use control_queue::CodecWorker;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The backend lives on its own thread; its reports come back, in order, through a channel.
    let (sink, reports) = flume::unbounded();
    let (tx, worker) = CodecWorker::spawn("encoder", VideoEncoderBackend::default(), sink)?;
    // The spec's state machine stays on this thread: methods in, worker messages and events out.
    let mut encoder: Model<_, _, EncodedVideoOutput> = Model::new(CodecKind::Encoder);
    let config = VideoEncoderConfig {
        codec: "avc1.42001f".into(),
        width: 320,
        height: 240,
        bitrate: Some(500_000),
        ..Default::default()
    };
    config.validate()?;
    encoder.configure(config)?;
    for i in 0..30 {
        let mut frame = FrameBuffer::new_zeroed(VideoPixelFormat::I420, 320, 240)?;
        frame.plane_mut(0).0.fill(16 + 7 * i as u8); // a grey fade from black
        frame.plane_mut(1).0.fill(128);
        frame.plane_mut(2).0.fill(128);
        let input = VideoEncodeInput {
            frame: Arc::new(frame),
            visible: Rect::new(0, 0, 320, 240),
            timestamp: i64::from(i) * 33_333,
            duration: Some(33_333),
            key_frame: i == 0,
            quantizer: None,
            color_space: Default::default(),
        };
        encoder.submit(input, |_| InputFacts::Frame(Orientation::default()))?;
    }
    let flush = encoder.flush()?;
    loop {
        // Hand the model's messages to the worker, act on its events, wait for the next report.
        while let Some(message) = encoder.poll_action() {
            tx.send(message)?;
        }
        while let Some(event) = encoder.poll_event() {
            match event {
                JsEvent::Output(chunk, _) => println!(
                    "{} chunk at {} us: {} bytes",
                    if chunk.key { "key" } else { "delta" },
                    chunk.timestamp,
                    chunk.data.len()
                ),
                JsEvent::Error(e) => return Err(e.into()),
                JsEvent::ScheduleDequeue => {
                    let _ = encoder.dequeue_event_fired(); // `ondequeue` would run here
                }
                JsEvent::FlushResolved(id) if id == flush => {
                    encoder.close()?;
                    while let Some(message) = encoder.poll_action() {
                        tx.send(message)?; // `Close`: the worker frees the encoder and exits
                    }
                    worker.join_timeout(Duration::from_secs(1));
                    return Ok(());
                }
                JsEvent::FlushResolved(_) | JsEvent::FlushRejected(..) => {}
            }
        }
        encoder.handle_report(reports.recv()?);
    }
}
