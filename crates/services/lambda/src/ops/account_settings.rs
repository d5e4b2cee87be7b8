//! GetAccountSettings: Lambda's default quotas and this account's usage in the region (function count
//! and the size of every stored package).

use crate::Lambda;
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::json;

pub fn handle(l: &Lambda, ctx: &OpContext) -> Result<Output, AwsError> {
    let (count, size) = l.state.read(ctx.account(), &ctx.region, |s| {
        let functions = s.map(|s| s.functions.values().collect::<Vec<_>>()).unwrap_or_default();
        let size: u64 = functions
            .iter()
            .map(|f| f.latest.code.size() + f.versions.values().map(|v| v.code.size()).sum::<u64>())
            .sum();
        (functions.len(), size)
    });
    Ok(Output::new(json!({
        "AccountLimit": {
            "TotalCodeSize": 80_530_636_800u64,
            "CodeSizeUnzipped": 262_144_000,
            "CodeSizeZipped": 52_428_800,
            "ConcurrentExecutions": 1000,
            "UnreservedConcurrentExecutions": 1000
        },
        "AccountUsage": { "TotalCodeSize": size, "FunctionCount": count }
    })))
}
