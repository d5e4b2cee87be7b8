//! ListFunctions: the account's functions in this region by name (`$LATEST`, or every version with
//! `FunctionVersion=ALL`), paginated with `Marker`/`MaxItems`.

use crate::view::{self, Phase};
use crate::{Lambda, input};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Map, Value, json};

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let all = input::str(&input, "FunctionVersion") == Some("ALL");
    let max = input::u64(&input, "MaxItems").unwrap_or(50).clamp(1, 10_000) as usize;
    let marker = input::str(&input, "Marker").unwrap_or_default().to_string();
    let (region, account) = (ctx.region.clone(), ctx.account().to_string());
    let mut items: Vec<(String, Value)> = l.state.read(&account, &region, |s| {
        let mut out = Vec::new();
        for f in s.map(|s| s.functions.values()).into_iter().flatten() {
            out.push((
                format!("{}:$LATEST", f.name),
                view::configuration(&region, &account, f, &f.latest, Phase::Listed),
            ));
            if all {
                for (n, v) in &f.versions {
                    let key = format!("{}:{n:020}", f.name);
                    out.push((key, view::configuration(&region, &account, f, v, Phase::Listed)));
                }
            }
        }
        out
    });
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let start = items.iter().position(|(k, _)| *k > marker).unwrap_or(items.len());
    let page: Vec<(String, Value)> = items.into_iter().skip(start).collect();
    let mut out = Map::new();
    if page.len() > max {
        out.insert("NextMarker".into(), json!(page[max - 1].0));
    }
    let functions: Vec<Value> = page.into_iter().take(max).map(|(_, v)| v).collect();
    out.insert("Functions".into(), Value::Array(functions));
    Ok(Output::new(Value::Object(out)))
}
