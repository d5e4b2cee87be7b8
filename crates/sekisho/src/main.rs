//! sekisho: a multi-account AWS on one machine. Every call passes the checkpoint (関所): SigV4 identity,
//! AWS's policy evaluation, then the service.

mod cli;
mod http;
mod proxy;
mod services;
mod storage;

use std::process::ExitCode;

/// Counts what each Step Functions expression allocates, so one that grows without end is stopped at its
/// memory budget instead of exhausting the process.
#[global_allocator]
static ALLOCATOR: sekisho_states::memory::MeteredAllocator = sekisho_states::memory::MeteredAllocator;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("sekisho: {msg}");
            ExitCode::from(2)
        }
    }
}
