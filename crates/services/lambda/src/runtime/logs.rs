//! A function's log: lines from the process (stdout, stderr and the runtime's framed log records) and
//! Lambda's own lines, kept as the invocation's tail and shipped to CloudWatch Logs through the door.

use sekisho_core::door::Call;
use sekisho_core::service::Caller;
use sekisho_core::{Door, World};
use serde_json::json;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, Weak};
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

/// The largest tail kept for `LogType: Tail` (AWS returns the last 4 KB).
pub const TAIL_BYTES: usize = 4096;

/// Where CloudWatch Logs events go and who writes them.
pub struct Destination {
    pub door: Weak<Door>,
    pub region: String,
    pub log_group: String,
    pub log_stream: String,
    /// The execution role session's access key: its identity writes the events, as in AWS.
    pub access_key_id: Option<String>,
    pub session_token: Option<String>,
}

struct SinkState {
    tail: Vec<u8>,
    pending: Vec<(i64, String)>,
}

/// One execution environment's log.
pub struct LogSink {
    world: Arc<World>,
    state: Mutex<SinkState>,
    shipper: Option<mpsc::UnboundedSender<Vec<(i64, String)>>>,
}

impl LogSink {
    /// A sink that ships to `destination` (when the environment has credentials) from a background task.
    pub fn new(world: Arc<World>, destination: Option<Destination>) -> Arc<LogSink> {
        let shipper = destination.map(|d| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(ship(d, rx));
            tx
        });
        Arc::new(LogSink { world, state: Mutex::new(SinkState { tail: Vec::new(), pending: Vec::new() }), shipper })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SinkState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds one log event (`message` as CloudWatch stores it, usually ending in a newline).
    pub fn emit(&self, message: String) {
        let now = self.world.clock.now_ms();
        let mut s = self.lock();
        s.tail.extend_from_slice(message.as_bytes());
        // Events are separate in CloudWatch; in the tail text each one ends its line.
        if !message.ends_with('\n') {
            s.tail.push(b'\n');
        }
        if s.tail.len() > 4 * TAIL_BYTES {
            let cut = s.tail.len() - TAIL_BYTES;
            s.tail.drain(..cut);
        }
        s.pending.push((now, message));
        if s.pending.len() >= 1000 {
            let batch = std::mem::take(&mut s.pending);
            drop(s);
            self.send(batch);
        }
    }

    /// Adds a line when there is one (platform lines some log formats leave out).
    pub fn extend_lines(&self, line: Option<String>) {
        if let Some(line) = line {
            self.emit(line);
        }
    }

    /// Starts a new invocation's tail.
    pub fn begin_tail(&self) {
        self.lock().tail.clear();
    }

    /// The last 4 KB of the invocation's log, cut at a character boundary.
    pub fn tail(&self) -> String {
        let s = self.lock();
        let mut start = s.tail.len().saturating_sub(TAIL_BYTES);
        while start < s.tail.len() && (s.tail[start] & 0b1100_0000) == 0b1000_0000 {
            start += 1;
        }
        String::from_utf8_lossy(&s.tail[start..]).into_owned()
    }

    /// Ships what is pending.
    pub fn flush(&self) {
        let batch = std::mem::take(&mut self.lock().pending);
        self.send(batch);
    }

    fn send(&self, batch: Vec<(i64, String)>) {
        if let (Some(tx), false) = (&self.shipper, batch.is_empty()) {
            let _ = tx.send(batch);
        }
    }
}

impl Drop for LogSink {
    fn drop(&mut self) {
        let batch = std::mem::take(&mut self.lock().pending);
        self.send(batch);
    }
}

/// Writes batches to CloudWatch Logs as the execution role, creating the group and stream on first use.
/// Failures (no `logs:*` permission, no Logs service) drop the events, as Lambda does.
async fn ship(d: Destination, mut rx: mpsc::UnboundedReceiver<Vec<(i64, String)>>) {
    let mut ready = false;
    while let Some(mut batch) = rx.recv().await {
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
        }
        let Some(door) = d.door.upgrade() else { return };
        let Some(caller) = caller(&door, &d) else { continue };
        if !ready {
            let group = json!({ "logGroupName": d.log_group });
            let _ = door.call(&caller, Call::new("logs", "CreateLogGroup", group, &d.region)).await;
            let stream = json!({ "logGroupName": d.log_group, "logStreamName": d.log_stream });
            match door.call(&caller, Call::new("logs", "CreateLogStream", stream, &d.region)).await {
                Ok(_) => ready = true,
                Err(e) if e.code == "ResourceAlreadyExistsException" => ready = true,
                Err(_) => continue,
            }
        }
        for chunk in batch.chunks(1000) {
            let events: Vec<_> = chunk.iter().map(|(t, m)| json!({ "timestamp": t, "message": m })).collect();
            let input = json!({ "logGroupName": d.log_group, "logStreamName": d.log_stream, "logEvents": events });
            let _ = door.call(&caller, Call::new("logs", "PutLogEvents", input, &d.region)).await;
        }
    }
}

