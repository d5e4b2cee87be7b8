//! Choice rules: JSONPath comparisons (with And/Or/Not and `*Path` operands) and JSONata `Condition`.
//! Top-level rules carry `Next` (and `Assign`, `Output`); nested ones must not.

use std::collections::HashMap;

use serde_json::Value;

use super::model::*;
use super::parse::{Edges, Parser};
use super::reader::Obj;
use crate::messages as m;
use crate::paths::PathRef;

const COMPARISONS: &[(&str, Comparison)] = &[
    ("StringEquals", Comparison::StringEquals),
    ("StringLessThan", Comparison::StringLessThan),
    ("StringGreaterThan", Comparison::StringGreaterThan),
    ("StringLessThanEquals", Comparison::StringLessThanEquals),
    ("StringGreaterThanEquals", Comparison::StringGreaterThanEquals),
    ("StringMatches", Comparison::StringMatches),
    ("NumericEquals", Comparison::NumericEquals),
    ("NumericLessThan", Comparison::NumericLessThan),
    ("NumericGreaterThan", Comparison::NumericGreaterThan),
    ("NumericLessThanEquals", Comparison::NumericLessThanEquals),
    ("NumericGreaterThanEquals", Comparison::NumericGreaterThanEquals),
    ("BooleanEquals", Comparison::BooleanEquals),
    ("TimestampEquals", Comparison::TimestampEquals),
    ("TimestampLessThan", Comparison::TimestampLessThan),
    ("TimestampGreaterThan", Comparison::TimestampGreaterThan),
    ("TimestampLessThanEquals", Comparison::TimestampLessThanEquals),
    ("TimestampGreaterThanEquals", Comparison::TimestampGreaterThanEquals),
];

const TESTS: &[(&str, TypeTest)] = &[
    ("IsNull", TypeTest::IsNull),
    ("IsPresent", TypeTest::IsPresent),
    ("IsNumeric", TypeTest::IsNumeric),
    ("IsString", TypeTest::IsString),
    ("IsBoolean", TypeTest::IsBoolean),
    ("IsTimestamp", TypeTest::IsTimestamp),
];

pub fn choice(
    p: &mut Parser,
    obj: &Obj,
    language: QueryLanguage,
    me: StateId,
    index: &HashMap<&str, StateId>,
    edges: &mut Edges,
) -> Choice {
    let default =
        obj.string("Default", &mut p.problems).map(|target| p.target(me, target, &obj.at("Default"), index, edges));
    let Some(items) = obj.array("Choices", &mut p.problems) else {
        if !obj.has("Choices") {
            p.problems.schema(m::fields_required(&["Choices"]), &obj.location);
        }
        return Choice { rules: Vec::new(), default };
    };
    if items.is_empty() {
        p.problems.schema(m::minimum_value("1 item"), &obj.at("Choices"));
    }
    let mut rules = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let location = format!("{}[{i}]", obj.at("Choices"));
        let Value::Object(map) = item else {
            p.problems.schema(m::expected_type("Object"), &location);
            continue;
        };
        let rule = Obj::new(map, location);
        let next = match rule.string("Next", &mut p.problems) {
            Some(target) => p.target(me, target, &rule.at("Next"), index, edges),
            None => {
                if !rule.has("Next") {
                    p.problems.schema(m::fields_required(&["Next"]), &rule.location);
                }
                me
            }
        };
        let assign = if rule.has("Assign") { p.assign(&rule, language) } else { None };
        let (condition, output) = match language {
            QueryLanguage::Jsonata => {
                rule.only(&["Condition", "Next", "Assign", "Output", "Comment"], &mut p.problems);
                let condition = match rule.get("Condition") {
                    Some(v) => Condition::Jsonata(p.jsonata(v, &rule.at("Condition"))),
                    None => {
                        p.problems.schema(m::fields_required(&["Condition"]), &rule.location);
                        Condition::And(Vec::new())
                    }
                };
                (condition, p.jsonata_field(&rule, "Output"))
            }
            QueryLanguage::JsonPath => {
                p.language_fields(&rule, language);
                (condition(p, &rule, true), None)
            }
        };
        rules.push(ChoiceRule { condition, next, assign, output });
    }
    Choice { rules, default }
}

