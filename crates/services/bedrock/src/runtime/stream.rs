//! Streaming answers: a backend's chunks become content-block steps (start, delta, stop) that each streaming
//! API renders as its own events; the stream starts only once the backend has produced something, so a
//! backend that fails at once gets an ordinary HTTP error instead of a broken stream.

use crate::backend::{Backend, Chunk};
use crate::chat::{ChatRequest, StopReason, Usage};
use sekisho_core::AwsError;
use sekisho_core::service::{Event, EventStream};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    Text,
    ToolUse { id: String, name: String },
}

/// One step of a streamed message, by content-block index.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Start(usize, BlockKind),
    TextDelta(usize, String),
    ToolInputDelta(usize, String),
    Stop(usize),
    End { reason: StopReason, stop_sequence: Option<String>, usage: Usage },
}

/// Turns chunks into steps: a block starts when the kind of content changes, stops before the next one.
#[derive(Debug, Default)]
pub struct Tracker {
    current: Option<(usize, bool)>,
    next: usize,
}

impl Tracker {
    pub fn steps(&mut self, chunk: Chunk) -> Vec<Step> {
        let mut out = Vec::new();
        match chunk {
            Chunk::Text(t) => {
                let index = match self.current {
                    Some((i, false)) => i,
                    _ => self.open(BlockKind::Text, false, &mut out),
                };
                out.push(Step::TextDelta(index, t));
            }
            Chunk::ToolUseStart { id, name } => {
                self.open(BlockKind::ToolUse { id, name }, true, &mut out);
            }
            Chunk::ToolUseInput(s) => {
                if let Some((i, true)) = self.current {
                    out.push(Step::ToolInputDelta(i, s));
                }
            }
            Chunk::Stop { reason, stop_sequence, usage } => {
                if let Some((i, _)) = self.current.take() {
                    out.push(Step::Stop(i));
                }
                out.push(Step::End { reason, stop_sequence, usage });
            }
        }
        out
    }

    fn open(&mut self, kind: BlockKind, tool: bool, out: &mut Vec<Step>) -> usize {
        if let Some((i, _)) = self.current.take() {
            out.push(Step::Stop(i));
        }
        let index = self.next;
        self.next += 1;
        self.current = Some((index, tool));
        out.push(Step::Start(index, kind));
        index
    }
}

/// Times of a streamed answer, for the metadata events.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub latency_ms: u64,
    pub first_byte_ms: u64,
}

/// How a streaming API renders a message: its opening events, then each step.
pub trait Renderer: Send + 'static {
    fn start(&mut self) -> Vec<Event>;
    fn step(&mut self, step: Step, timing: Timing) -> Vec<Event>;
}

/// Errors inside a stream travel as the stream's modelled exceptions: a model failure becomes
/// `modelStreamErrorException` (the union has no `ModelErrorException`).
fn in_stream(err: AwsError) -> AwsError {
    match err.code.as_str() {
        "ModelErrorException" | "ModelTimeoutException" => {
            let mut e = AwsError::new("ModelStreamErrorException", 424, err.message.clone());
            e = e.with_field("originalMessage", json!(err.message));
            if let Some(status) = err.fields.get("originalStatusCode") {
                e = e.with_field("originalStatusCode", status.clone());
            }
            e
        }
        _ => err,
    }
}

/// Runs `backend` on `req` and streams its answer through `renderer`. Fails like a non-streaming call when
/// the backend fails before its first chunk.
pub async fn spawn(
    backend: Arc<dyn Backend>,
    req: ChatRequest,
    mut renderer: impl Renderer,
) -> Result<EventStream, AwsError> {
    let started = Instant::now();
    let (chunk_tx, mut chunk_rx) = mpsc::channel::<Chunk>(64);
    let task = tokio::spawn(async move { backend.converse_stream(&req, chunk_tx).await });
    let first = chunk_rx.recv().await;
    let first_byte_ms = started.elapsed().as_millis() as u64;
    let Some(first) = first else {
        return match task.await {
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => {
                Err(AwsError::new("ModelErrorException", 424, "The model ended the stream without an answer."))
            }
            Err(e) => Err(AwsError::internal(format!("the model task failed: {e}"))),
        };
    };
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut tracker = Tracker::default();
        let mut ended = false;
        let mut pending = Some(first);
        let mut events = renderer.start();
        loop {
            let chunk = match pending.take() {
                Some(c) => Some(c),
                None => chunk_rx.recv().await,
            };
            let Some(chunk) = chunk else { break };
            let timing = Timing { latency_ms: started.elapsed().as_millis() as u64, first_byte_ms };
            for step in tracker.steps(chunk) {
                ended |= matches!(step, Step::End { .. });
                events.extend(renderer.step(step, timing));
            }
            for e in events.drain(..) {
                if tx.send(Ok(e)).await.is_err() {
                    return;
                }
            }
        }
        let failure = match task.await {
            Ok(Err(e)) => Some(in_stream(e)),
            Err(e) => Some(AwsError::new("InternalServerException", 500, format!("the model task failed: {e}"))),
            Ok(Ok(())) if !ended => {
                Some(AwsError::new("ModelStreamErrorException", 424, "The model ended the stream early."))
            }
            Ok(Ok(())) => None,
        };
        if let Some(err) = failure {
            let _ = tx.send(Err(err)).await;
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_open_and_close_as_content_changes() {
        let mut t = Tracker::default();
        let mut steps = Vec::new();
        for c in [
            Chunk::Text("a".into()),
            Chunk::Text("b".into()),
            Chunk::ToolUseStart { id: "t".into(), name: "f".into() },
            Chunk::ToolUseInput("{}".into()),
            Chunk::Text("c".into()),
            Chunk::Stop { reason: StopReason::EndTurn, stop_sequence: None, usage: Usage::default() },
        ] {
            steps.extend(t.steps(c));
        }
        assert_eq!(
            steps,
            vec![
                Step::Start(0, BlockKind::Text),
                Step::TextDelta(0, "a".into()),
                Step::TextDelta(0, "b".into()),
                Step::Stop(0),
                Step::Start(1, BlockKind::ToolUse { id: "t".into(), name: "f".into() }),
                Step::ToolInputDelta(1, "{}".into()),
                Step::Stop(1),
                Step::Start(2, BlockKind::Text),
                Step::TextDelta(2, "c".into()),
                Step::Stop(2),
                Step::End { reason: StopReason::EndTurn, stop_sequence: None, usage: Usage::default() },
            ]
        );
    }

    #[test]
    fn model_errors_become_stream_errors() {
        let e =
            in_stream(AwsError::new("ModelErrorException", 424, "boom").with_field("originalStatusCode", json!(500)));
        assert_eq!(e.code, "ModelStreamErrorException");
        assert_eq!(e.fields["originalStatusCode"], json!(500));
        assert_eq!(
            in_stream(AwsError::new("ServiceUnavailableException", 503, "x")).code,
            "ServiceUnavailableException"
        );
    }
}