fn caller(door: &Door, d: &Destination) -> Option<Caller> {
    let key = d.access_key_id.as_deref()?;
    let resolved = door.world().resolve_access_key(key, d.session_token.as_deref()).ok()?;
    let mut c = Caller::new(resolved.identity);
    c.access_key_id = Some(key.to_string());
    Some(c)
}

/// How a pipe's bytes become log events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One event per line (stdout, stderr).
    Lines,
    /// The runtime's telemetry frames: type (4 bytes), length (4), timestamp in µs (8), message; big-endian.
    Frames,
}

struct ReaderState {
    buf: Vec<u8>,
    eof: bool,
}

/// One pipe from the process. Reading happens in a background task and, on demand, synchronously
/// (`drain`), so everything the function wrote before it answered is in the log before `END`.
pub struct Reader {
    rx: pipe::Receiver,
    framing: Framing,
    state: Mutex<ReaderState>,
    sink: Arc<LogSink>,
}

impl Reader {
    pub fn start(fd: OwnedFd, framing: Framing, sink: Arc<LogSink>) -> std::io::Result<Arc<Reader>> {
        let rx = pipe::Receiver::from_owned_fd(fd)?;
        let reader =
            Arc::new(Reader { rx, framing, state: Mutex::new(ReaderState { buf: Vec::new(), eof: false }), sink });
        let weak = Arc::downgrade(&reader);
        tokio::spawn(async move {
            loop {
                let Some(r) = weak.upgrade() else { return };
                if r.rx.readable().await.is_err() || r.drain() {
                    return;
                }
            }
        });
        Ok(reader)
    }

    /// Reads everything available now and emits complete events. Returns `true` at end of file.
    pub fn drain(&self) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.rx.try_read(&mut chunk) {
                Ok(0) => {
                    st.eof = true;
                    break;
                }
                Ok(n) => st.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    st.eof = true;
                    break;
                }
            }
        }
        let eof = st.eof;
        for event in take_events(&mut st.buf, self.framing, eof) {
            self.sink.emit(event);
        }
        eof
    }
}

/// Splits complete events off the front of `buf`. At end of file a partial line is an event too.
fn take_events(buf: &mut Vec<u8>, framing: Framing, eof: bool) -> Vec<String> {
    let mut out = Vec::new();
    match framing {
        Framing::Lines => {
            while let Some(pos) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                out.push(String::from_utf8_lossy(&line).into_owned());
            }
            if eof && !buf.is_empty() {
                let rest = std::mem::take(buf);
                out.push(String::from_utf8_lossy(&rest).into_owned());
            }
        }
        Framing::Frames => loop {
            if buf.len() < 16 {
                break;
            }
            let len = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
            if buf.len() < 16 + len {
                break;
            }
            let frame: Vec<u8> = buf.drain(..16 + len).collect();
            out.push(String::from_utf8_lossy(&frame[16..]).into_owned());
        },
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(msg: &str) -> Vec<u8> {
        let mut f = 0xA55A_0003u32.to_be_bytes().to_vec();
        f.extend((msg.len() as u32).to_be_bytes());
        f.extend(0u64.to_be_bytes());
        f.extend(msg.as_bytes());
        f
    }

    #[test]
    fn lines_split_and_partial_lines_wait_for_more() {
        let mut buf = b"one\ntwo\nthr".to_vec();
        assert_eq!(take_events(&mut buf, Framing::Lines, false), vec!["one\n", "two\n"]);
        assert_eq!(buf, b"thr");
        assert_eq!(take_events(&mut buf, Framing::Lines, true), vec!["thr"]);
    }

    #[test]
    fn frames_keep_multi_line_records_whole() {
        let mut buf = frame("[ERROR] boom\nTraceback (most recent call last):");
        buf.extend(&frame("second\n")[..10]);
        let events = take_events(&mut buf, Framing::Frames, false);
        assert_eq!(events, vec!["[ERROR] boom\nTraceback (most recent call last):"]);
        assert_eq!(buf.len(), 10);
    }

    #[tokio::test]
    async fn the_tail_is_the_last_four_kilobytes() {
        let world = Arc::new(World::new(sekisho_core::config::Config::defaults()));
        let sink = LogSink::new(world, None);
        sink.emit("START\n".into());
        for _ in 0..100 {
            sink.emit("é".repeat(50) + "\n");
        }
        let tail = sink.tail();
        assert!(tail.len() <= TAIL_BYTES && tail.len() > TAIL_BYTES - 4);
        assert!(!tail.contains("START"));
        sink.begin_tail();
        assert_eq!(sink.tail(), "");
    }
}
