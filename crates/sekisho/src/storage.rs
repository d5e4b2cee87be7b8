//! Start-up of the durable world: open the data directory (or stay in memory), load it or a snapshot, hand
//! the door its store, and flush the decision log's tail periodically.

use sekisho_core::Door;
use sekisho_core::persist::Persistence;
use sekisho_store::SqliteStore;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How often records that no call waits for (the decision log) are written.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Opens `dir` and loads it into the door (or `snapshot` into both); without `dir`, loads `snapshot` into
/// memory if given. Refuses, with the reason, a directory in use, damaged or written by a newer sekisho.
pub fn open(door: &Arc<Door>, dir: Option<&Path>, snapshot: Option<&Path>) -> Result<Option<Arc<Persistence>>, String> {
    let now = door.world().clock.now_ms();
    let Some(dir) = dir else {
        if let Some(file) = snapshot {
            door.restore(sekisho_store::read_snapshot(file)?)?;
        }
        return Ok(None);
    };
    let store = Arc::new(SqliteStore::open(dir)?);
    let persistence = Persistence::new(store, door.durable_parts());
    // Before loading: from here on the world remembers what changes (expired sessions dropped by the load
    // included), and no call is served before the listener opens.
    door.set_persistence(persistence.clone())?;
    match snapshot {
        // The directory starts over from the snapshot: what it held is replaced, in one transaction.
        Some(file) => persistence.replace(sekisho_store::read_snapshot(file)?, now)?,
        None => {
            persistence.load(now).map_err(|e| format!("loading {}: {e}; it was left untouched", dir.display()))?;
        }
    }
    // Running executions and queued invocations start again, before the first call is served.
    door.resume();
    let flusher = Arc::downgrade(&persistence);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(FLUSH_EVERY).await;
            let Some(p) = flusher.upgrade() else { return };
            if let Err(e) = p.flush().await {
                eprintln!("sekisho: writing the decision log: {e}");
            }
        }
    });
    Ok(Some(persistence))
}
