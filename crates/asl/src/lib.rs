//! Amazon States Language: definitions, JSONPath and JSONata processing, and an interpreter.
//! Pure: no IO, no clock reads, no threads; the caller drives time and task results.

pub mod definition;
pub mod env;
pub mod exec;
pub mod failure;
pub mod history;
pub mod intrinsics;
pub mod json;
pub mod jsonpath;
pub mod messages;
pub mod paths;
pub mod query;
pub mod template;
pub mod time;