fn condition(p: &mut Parser, rule: &Obj, top: bool) -> Condition {
    let mut allowed: Vec<&str> = vec!["Variable", "And", "Or", "Not", "Comment"];
    if top {
        allowed.extend(["Next", "Assign"]);
    }
    for (name, _) in COMPARISONS {
        allowed.push(name);
    }
    let path_names: Vec<String> = COMPARISONS.iter().map(|(n, _)| format!("{n}Path")).collect();
    allowed.extend(path_names.iter().map(String::as_str));
    for (name, _) in TESTS {
        allowed.push(name);
    }
    rule.only(&allowed, &mut p.problems);
    if !top && rule.has("Next") {
        p.problems.schema(m::field_not_supported("Next"), &rule.location);
    }

    let operators: Vec<&String> =
        rule.map.keys().filter(|k| !matches!(k.as_str(), "Variable" | "Next" | "Assign" | "Comment")).collect();
    if operators.len() != 1 {
        p.problems.schema(m::CHOICE_RULE_INVALID, &rule.location);
        return Condition::And(Vec::new());
    }
    let op = operators[0].as_str();
    match op {
        "And" | "Or" => {
            let Some(items) = rule.array(op, &mut p.problems) else {
                return Condition::And(Vec::new());
            };
            let mut inner = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let location = format!("{}[{i}]", rule.at(op));
                match item {
                    Value::Object(map) => inner.push(condition(p, &Obj::new(map, location), false)),
                    _ => p.problems.schema(m::expected_type("Object"), &location),
                }
            }
            if op == "And" { Condition::And(inner) } else { Condition::Or(inner) }
        }
        "Not" => match rule.object("Not", &mut p.problems) {
            Some(map) => Condition::Not(Box::new(condition(p, &Obj::new(map, rule.at("Not")), false))),
            None => Condition::And(Vec::new()),
        },
        _ => {
            let variable = match rule.string("Variable", &mut p.problems) {
                Some(text) => match PathRef::parse(text) {
                    Ok(path) => Some(path),
                    Err(_) => {
                        p.problems.schema(m::NOT_A_JSON_PATH, &rule.at("Variable"));
                        None
                    }
                },
                None => {
                    if !rule.has("Variable") {
                        p.problems.schema(m::fields_required(&["Variable"]), &rule.location);
                    }
                    None
                }
            };
            let Some(variable) = variable else {
                return Condition::And(Vec::new());
            };
            comparison(p, rule, op, variable)
        }
    }
}

fn comparison(p: &mut Parser, rule: &Obj, op: &str, variable: PathRef) -> Condition {
    let value = rule.get(op).cloned().unwrap_or(Value::Null);
    if let Some((_, test)) = TESTS.iter().find(|(n, _)| *n == op) {
        let Some(expected) = value.as_bool() else {
            p.problems.schema(m::expected_type("Boolean"), &rule.at(op));
            return Condition::And(Vec::new());
        };
        return Condition::Test { variable, test: *test, expected };
    }
    if let Some(base) = op.strip_suffix("Path")
        && let Some((_, cmp)) = COMPARISONS.iter().find(|(n, _)| *n == base)
    {
        if *cmp == Comparison::StringMatches {
            p.problems.schema(m::field_not_supported(op), &rule.location);
        }
        return match value.as_str().map(PathRef::parse) {
            Some(Ok(path)) => Condition::Compare { variable, op: *cmp, operand: Operand::Path(path) },
            _ => {
                p.problems.schema(m::NOT_A_JSON_PATH, &rule.at(op));
                Condition::And(Vec::new())
            }
        };
    }
    let Some((_, cmp)) = COMPARISONS.iter().find(|(n, _)| *n == op) else {
        p.problems.schema(m::CHOICE_RULE_INVALID, &rule.location);
        return Condition::And(Vec::new());
    };
    let type_ok = match cmp {
        Comparison::StringEquals
        | Comparison::StringLessThan
        | Comparison::StringGreaterThan
        | Comparison::StringLessThanEquals
        | Comparison::StringGreaterThanEquals
        | Comparison::StringMatches => value.is_string(),
        Comparison::NumericEquals
        | Comparison::NumericLessThan
        | Comparison::NumericGreaterThan
        | Comparison::NumericLessThanEquals
        | Comparison::NumericGreaterThanEquals => value.is_number(),
        Comparison::BooleanEquals => value.is_boolean(),
        _ => value.as_str().is_some_and(|t| crate::time::parse_iso(t).is_some()),
    };
    if !type_ok {
        let expected = match cmp {
            Comparison::BooleanEquals => "Boolean",
            Comparison::NumericEquals
            | Comparison::NumericLessThan
            | Comparison::NumericGreaterThan
            | Comparison::NumericLessThanEquals
            | Comparison::NumericGreaterThanEquals => "Number",
            Comparison::TimestampEquals
            | Comparison::TimestampLessThan
            | Comparison::TimestampGreaterThan
            | Comparison::TimestampLessThanEquals
            | Comparison::TimestampGreaterThanEquals => "Timestamp",
            _ => "String",
        };
        p.problems.schema(m::expected_type(expected), &rule.at(op));
    }
    Condition::Compare { variable, op: *cmp, operand: Operand::Literal(value) }
}
