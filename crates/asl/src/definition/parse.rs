//! The definition parser: top level, state lists, and the fields every state type shares.
//! It collects all problems it finds rather than stopping at the first, as AWS does.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::model::*;
use super::reader::{Obj, PathKind, Problems};
use super::{Diagnostic, StateMachineType, graph, states};
use crate::messages as m;
use crate::paths::is_variable_name;
use crate::query::QueryEngine;
use crate::template::{Jsonata, Payload};

pub struct Parsed {
    pub blocks: Vec<Block>,
    pub diagnostics: Vec<Diagnostic>,
    pub timeout_seconds: Option<u64>,
    pub resources: Vec<String>,
}

/// Transitions recorded while parsing, checked once every state of the block is known.
#[derive(Default)]
pub struct Edges {
    /// (from state, to state)
    pub edges: Vec<(StateId, StateId)>,
    pub terminal: Vec<bool>,
}

pub struct Parser<'e> {
    pub engine: &'e dyn QueryEngine,
    pub kind: StateMachineType,
    pub top_language: QueryLanguage,
    pub blocks: Vec<Block>,
    pub problems: Problems,
    /// Transition problems come after schema problems in AWS's list.
    pub transitions: Problems,
    pub names: HashMap<String, String>,
    pub resources: Vec<String>,
}

const TOP_FIELDS: &[&str] = &["Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"];

pub fn parse(text: &str, kind: StateMachineType, engine: &dyn QueryEngine) -> Parsed {
    let mut parsed =
        Parsed { blocks: Vec::new(), diagnostics: Vec::new(), timeout_seconds: None, resources: Vec::new() };
    if text.trim().is_empty() {
        parsed.diagnostics.push(Diagnostic::error(m::SCHEMA_VALIDATION_FAILED, m::NOT_A_JSON_OBJECT, None));
        return parsed;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let location = format!(
                "[Source: (String)\"{}\"; line: {}, column: {}]",
                text.chars().take(500).collect::<String>(),
                e.line(),
                e.column()
            );
            parsed.diagnostics.push(Diagnostic::error(
                m::INVALID_JSON_DESCRIPTION,
                format!("{e}\n at {location}"),
                Some(&location),
            ));
            return parsed;
        }
    };
    let Value::Object(root) = &value else {
        parsed.diagnostics.push(Diagnostic::error(m::SCHEMA_VALIDATION_FAILED, m::NOT_A_JSON_OBJECT, None));
        return parsed;
    };
    let mut p = Parser {
        engine,
        kind,
        top_language: QueryLanguage::JsonPath,
        blocks: Vec::new(),
        problems: Problems::default(),
        transitions: Problems::default(),
        names: HashMap::new(),
        resources: Vec::new(),
    };
    let top = Obj::new(root, "/");
    top.only(TOP_FIELDS, &mut p.problems);
    if let Some(ql) = top.string("QueryLanguage", &mut p.problems) {
        match ql {
            "JSONPath" => {}
            "JSONata" => p.top_language = QueryLanguage::Jsonata,
            _ => p.problems.schema(m::INVALID_QUERY_LANGUAGE, "/QueryLanguage"),
        }
    }
    top.string("Comment", &mut p.problems);
    top.string("Version", &mut p.problems);
    parsed.timeout_seconds = top.integer("TimeoutSeconds", 1, 99_999_999, &mut p.problems);
    let missing: Vec<&str> = ["States", "StartAt"].into_iter().filter(|f| !top.has(f)).collect();
    if !missing.is_empty() {
        p.problems.schema(m::fields_required(&missing), "/");
    } else {
        p.block(root, "");
    }
    parsed.diagnostics = p.problems.list;
    parsed.diagnostics.extend(p.transitions.list);
    parsed.blocks = p.blocks;
    parsed.resources = p.resources;
    parsed
}

