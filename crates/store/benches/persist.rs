//! The cost of durability, measured through the door (authorization, the IAM handler, the commit): mutating
//! calls per second and their p50/p99 latency in memory and with a data directory in the same run, start-up
//! (load) time and memory of a world of 10,000 roles, and snapshot save and restore times.
//! Run with `cargo bench -p sekisho-store --bench persist`; it prints its figures.
//! `SEKISHO_BIN=target/release/sekisho` also measures the real binary's start-up on that world (time to the
//! ready line, resident memory).

use sekisho_core::config::Config;
use sekisho_core::identity::Identity;
use sekisho_core::persist::Persistence;
use sekisho_core::{Call, Caller, Door, World};
use sekisho_store::SqliteStore;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const A: &str = "111111111111";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const CALLS: usize = 2000;
const ROLES: usize = 10_000;

fn door() -> Arc<Door> {
    let world = Arc::new(World::new(Config::defaults()));
    Door::builder(world)
        .register(Arc::new(sekisho_iam::Iam))
        .register(Arc::new(sekisho_sts::Sts))
        .register(Arc::new(sekisho_logs::Logs::new()))
        .build()
}

fn durable_door(dir: &Path) -> (Arc<Door>, Arc<Persistence>) {
    let door = door();
    let store = Arc::new(SqliteStore::open(dir).expect("a data directory"));
    let p = Persistence::new(store, door.durable_parts());
    door.set_persistence(p.clone()).expect("one store");
    p.load(0).expect("load");
    (door, p)
}

fn root() -> Caller {
    Caller::new(Identity::Root { account: A.into() })
}

/// `n` calls from `concurrency` tasks; returns (calls/s, p50, p99).
async fn burst(
    door: &Arc<Door>,
    n: usize,
    concurrency: usize,
    op: &'static str,
    input: fn(usize) -> (String, serde_json::Value),
) -> (f64, Duration, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let door = door.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let caller = root();
            for i in (t..n).step_by(concurrency) {
                let (service, input) = input(i);
                let s = Instant::now();
                let out = door.call(&caller, Call::new(&service, op, input, "us-east-1")).await;
                if let Err(e) = out {
                    panic!("{op}: {e}");
                }
                lat.push(s.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("a task"));
    }
    let total = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    (n as f64 / total.as_secs_f64(), pct(0.50), pct(0.99))
}

fn create_role(i: usize) -> (String, serde_json::Value) {
    ("iam".into(), json!({ "RoleName": format!("r{i}"), "AssumeRolePolicyDocument": TRUST }))
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let base = std::env::temp_dir().join(format!("sekisho-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    rt.block_on(async {
        println!("mutating calls (IAM CreateRole through the door, {CALLS} calls per row)");
        println!("{:<28} {:>10} {:>10} {:>10}", "", "calls/s", "p50 ms", "p99 ms");
        for concurrency in [1, 16] {
            let memory = door();
            let (rate, p50, p99) = burst(&memory, CALLS, concurrency, "CreateRole", create_role).await;
            println!(
                "{:<28} {rate:>10.0} {:>10.3} {:>10.3}",
                format!("in memory, {concurrency} at once"),
                ms(p50),
                ms(p99)
            );
            let dir = base.join(format!("calls-{concurrency}"));
            let (durable, _p) = durable_door(&dir);
            let (rate, p50, p99) = burst(&durable, CALLS, concurrency, "CreateRole", create_role).await;
            println!(
                "{:<28} {rate:>10.0} {:>10.3} {:>10.3}",
                format!("--data-dir, {concurrency} at once"),
                ms(p50),
                ms(p99)
            );
        }

        // The same account in memory, for comparison.
        {
            let memory = door();
            burst(&memory, ROLES, 16, "CreateRole", create_role).await;
            let (rate, p50, p99) = burst(&memory, 200, 1, "CreateRole", |i| create_role(ROLES + i)).await;
            println!(
                "\nin memory, CreateRole in an account of {ROLES} roles: {rate:.0} calls/s, p50 {:.3} ms, p99 {:.3} ms",
                ms(p50),
                ms(p99)
            );
        }

        // A world of 10,000 roles in one account, written through the door.
        let dir = base.join("roles");
        {
            let (door, p) = durable_door(&dir);
            let (rate, _, _) = burst(&door, ROLES, 16, "CreateRole", create_role).await;
            p.flush().await.expect("flush");
            println!("\n{ROLES} roles in one account written at {rate:.0} calls/s (16 at once)");
            let (rate, p50, p99) = burst(&door, 200, 1, "CreateRole", |i| create_role(ROLES + i)).await;
            println!(
                "CreateRole in that account: {rate:.0} calls/s, p50 {:.3} ms, p99 {:.3} ms (1 at once)",
                ms(p50),
                ms(p99)
            );
        }
        let before = rss_kib();
        let started = Instant::now();
        let (door, p) = durable_door(&dir);
        let load = started.elapsed();
        println!(
            "load of {} roles: {:.1} ms, resident memory +{} KiB",
            ROLES + 200,
            ms(load),
            rss_kib().saturating_sub(before)
        );

        let file = base.join("world.snapshot");
        let started = Instant::now();
        let records = door.snapshot().expect("snapshot");
        sekisho_store::write_snapshot(&file, &records).expect("write");
        let save = started.elapsed();
        let started = Instant::now();
        let records = sekisho_store::read_snapshot(&file).expect("read");
        door.restore(records).expect("restore");
        let restore = started.elapsed();
        println!("snapshot of that world: save {:.1} ms, restore {:.1} ms", ms(save), ms(restore));
        drop(p);

        // A small world, as test suites reset between tests.
        let small = door_with_roles(50).await;
        let file = base.join("small.snapshot");
        let started = Instant::now();
        sekisho_store::write_snapshot(&file, &small.snapshot().expect("snapshot")).expect("write");
        let save = started.elapsed();
        let started = Instant::now();
        small.restore(sekisho_store::read_snapshot(&file).expect("read")).expect("restore");
        println!("snapshot of 50 roles (in memory): save {:.2} ms, restore {:.2} ms", ms(save), ms(started.elapsed()));
    });
    drop(rt);

    if let Ok(bin) = std::env::var("SEKISHO_BIN") {
        binary_start(&bin, &base.join("roles"));
    }
    let _ = std::fs::remove_dir_all(&base);
}

async fn door_with_roles(n: usize) -> Arc<Door> {
    let d = door();
    burst(&d, n, 1, "CreateRole", create_role).await;
    d
}

/// The real binary on the 10,000-role directory: time to its ready line and its resident memory then.
fn binary_start(bin: &str, dir: &Path) {
    use std::io::{BufRead, BufReader};
    let started = Instant::now();
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let ready = started.elapsed();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let rss = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap_or("?").trim().to_string();
    println!("sekisho serve on {ROLES} roles: ready in {:.0} ms, resident memory {rss}", ms(ready));
    let _ = child.kill();
    let _ = child.wait();
}
