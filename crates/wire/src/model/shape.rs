//! Shapes and members of a service model, as botocore writes them.
//! Deserialized straight from the model JSON; member order is kept because XML and query follow it.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Number, Value};

/// The `type` of a shape. Unions are structures with `union: true`, documents structures with `document: true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeType {
    Structure,
    List,
    Map,
    #[serde(alias = "character")]
    String,
    Integer,
    Long,
    Short,
    Byte,
    Float,
    Double,
    #[serde(rename = "bigdecimal")]
    BigDecimal,
    #[serde(rename = "biginteger")]
    BigInteger,
    Boolean,
    Timestamp,
    Blob,
    /// A Smithy union written with its own type name (protocol tests do this).
    Union,
    /// Any type name this crate does not know; treated as an opaque JSON value.
    #[serde(other)]
    Unknown,
}

impl ShapeType {
    pub fn is_integral(self) -> bool {
        matches!(
            self,
            ShapeType::Integer | ShapeType::Long | ShapeType::Short | ShapeType::Byte | ShapeType::BigInteger
        )
    }

    pub fn is_floating(self) -> bool {
        matches!(self, ShapeType::Float | ShapeType::Double | ShapeType::BigDecimal)
    }
}

/// How a timestamp is written on the wire (`timestampFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TimestampFormat {
    #[serde(rename = "iso8601")]
    Iso8601,
    #[serde(rename = "rfc822")]
    Rfc822,
    #[serde(rename = "unixTimestamp")]
    UnixTimestamp,
}

/// Where a member lives in an HTTP message (rest protocols).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Location {
    #[serde(rename = "header")]
    Header,
    #[serde(rename = "headers")]
    Headers,
    #[serde(rename = "querystring")]
    QueryString,
    #[serde(rename = "uri")]
    Uri,
    #[serde(rename = "statusCode")]
    StatusCode,
    #[serde(other)]
    Unknown,
}

/// `xmlNamespace`: a bare URI (metadata) or `{uri, prefix}` (shapes and members).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum XmlNamespace {
    Uri(String),
    Full {
        uri: String,
        #[serde(default)]
        prefix: Option<String>,
    },
}

impl XmlNamespace {
    pub fn uri(&self) -> &str {
        match self {
            XmlNamespace::Uri(uri) => uri,
            XmlNamespace::Full { uri, .. } => uri,
        }
    }

    pub fn prefix(&self) -> Option<&str> {
        match self {
            XmlNamespace::Uri(_) => None,
            XmlNamespace::Full { prefix, .. } => prefix.as_deref(),
        }
    }
}

/// The `error` trait of an exception shape.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorTrait {
    /// Wire code when it differs from the shape name (query protocol), e.g. `IDPRejectedClaim`.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub http_status_code: Option<u16>,
    #[serde(default)]
    pub sender_fault: bool,
}

/// A reference from a structure, list or map to a shape, with the traits the reference adds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub shape: String,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub query_name: Option<String>,
    #[serde(default)]
    pub flattened: Option<bool>,
    #[serde(default)]
    pub xml_namespace: Option<Box<XmlNamespace>>,
    #[serde(default)]
    pub xml_attribute: bool,
    #[serde(default)]
    pub timestamp_format: Option<TimestampFormat>,
    #[serde(default)]
    pub jsonvalue: bool,
    #[serde(default)]
    pub streaming: bool,
    #[serde(default)]
    pub eventpayload: bool,
    #[serde(default)]
    pub eventheader: bool,
    #[serde(default)]
    pub idempotency_token: bool,
    #[serde(default)]
    pub host_label: bool,
    #[serde(default, rename = "box")]
    pub boxed: bool,
    #[serde(default)]
    pub default: Option<Box<Value>>,
    #[serde(default)]
    pub deprecated: bool,
}

/// One shape of a service model with its traits.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    #[serde(rename = "type")]
    pub shape_type: ShapeType,
    /// Structure members in model order.
    #[serde(default, deserialize_with = "members_in_order")]
    pub members: Vec<(String, Member)>,
    #[serde(default)]
    pub required: Vec<String>,
    /// List element (boxed: most shapes have none, and a model holds thousands of shapes).
    #[serde(default)]
    pub member: Option<Box<Member>>,
    /// Map key and value.
    #[serde(default)]
    pub key: Option<Box<Member>>,
    #[serde(default)]
    pub value: Option<Box<Member>>,
    #[serde(default)]
    pub min: Option<Number>,
    #[serde(default)]
    pub max: Option<Number>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default)]
    pub flattened: bool,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub xml_namespace: Option<XmlNamespace>,
    #[serde(default)]
    pub timestamp_format: Option<TimestampFormat>,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub fault: bool,
    #[serde(default)]
    pub error: Option<ErrorTrait>,
    #[serde(default)]
    pub union: bool,
    #[serde(default)]
    pub document: bool,
    #[serde(default)]
    pub event: bool,
    #[serde(default)]
    pub eventstream: bool,
    #[serde(default)]
    pub streaming: bool,
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default, rename = "box")]
    pub boxed: bool,
    #[serde(default)]
    pub requires_length: bool,
    /// The compiled `pattern`, built on first use; `None` inside when Rust's regex cannot express it.
    #[serde(skip)]
    pub(crate) compiled_pattern: OnceLock<Option<Regex>>,
}

impl Shape {
    pub fn is_union(&self) -> bool {
        self.union || self.shape_type == ShapeType::Union
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }

    pub fn is_required(&self, member: &str) -> bool {
        self.required.iter().any(|r| r == member)
    }

    /// `min` as an integer (lengths and sizes).
    pub fn min_len(&self) -> Option<i64> {
        self.min.as_ref().and_then(number_as_i64)
    }

    pub fn max_len(&self) -> Option<i64> {
        self.max.as_ref().and_then(number_as_i64)
    }
}

fn number_as_i64(n: &Number) -> Option<i64> {
    n.as_i64()
        .or_else(|| n.as_u64().map(|u| i64::try_from(u).unwrap_or(i64::MAX)))
        .or_else(|| n.as_f64().map(|f| f as i64))
}

/// Reads a JSON object into a vector of pairs, keeping the order of the document.
fn members_in_order<'de, D>(deserializer: D) -> Result<Vec<(String, Member)>, D::Error>
where
    D: Deserializer<'de>,
{
    struct OrderedMembers;

    impl<'de> Visitor<'de> for OrderedMembers {
        type Value = Vec<(String, Member)>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of members")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4));
            while let Some((name, member)) = map.next_entry::<String, Member>()? {
                members.push((name, member));
            }
            Ok(members)
        }
    }

    deserializer.deserialize_map(OrderedMembers)
}
