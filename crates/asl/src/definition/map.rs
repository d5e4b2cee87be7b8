//! Map states: the item processor, its mode, items, selectors, batching and failure tolerance.
//! Legacy `Iterator` and `Parameters` are read as `ItemProcessor` and `ItemSelector`.

use super::model::*;
use super::parse::Parser;
use super::reader::{Obj, PathKind};
use super::states::{number, number_in};
use crate::messages as m;

pub fn map_state(p: &mut Parser, obj: &Obj, language: QueryLanguage) -> MapState {
    obj.exclusive(&["ItemProcessor", "Iterator"], &mut p.problems);
    obj.exclusive(&["ItemSelector", "Parameters"], &mut p.problems);
    obj.exclusive(&["ItemsPath", "Items"], &mut p.problems);
    let field = if obj.has("Iterator") { "Iterator" } else { "ItemProcessor" };
    let mut mode = ProcessorMode::Inline;
    let processor = match obj.object(field, &mut p.problems) {
        Some(map) => {
            let proc_obj = Obj::new(map, obj.at(field));
            proc_obj.only(&["StartAt", "States", "ProcessorConfig", "Comment"], &mut p.problems);
            if let Some(config) = proc_obj.object("ProcessorConfig", &mut p.problems) {
                let config = Obj::new(config, proc_obj.at("ProcessorConfig"));
                config.only(&["Mode", "ExecutionType"], &mut p.problems);
                match config.string("Mode", &mut p.problems) {
                    Some("DISTRIBUTED") => mode = ProcessorMode::Distributed,
                    Some("INLINE") | None => {}
                    Some(_) => p.problems.schema(m::expected_type("INLINE | DISTRIBUTED"), &config.at("Mode")),
                }
                match config.string("ExecutionType", &mut p.problems) {
                    Some("STANDARD") | Some("EXPRESS") | None => {}
                    Some(_) => p.problems.schema(m::expected_type("STANDARD | EXPRESS"), &config.at("ExecutionType")),
                }
            }
            let missing: Vec<&str> = ["States", "StartAt"].into_iter().filter(|f| !proc_obj.has(f)).collect();
            if missing.is_empty() {
                Some(p.block(map, &obj.at(field)))
            } else {
                p.problems.schema(m::fields_required(&missing), &proc_obj.location);
                None
            }
        }
        None => {
            if !obj.has(field) {
                p.problems.schema(m::fields_required(&["ItemProcessor"]), &obj.location);
            }
            None
        }
    };
    let selector_field = if obj.has("Parameters") { "Parameters" } else { "ItemSelector" };
    let (item_selector, item_selector_jsonata) = match language {
        QueryLanguage::JsonPath => (p.payload(obj, selector_field), None),
        QueryLanguage::Jsonata => (None, p.jsonata_field(obj, "ItemSelector")),
    };
    let item_batcher = obj.object("ItemBatcher", &mut p.problems).map(|b| {
        let b = Obj::new(b, obj.at("ItemBatcher"));
        b.only(
            &[
                "MaxItemsPerBatch",
                "MaxItemsPerBatchPath",
                "MaxInputBytesPerBatch",
                "MaxInputBytesPerBatchPath",
                "BatchInput",
            ],
            &mut p.problems,
        );
        ItemBatcher {
            max_items_per_batch: number(p, &b, "MaxItemsPerBatch", "MaxItemsPerBatchPath", language, 0, 100_000_000),
            max_input_bytes_per_batch: number(
                p,
                &b,
                "MaxInputBytesPerBatch",
                "MaxInputBytesPerBatchPath",
                language,
                0,
                262_144,
            ),
            batch_input: match language {
                QueryLanguage::JsonPath => p.payload(&b, "BatchInput"),
                QueryLanguage::Jsonata => None,
            },
            batch_input_jsonata: match language {
                QueryLanguage::Jsonata => p.jsonata_field(&b, "BatchInput"),
                QueryLanguage::JsonPath => None,
            },
        }
    });
    MapState {
        processor: processor.unwrap_or(0),
        mode,
        items_path: match language {
            QueryLanguage::JsonPath => obj.path("ItemsPath", PathKind::Any, &mut p.problems).flatten(),
            QueryLanguage::Jsonata => None,
        },
        items: p.jsonata_field(obj, "Items"),
        item_selector,
        item_selector_jsonata,
        max_concurrency: number(p, obj, "MaxConcurrency", "MaxConcurrencyPath", language, 0, 99_999_999),
        tolerated_failure_count: number(
            p,
            obj,
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            language,
            0,
            99_999_999,
        ),
        tolerated_failure_percentage: number_in(
            p,
            obj,
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            language,
            0,
            100,
            true,
        ),
        item_batcher,
        item_reader: obj.get("ItemReader").cloned(),
        label: obj.string("Label", &mut p.problems).map(str::to_string),
    }
}
