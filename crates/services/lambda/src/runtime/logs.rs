//! A function's log: lines from the process (stdout, stderr and the runtime's framed log records) and
//! Lambda's own lines, kept as the invocation's tail and shipped to CloudWatch Logs through the door in
//! batches within PutLogEvents' limits. Nothing is dropped without sekisho saying so on its stderr, and a
//! function that writes faster than the logs are stored waits on its writes rather than filling memory.

use sekisho_core::door::Call;
use sekisho_core::service::Caller;
use sekisho_core::{Door, World};
use serde_json::json;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tokio::net::unix::pipe;
use tokio::sync::{Notify, mpsc};

/// The largest tail kept for `LogType: Tail` (AWS returns the last 4 KB).
pub const TAIL_BYTES: usize = 4096;

/// The largest event Lambda writes: a longer line or record becomes several events of at most this many
/// bytes, cut at character boundaries. [inf] Observed, not documented: Lambda splits long lines into
/// events of 2^18 − 26 = 262,118 bytes (256 KB less the 26 bytes CloudWatch Logs counts per event),
/// reported in DataDog/datadog-serverless-functions#462 ("Cloudwatch is automatically splitting longer
/// lines to the size of 262119 characters") and on Stack Overflow (question 77175643: "2^18 - 26").
pub const MAX_EVENT_BYTES: usize = 262_118;

/// PutLogEvents' limits. Source: the CloudWatch Logs API reference, PutLogEvents: "The maximum batch size
/// is 1,048,576 bytes. This size is calculated as the sum of all event messages in UTF-8, plus 26 bytes
/// for each log event."; "The maximum number of log events in a batch is 10,000."; "A batch of log
/// events in a single request cannot span more than 24 hours."
pub const BATCH_BYTES: usize = 1_048_576;
pub const EVENT_OVERHEAD: usize = 26;
pub const BATCH_EVENTS: usize = 10_000;
pub const BATCH_SPAN_MS: i64 = 24 * 3_600_000;

/// Log bytes an environment may have on their way to CloudWatch Logs before sekisho stops reading its
/// process's output (the function then waits on its writes, as with a full pipe). Bounds sekisho's
/// memory for a function that writes faster than the logs are stored. Sekisho's choice.
pub const QUEUE_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// How much one background read takes from a pipe before letting other tasks run.
const READ_SLICE_BYTES: usize = 1024 * 1024;

/// One CloudWatch Logs event: timestamp (ms) and message.
pub type Event = (i64, String);

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

/// The largest `i <= max` that does not cut a UTF-8 character of `bytes` in two (`max` when the bytes
/// are not UTF-8 there).
fn char_cut(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    (max.saturating_sub(3)..=max).rev().find(|&i| i == 0 || (bytes[i] & 0b1100_0000) != 0b1000_0000).unwrap_or(max)
}