impl Parser<'_> {
    /// Parses `StartAt` + `States` at `prefix` (`""` for the top, `/States/M/ItemProcessor`...).
    pub fn block(&mut self, obj: &Map<String, Value>, prefix: &str) -> BlockId {
        let id = self.blocks.len();
        let states_location = format!("{prefix}/States");
        self.blocks.push(Block { start_at: 0, states: Vec::new(), location: states_location.clone() });
        let here = Obj::new(obj, if prefix.is_empty() { "/" } else { prefix });
        let start_at = here.string("StartAt", &mut self.problems).unwrap_or("");
        let Some(states_obj) = here.object("States", &mut self.problems) else {
            return id;
        };
        let names: Vec<&String> = states_obj.keys().collect();
        let index: HashMap<&str, StateId> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        for name in &names {
            let location = format!("{states_location}/{name}");
            if name.chars().count() > 80 {
                self.problems.schema(m::STATE_NAME_TOO_LONG, &location);
            }
            if self.names.insert((*name).clone(), location.clone()).is_some() {
                self.problems.error(m::DUPLICATE_STATE_NAME, m::duplicate_state_name(name), Some(&location));
            }
        }
        let start = match index.get(start_at) {
            Some(i) => Some(*i),
            None => {
                if !start_at.is_empty() || here.has("StartAt") {
                    let at = if prefix.is_empty() { "/StartAt".to_string() } else { format!("{prefix}/StartAt") };
                    self.transitions.error(m::MISSING_TRANSITION_TARGET, m::missing_next_target(start_at), Some(&at));
                }
                None
            }
        };
        let mut edges = Edges { edges: Vec::new(), terminal: vec![false; names.len()] };
        let mut parsed_states = Vec::with_capacity(names.len());
        for (i, (name, value)) in states_obj.iter().enumerate() {
            let location = format!("{states_location}/{name}");
            let Value::Object(state_obj) = value else {
                self.problems.schema(m::expected_type("Object"), &location);
                parsed_states.push(placeholder(name));
                continue;
            };
            let state = states::state(self, name, state_obj, &location, i, &index, &mut edges);
            parsed_states.push(state);
        }
        graph::check(self, &names, start, &edges, &states_location);
        self.blocks[id].start_at = start.unwrap_or(0);
        self.blocks[id].states = parsed_states;
        id
    }

    /// A state's effective language, with the rule that JSONata machines can't downgrade.
    pub fn language(&mut self, obj: &Obj) -> QueryLanguage {
        match obj.string("QueryLanguage", &mut self.problems) {
            None => self.top_language,
            Some("JSONata") => QueryLanguage::Jsonata,
            Some("JSONPath") => {
                if self.top_language == QueryLanguage::Jsonata {
                    self.problems.schema(m::query_language_downgrade(), &obj.location);
                    QueryLanguage::Jsonata
                } else {
                    QueryLanguage::JsonPath
                }
            }
            Some(_) => {
                self.problems.schema(m::INVALID_QUERY_LANGUAGE, &obj.at("QueryLanguage"));
                self.top_language
            }
        }
    }

    /// Fields of one language used in a state of the other.
    pub fn language_fields(&mut self, obj: &Obj, language: QueryLanguage) {
        const JSONPATH_ONLY: &[&str] = &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Result",
            "ItemsPath",
            "TimeoutSecondsPath",
            "HeartbeatSecondsPath",
            "SecondsPath",
            "TimestampPath",
            "ErrorPath",
            "CausePath",
            "MaxConcurrencyPath",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentagePath",
            "Variable",
            "And",
            "Or",
            "Not",
        ];
        const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items", "Condition"];
        let (foreign, current, other) = match language {
            QueryLanguage::Jsonata => (JSONPATH_ONLY, "JSONata", "JSONPath"),
            QueryLanguage::JsonPath => (JSONATA_ONLY, "JSONPath", "JSONata"),
        };
        for key in obj.map.keys() {
            if foreign.contains(&key.as_str()) {
                self.problems.schema(m::field_only_for(current, key, other), &obj.location);
            }
        }
    }

    pub fn payload(&mut self, obj: &Obj, field: &str) -> Option<Payload> {
        let v = obj.get(field)?;
        let mut problems = Vec::new();
        let payload = Payload::parse(v, &obj.at(field), &mut problems);
        for (location, message) in problems {
            self.problems.schema(message, &location);
        }
        Some(payload)
    }

    pub fn jsonata(&mut self, value: &Value, location: &str) -> Jsonata {
        let mut problems = Vec::new();
        let j = Jsonata::parse(value, self.engine, location, &mut problems);
        for (location, message) in problems {
            self.problems.schema(message, &location);
        }
        j
    }

    pub fn jsonata_field(&mut self, obj: &Obj, field: &str) -> Option<Jsonata> {
        let v = obj.get(field)?;
        Some(self.jsonata(v, &obj.at(field)))
    }

    /// `Assign`: an object of variable names; `$states` is reserved.
    pub fn assign(&mut self, obj: &Obj, language: QueryLanguage) -> Option<Assign> {
        let fields = obj.object("Assign", &mut self.problems)?;
        let location = obj.at("Assign");
        for key in fields.keys() {
            let name = key.strip_suffix(".$").unwrap_or(key);
            if name == "states" {
                self.problems.schema(m::RESERVED_VARIABLE, &format!("{location}/{key}"));
            } else if !is_variable_name(name) {
                self.problems.schema(m::INVALID_VARIABLE_NAME, &format!("{location}/{key}"));
            }
        }
        Some(match language {
            QueryLanguage::JsonPath => {
                let v = obj.get("Assign")?;
                let mut problems = Vec::new();
                let payload = Payload::parse(v, &location, &mut problems);
                for (l, msg) in problems {
                    self.problems.schema(msg, &l);
                }
                Assign::JsonPath(payload)
            }
            QueryLanguage::Jsonata => Assign::Jsonata(
                fields.iter().map(|(k, v)| (k.clone(), self.jsonata(v, &format!("{location}/{k}")))).collect(),
            ),
        })
    }

    /// The query-language part of a state's input/output processing.
    pub fn io(&mut self, obj: &Obj, language: QueryLanguage, result_fields: bool) -> Io {
        match language {
            QueryLanguage::JsonPath => Io::JsonPath {
                input_path: obj.path("InputPath", PathKind::Any, &mut self.problems),
                parameters: self.payload(obj, "Parameters"),
                result_selector: if result_fields { self.payload(obj, "ResultSelector") } else { None },
                result_path: if result_fields || obj.has("ResultPath") {
                    obj.path("ResultPath", PathKind::Result, &mut self.problems)
                } else {
                    None
                },
                output_path: obj.path("OutputPath", PathKind::Any, &mut self.problems),
            },
            QueryLanguage::Jsonata => Io::Jsonata {
                arguments: self.jsonata_field(obj, "Arguments"),
                output: self.jsonata_field(obj, "Output"),
            },
        }
    }

    /// Resolves a transition target, recording the edge or a MISSING_TRANSITION_TARGET.
    pub fn target(
        &mut self,
        from: StateId,
        target: &str,
        location: &str,
        index: &HashMap<&str, StateId>,
        edges: &mut Edges,
    ) -> StateId {
        match index.get(target) {
            Some(to) => {
                edges.edges.push((from, *to));
                *to
            }
            None => {
                self.transitions.error(m::MISSING_TRANSITION_TARGET, m::missing_next_target(target), Some(location));
                from
            }
        }
    }
}

fn placeholder(name: &str) -> State {
    State {
        name: name.to_string(),
        query_language: QueryLanguage::JsonPath,
        kind: StateKind::Succeed,
        next: None,
        io: Io::Jsonata { arguments: None, output: None },
        assign: None,
        retry: Vec::new(),
        catch: Vec::new(),
        needs_context: false,
        needs_execution_input: false,
    }
}
