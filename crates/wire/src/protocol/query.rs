//! Requests of the `query` and `ec2` protocols: form parameters such as `Tags.member.1.Key`
//! or `Filter.1.Value.2` read back into the internal value, following the input shape.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::json::MAX_DEPTH;
use super::text::{BadScalar, parse_scalar};
use crate::model::{Protocol, Ref, ServiceModel, Shape, ShapeType, TimestampFormat};

/// A parameter whose text does not fit its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTypeError {
    /// The parameter name as sent, e.g. `DurationSeconds`.
    pub param: String,
    pub value: String,
    pub expected: &'static str,
}

/// Form parameters by name; the first occurrence of a name wins.
pub struct Params<'a> {
    map: BTreeMap<&'a str, &'a str>,
}

impl<'a> Params<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> Self {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            map.entry(k.as_str()).or_insert(v.as_str());
        }
        Params { map }
    }

    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.map.get(name).copied()
    }

    /// Whether `name` or anything nested under `name.` was sent.
    fn present(&self, name: &str) -> bool {
        if self.map.contains_key(name) {
            return true;
        }
        let prefix = format!("{name}.");
        self.map.range(prefix.as_str()..).next().is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// The distinct positive indexes `i` of parameters named `prefix.i` or `prefix.i.*`, ascending.
    fn indexes(&self, prefix: &str) -> Vec<u32> {
        let start = format!("{prefix}.");
        let mut found: Vec<u32> = Vec::new();
        for (k, _) in self.map.range(start.as_str()..) {
            let Some(rest) = k.strip_prefix(&start) else {
                break;
            };
            let index = rest.split('.').next().unwrap_or("");
            if let Ok(i) = index.parse::<u32>() {
                if i > 0 && !index.starts_with('+') && found.last() != Some(&i) {
                    found.push(i);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

struct Reader<'p, 'a> {
    model: &'p ServiceModel,
    params: &'p Params<'a>,
    ec2: bool,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}

/// EC2's parameter names start upper-case even where the model's names do not.
pub(crate) fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads the input structure of an operation from form parameters.
pub fn decode(model: &ServiceModel, shape: &Shape, params: &Params) -> Result<Value, QueryTypeError> {
    let reader = Reader { model, params, ec2: model.protocol() == Protocol::Ec2 };
    reader.structure(shape, "", 0).map(Value::Object)
}

impl Reader<'_, '_> {
    /// Parameter names a member may be sent under, preferred first. Clients differ here
    /// (botocore keeps a member's own name where Smithy SDKs capitalize it), so both are read.
    fn names(&self, r: &Ref) -> Vec<String> {
        if self.ec2 {
            let mut names = Vec::with_capacity(2);
            if let Some(q) = &r.member.query_name {
                names.push(q.clone());
            } else if let Some(l) = r.location_name() {
                names.push(capitalize(l));
            } else {
                names.push(capitalize(r.name));
            }
            names.push(r.location_name().unwrap_or(r.name).to_string());
            names.push(r.name.to_string());
            let mut unique: Vec<String> = Vec::with_capacity(names.len());
            for n in names {
                if !unique.contains(&n) {
                    unique.push(n);
                }
            }
            unique
        } else {
            let mut names = vec![r.location_name().unwrap_or(r.name).to_string()];
            if names[0] != r.name {
                names.push(r.name.to_string());
            }
            names
        }
    }

    fn structure(&self, shape: &Shape, prefix: &str, depth: usize) -> Result<Map<String, Value>, QueryTypeError> {
        let mut out = Map::new();
        if depth > MAX_DEPTH {
            return Ok(out);
        }
        for r in self.model.members(shape) {
            for name in self.names(&r) {
                let key = join(prefix, &name);
                if let Some(v) = self.value(&r, &key, depth + 1)? {
                    out.insert(r.name.to_string(), v);
                    break;
                }
            }
        }
        Ok(out)
    }

    fn value(&self, r: &Ref, key: &str, depth: usize) -> Result<Option<Value>, QueryTypeError> {
        match r.shape.shape_type {
            _ if r.shape.document => Ok(None),
            ShapeType::Structure | ShapeType::Union => {
                if !self.params.present(key) {
                    return Ok(None);
                }
                self.structure(r.shape, key, depth).map(|m| Some(Value::Object(m)))
            }
            ShapeType::List => self.list(r, key, depth),
            ShapeType::Map => self.map(r, key, depth),
            ty => match self.params.get(key) {
                None => Ok(None),
                Some(text) => {
                    let format = r.timestamp_format().unwrap_or(TimestampFormat::Iso8601);
                    parse_scalar(ty, format, text).map(Some).map_err(|BadScalar { expected }| QueryTypeError {
                        param: key.to_string(),
                        value: text.to_string(),
                        expected,
                    })
                }
            },
        }
    }

    fn list(&self, r: &Ref, key: &str, depth: usize) -> Result<Option<Value>, QueryTypeError> {
        let Some(element) = self.model.element("member", r.shape.member.as_deref()) else {
            return Ok(None);
        };
        // Where the elements live: `key.i` (ec2, flattened), `key.member.i` or `key.<name>.i`.
        let mut prefixes = Vec::with_capacity(2);
        if self.ec2 || r.flattened() {
            prefixes.push(key.to_string());
            if let (false, Some(item)) = (self.ec2, element.member.location_name.as_deref()) {
                // botocore renames the last segment after the list member for flattened lists.
                let parent = key.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
                prefixes.push(join(parent, item));
            }
        } else {
            prefixes.push(join(key, element.location_name().unwrap_or("member")));
        }
        for prefix in &prefixes {
            let indexes = self.params.indexes(prefix);
            if indexes.is_empty() {
                continue;
            }
            let mut items = Vec::with_capacity(indexes.len());
            for i in indexes {
                let item_key = format!("{prefix}.{i}");
                if let Some(v) = self.value(&element, &item_key, depth + 1)? {
                    items.push(v);
                }
            }
            return Ok(Some(Value::Array(items)));
        }
        // `List=` with nothing nested is how query clients send an empty list.
        Ok((self.params.get(key) == Some("")).then(|| Value::Array(Vec::new())))
    }

    fn map(&self, r: &Ref, key: &str, depth: usize) -> Result<Option<Value>, QueryTypeError> {
        let (Some(k), Some(v)) =
            (self.model.element("key", r.shape.key.as_deref()), self.model.element("value", r.shape.value.as_deref()))
        else {
            return Ok(None);
        };
        let prefix = if r.flattened() { key.to_string() } else { join(key, "entry") };
        let key_name = k.location_name().unwrap_or("key");
        let value_name = v.location_name().unwrap_or("value");
        let indexes = self.params.indexes(&prefix);
        if indexes.is_empty() {
            return Ok(None);
        }
        let mut out = Map::new();
        for i in indexes {
            let Some(entry_key) = self.params.get(&format!("{prefix}.{i}.{key_name}")) else {
                continue;
            };
            if let Some(value) = self.value(&v, &format!("{prefix}.{i}.{value_name}"), depth + 1)? {
                out.insert(entry_key.to_string(), value);
            }
        }
        Ok(Some(Value::Object(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_distinct_and_numeric() {
        let pairs: Vec<(String, String)> = [
            ("Tags.member.2.Key", "b"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "x"),
            ("Tags.member.10.Key", "c"),
            ("Tags.member.x.Key", "ignored"),
            ("Tags.member.0.Key", "ignored"),
            ("Tagsmember.3", "ignored"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let params = Params::new(&pairs);
        assert_eq!(params.indexes("Tags.member"), vec![1, 2, 10]);
        assert!(params.present("Tags"));
        assert!(!params.present("Tag"));
    }
}