/// A message as Lambda stores it: events of at most [`MAX_EVENT_BYTES`].
pub fn split_message(message: String) -> Vec<String> {
    if message.len() <= MAX_EVENT_BYTES {
        return vec![message];
    }
    let mut out = Vec::new();
    let mut rest = message.as_str();
    while rest.len() > MAX_EVENT_BYTES {
        let cut = char_cut(rest.as_bytes(), MAX_EVENT_BYTES);
        // On valid UTF-8 `char_cut` lands on a boundary; guard anyway so slicing can never panic.
        let cut = if cut > 0 && rest.is_char_boundary(cut) {
            cut
        } else {
            (1..=rest.len()).find(|&i| rest.is_char_boundary(i)).unwrap_or(rest.len())
        };
        out.push(rest[..cut].to_string());
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// Splits events (in time order) into PutLogEvents batches within its limits.
pub fn batches(events: Vec<Event>) -> Vec<Vec<Event>> {
    let mut out = Vec::new();
    let mut current: Vec<Event> = Vec::new();
    let mut bytes = 0;
    for (ts, message) in events {
        let size = message.len() + EVENT_OVERHEAD;
        let too_long = current.first().is_some_and(|(first, _)| ts - first > BATCH_SPAN_MS);
        if !current.is_empty() && (bytes + size > BATCH_BYTES || current.len() == BATCH_EVENTS || too_long) {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push((ts, message));
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn batch_bytes(events: &[Event]) -> usize {
    events.iter().map(|(_, m)| m.len() + EVENT_OVERHEAD).sum()
}

/// The bytes on their way to CloudWatch Logs, and a wake-up when there is room again.
#[derive(Default)]
struct Flow {
    queued: AtomicUsize,
    room: Notify,
    closed: AtomicBool,
}

impl Flow {
    fn release(&self, bytes: usize) {
        let _ = self.queued.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_sub(bytes)));
        self.room.notify_waiters();
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.room.notify_waiters();
    }

    fn has_room(&self) -> bool {
        self.closed.load(Ordering::Acquire) || self.queued.load(Ordering::Acquire) < QUEUE_LIMIT_BYTES
    }

    async fn wait_for_room(&self) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.has_room() {
                return;
            }
            notified.await;
        }
    }
}

struct SinkState {
    tail: Vec<u8>,
    pending: Vec<Event>,
    pending_bytes: usize,
    /// Events keep the order they were emitted in: a timestamp never goes back.
    last_ms: i64,
}

/// One execution environment's log.
pub struct LogSink {
    world: Arc<World>,
    state: Mutex<SinkState>,
    shipper: Option<mpsc::UnboundedSender<Vec<Event>>>,
    flow: Arc<Flow>,
}

impl LogSink {
    /// A sink that ships to `destination` (when the environment has credentials) from a background task.
    pub fn new(world: Arc<World>, destination: Option<Destination>) -> Arc<LogSink> {
        let flow = Arc::new(Flow::default());
        let shipper = destination.map(|d| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(ship(d, rx, flow.clone()));
            tx
        });
        let state = SinkState { tail: Vec::new(), pending: Vec::new(), pending_bytes: 0, last_ms: 0 };
        Arc::new(LogSink { world, state: Mutex::new(state), shipper, flow })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SinkState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds one log event (`message` as CloudWatch stores it, usually ending in a newline); a message
    /// over [`MAX_EVENT_BYTES`] becomes several events.
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
        let at = now.max(s.last_ms);
        s.last_ms = at;
        for piece in split_message(message) {
            s.pending_bytes += piece.len() + EVENT_OVERHEAD;
            s.pending.push((at, piece));
        }
        if s.pending.len() >= BATCH_EVENTS || s.pending_bytes >= BATCH_BYTES {
            let batch = std::mem::take(&mut s.pending);
            s.pending_bytes = 0;
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
        let batch = {
            let mut s = self.lock();
            s.pending_bytes = 0;
            std::mem::take(&mut s.pending)
        };
        self.send(batch);
    }

    /// Waits until the log has room for more of the process's output.
    async fn room(&self) {
        self.flow.wait_for_room().await;
    }

    fn send(&self, batch: Vec<Event>) {
        let Some(tx) = &self.shipper else { return };
        if batch.is_empty() {
            return;
        }
        let bytes = batch_bytes(&batch);
        self.flow.queued.fetch_add(bytes, Ordering::AcqRel);
        if let Err(lost) = tx.send(batch) {
            // The shipper is gone only when sekisho is shutting down (no door left to write through).
            self.flow.release(bytes);
            eprintln!("sekisho: lambda: {} log events not delivered: sekisho is shutting down", lost.0.len());
        }
    }
}

impl Drop for LogSink {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Delivery failures of one destination: the first is reported at once, the rest counted and reported
/// when the environment's log ends.
#[derive(Default)]
struct Failures {
    events: usize,
    first: Option<String>,
}

impl Failures {
    fn record(&mut self, d: &Destination, events: usize, why: String) {
        if self.first.is_none() {
            eprintln!(
                "sekisho: lambda: {events} log events for {} / {} not delivered: {why}",
                d.log_group, d.log_stream
            );
            self.first = Some(why);
        }
        self.events += events;
    }

    fn summary(&self, d: &Destination) {
        if let (Some(first), true) = (&self.first, self.events > 0) {
            eprintln!(
                "sekisho: lambda: in all {} log events for {} / {} were not delivered (first failure: {first})",
                self.events, d.log_group, d.log_stream
            );
        }
    }
}

/// Writes events to CloudWatch Logs as the execution role, creating the group and stream on first use.
/// Failures (no `logs:*` permission, no Logs service) lose the events, as Lambda does, and say so on
/// sekisho's stderr (the refused calls are in the decision log too).
async fn ship(d: Destination, mut rx: mpsc::UnboundedReceiver<Vec<Event>>, flow: Arc<Flow>) {
    let mut ready = false;
    let mut failures = Failures::default();
    while let Some(mut events) = rx.recv().await {
        while events.len() < 4 * BATCH_EVENTS {
            match rx.try_recv() {
                Ok(more) => events.extend(more),
                Err(_) => break,
            }
        }
        let bytes = batch_bytes(&events);
        deliver(&d, &mut ready, events, &mut failures).await;
        flow.release(bytes);
    }
    flow.close();
    failures.summary(&d);
}

async fn deliver(d: &Destination, ready: &mut bool, events: Vec<Event>, failures: &mut Failures) {
    let Some(door) = d.door.upgrade() else {
        failures.record(d, events.len(), "sekisho is shutting down".into());
        return;
    };
    let Some(caller) = caller(&door, d) else {
        failures.record(d, events.len(), "the execution role's session is no longer valid".into());
        return;
    };
    for batch in batches(events) {
        let count = batch.len();
        let log_events: Vec<_> = batch.into_iter().map(|(t, m)| json!({ "timestamp": t, "message": m })).collect();
        let input = json!({ "logGroupName": d.log_group, "logStreamName": d.log_stream, "logEvents": log_events });
        // A group or stream deleted under a running environment is created again, once per batch.
        for attempt in 0..2 {
            if !*ready {
                match create_stream(&door, &caller, d).await {
                    Ok(()) => *ready = true,
                    Err(why) => {
                        failures.record(d, count, why);
                        break;
                    }
                }
            }
            match door.call(&caller, Call::new("logs", "PutLogEvents", input.clone(), &d.region)).await {
                Ok(_) => break,
                Err(e) if e.code == "ResourceNotFoundException" && attempt == 0 => *ready = false,
                Err(e) => {
                    failures.record(d, count, format!("PutLogEvents: {}: {}", e.code, e.message));
                    break;
                }
            }
        }
    }
}

async fn create_stream(door: &Door, caller: &Caller, d: &Destination) -> Result<(), String> {
    let group = json!({ "logGroupName": d.log_group });
    // Lambda creates the group when the role may; otherwise it must exist already.
    let _ = door.call(caller, Call::new("logs", "CreateLogGroup", group, &d.region)).await;
    let stream = json!({ "logGroupName": d.log_group, "logStreamName": d.log_stream });
    match door.call(caller, Call::new("logs", "CreateLogStream", stream, &d.region)).await {
        Ok(_) => Ok(()),
        Err(e) if e.code == "ResourceAlreadyExistsException" => Ok(()),
        Err(e) => Err(format!("CreateLogStream: {}: {}", e.code, e.message)),
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

/// Bytes read from a pipe and not yet turned into events. Never more than about one event's worth is
/// kept: a line or record longer than [`MAX_EVENT_BYTES`] is emitted in pieces as it arrives.
#[derive(Default)]
struct Parse {
    buf: Vec<u8>,
    /// Message bytes still to come of the frame being read.
    frame_left: Option<usize>,
    frame: Vec<u8>,
}

impl Parse {
    /// Splits complete events off what has been read. At end of file a partial line is an event too.
    fn take_events(&mut self, framing: Framing, eof: bool) -> Vec<String> {
        let mut out = Vec::new();
        match framing {
            Framing::Lines => {
                let mut start = 0;
                while let Some(pos) = self.buf[start..].iter().position(|&b| b == b'\n') {
                    out.push(String::from_utf8_lossy(&self.buf[start..=start + pos]).into_owned());
                    start += pos + 1;
                }
                self.buf.drain(..start);
                while self.buf.len() >= MAX_EVENT_BYTES {
                    let cut = char_cut(&self.buf, MAX_EVENT_BYTES);
                    out.push(String::from_utf8_lossy(&self.buf[..cut]).into_owned());
                    self.buf.drain(..cut);
                }
                if eof && !self.buf.is_empty() {
                    out.push(String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned());
                }
            }
            Framing::Frames => loop {
                match self.frame_left {
                    None => {
                        if self.buf.len() < 16 {
                            break;
                        }
                        let len = u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]) as usize;
                        self.buf.drain(..16);
                        self.frame_left = Some(len);
                    }
                    Some(left) => {
                        let n = left.min(self.buf.len());
                        self.frame.extend(self.buf.drain(..n));
                        if left == n {
                            self.frame_left = None;
                            out.push(String::from_utf8_lossy(&std::mem::take(&mut self.frame)).into_owned());
                            continue;
                        }
                        self.frame_left = Some(left - n);
                        while self.frame.len() >= MAX_EVENT_BYTES {
                            let cut = char_cut(&self.frame, MAX_EVENT_BYTES);
                            out.push(String::from_utf8_lossy(&self.frame[..cut]).into_owned());
                            self.frame.drain(..cut);
                        }
                        break;
                    }
                }
            },
        }
        out
    }
}

struct ReaderState {
    parse: Parse,
    eof: bool,
}

/// One pipe from the process. Reading happens in a background task (paused while the log's queue is
/// full) and, on demand, synchronously (`drain`), so everything the function wrote before it answered
/// is in the log before `END`.
pub struct Reader {
    rx: pipe::Receiver,
    framing: Framing,
    state: Mutex<ReaderState>,
    sink: Arc<LogSink>,
}

impl Reader {
    pub fn start(fd: OwnedFd, framing: Framing, sink: Arc<LogSink>) -> std::io::Result<Arc<Reader>> {
        let rx = pipe::Receiver::from_owned_fd(fd)?;
        let state = ReaderState { parse: Parse::default(), eof: false };
        let reader = Arc::new(Reader { rx, framing, state: Mutex::new(state), sink });
        let weak = Arc::downgrade(&reader);
        tokio::spawn(async move {
            loop {
                let Some(sink) = weak.upgrade().map(|r| r.sink.clone()) else { return };
                sink.room().await;
                drop(sink);
                let Some(r) = weak.upgrade() else { return };
                if r.rx.readable().await.is_err() || r.read(Some(READ_SLICE_BYTES)) {
                    return;
                }
            }
        });
        Ok(reader)
    }

    /// Reads everything available now and emits complete events. Returns `true` at end of file.
    pub fn drain(&self) -> bool {
        self.read(None)
    }

    /// Reads what is available (up to `limit` bytes) and emits complete events. `true` at end of file.
    fn read(&self, limit: Option<usize>) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut chunk = [0u8; 16 * 1024];
        let mut taken = 0;
        while !st.eof && limit.is_none_or(|l| taken < l) {
            match self.rx.try_read(&mut chunk) {
                Ok(0) => st.eof = true,
                Ok(n) => {
                    taken += n;
                    st.parse.buf.extend_from_slice(&chunk[..n]);
                    for event in st.parse.take_events(self.framing, false) {
                        self.sink.emit(event);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => st.eof = true,
            }
        }
        if st.eof {
            for event in st.parse.take_events(self.framing, true) {
                self.sink.emit(event);
            }
        }
        st.eof
    }
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

    fn parse(bytes: &[u8], framing: Framing, eof: bool) -> (Vec<String>, Parse) {
        let mut p = Parse { buf: bytes.to_vec(), ..Parse::default() };
        let events = p.take_events(framing, eof);
        (events, p)
    }

    #[test]
    fn lines_split_and_partial_lines_wait_for_more() {
        let (events, mut p) = parse(b"one\ntwo\nthr", Framing::Lines, false);
        assert_eq!(events, vec!["one\n", "two\n"]);
        assert_eq!(p.buf, b"thr");
        assert_eq!(p.take_events(Framing::Lines, true), vec!["thr"]);
    }

    #[test]
    fn frames_keep_multi_line_records_whole() {
        let mut buf = frame("[ERROR] boom\nTraceback (most recent call last):");
        buf.extend(&frame("second\n")[..10]);
        let (events, p) = parse(&buf, Framing::Frames, false);
        assert_eq!(events, vec!["[ERROR] boom\nTraceback (most recent call last):"]);
        assert_eq!(p.buf.len(), 10);
    }

    #[test]
    fn a_huge_line_or_record_becomes_events_of_at_most_the_limit_without_being_held_whole() {
        // A 600 KB line of 3-byte characters, arriving without its newline yet.
        let line = "あ".repeat(200_000);
        let (events, p) = parse(line.as_bytes(), Framing::Lines, false);
        assert_eq!(events.len(), 2);
        assert!(events.iter().all(|e| e.len() <= MAX_EVENT_BYTES && e.len() > MAX_EVENT_BYTES - 3));
        assert!(p.buf.len() < MAX_EVENT_BYTES);
        let rejoined: String = events.concat() + &String::from_utf8(p.buf).unwrap();
        assert_eq!(rejoined, line);
        // The same as one telemetry frame whose bytes arrive over time.
        let record = frame(&line);
        let mut p = Parse::default();
        let mut events = Vec::new();
        for part in record.chunks(100_000) {
            p.buf.extend_from_slice(part);
            events.extend(p.take_events(Framing::Frames, false));
            assert!(p.buf.len() + p.frame.len() < MAX_EVENT_BYTES + 100_000);
        }
        assert_eq!(events.len(), 3);
        assert_eq!(events.concat(), line);
    }

    #[test]
    fn messages_split_at_the_event_limit_on_character_boundaries() {
        assert_eq!(split_message("short\n".into()), vec!["short\n"]);
        let long = "é".repeat(MAX_EVENT_BYTES);
        let pieces = split_message(long.clone());
        assert_eq!(pieces.len(), 2);
        assert!(pieces.iter().all(|p| p.len() <= MAX_EVENT_BYTES));
        assert_eq!(pieces.concat(), long);
    }

    #[test]
    fn batches_respect_put_log_events_limits() {
        let small: Vec<Event> = (0..25_000).map(|i| (i, format!("line {i}\n"))).collect();
        let sizes: Vec<usize> = batches(small).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10_000, 10_000, 5_000]);
        // 1100-byte lines: 1,048,576 / 1,126 = 931 per batch.
        let wide: Vec<Event> = (0..2_000).map(|i| (i, "x".repeat(1_100))).collect();
        let out = batches(wide);
        assert!(out.iter().all(|b| batch_bytes(b) <= BATCH_BYTES));
        assert_eq!(out.iter().map(Vec::len).collect::<Vec<_>>(), vec![931, 931, 138]);
        // Four events of the largest size fit in one batch of 1 MB.
        let max: Vec<Event> = (0..5).map(|i| (i, "y".repeat(MAX_EVENT_BYTES))).collect();
        assert_eq!(batches(max).iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 1]);
        // A batch spans at most 24 hours.
        let spread = vec![(0, "a".into()), (BATCH_SPAN_MS, "b".into()), (BATCH_SPAN_MS + 1, "c".into())];
        assert_eq!(batches(spread).iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 1]);
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
