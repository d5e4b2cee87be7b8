//! Typed view of an AWS service model (botocore's service-2.json): metadata, operations, shapes.
//! Built from JSON on first use; the embedded models are listed in `registry`.

mod registry;
mod shape;

use std::collections::HashMap;

use serde::Deserialize;

use crate::protocol::Dialect;
use crate::protocol::uri::UriTemplate;

pub use registry::{load, names};
pub use shape::{ErrorTrait, Location, Member, Shape, ShapeType, TimestampFormat, XmlNamespace};

/// The wire protocol a service speaks (`metadata.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Query,
    Ec2,
    Json,
    RestJson,
    RestXml,
}

impl Protocol {
    fn parse(name: &str) -> Option<Protocol> {
        Some(match name {
            "query" => Protocol::Query,
            "ec2" => Protocol::Ec2,
            "json" => Protocol::Json,
            "rest-json" => Protocol::RestJson,
            "rest-xml" => Protocol::RestXml,
            _ => return None,
        })
    }

    /// Query and EC2 share form-encoded requests and XML responses.
    pub fn is_query_family(self) -> bool {
        matches!(self, Protocol::Query | Protocol::Ec2)
    }
}

/// The service-wide facts of a model.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub protocol: Protocol,
    pub api_version: String,
    pub endpoint_prefix: String,
    /// SigV4 signing name: `signingName`, or the endpoint prefix when the model has none.
    pub signing_name: String,
    pub service_id: String,
    pub json_version: Option<String>,
    pub target_prefix: Option<String>,
    pub xml_namespace: Option<String>,
    pub global_endpoint: Option<String>,
}

/// An operation's HTTP binding.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Http {
    pub method: String,
    pub request_uri: String,
    pub response_code: Option<u16>,
}

impl Default for Http {
    fn default() -> Self {
        Http { method: "POST".to_string(), request_uri: "/".to_string(), response_code: None }
    }
}

/// The input of an operation.
#[derive(Debug, Clone, Deserialize)]
pub struct InputRef {
    pub shape: String,
    /// Older models name the payload member here instead of on the shape.
    #[serde(default)]
    pub payload: Option<String>,
}

/// The output of an operation; query services wrap it in `resultWrapper`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputRef {
    pub shape: String,
    #[serde(default)]
    pub result_wrapper: Option<String>,
    #[serde(default)]
    pub payload: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorRef {
    pub shape: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub host_prefix: String,
}

/// One operation of a service.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub name: String,
    #[serde(default)]
    pub http: Http,
    #[serde(default)]
    pub input: Option<InputRef>,
    #[serde(default)]
    pub output: Option<OutputRef>,
    #[serde(default)]
    pub errors: Vec<ErrorRef>,
    /// Endpoint host prefix, e.g. `{AccountId}.` for host-labelled operations.
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    #[serde(default)]
    pub idempotent: bool,
    #[serde(default)]
    pub http_checksum_required: bool,
    /// `none` for operations AWS serves without credentials (STS AssumeRoleWithWebIdentity / SAML).
    #[serde(default)]
    pub authtype: Option<String>,
}

impl Operation {
    /// The operation is called unsigned: its model says `authtype: none`.
    pub fn unsigned(&self) -> bool {
        self.authtype.as_deref() == Some("none")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetadata {
    protocol: String,
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    endpoint_prefix: String,
    #[serde(default)]
    signing_name: Option<String>,
    #[serde(default)]
    service_id: String,
    #[serde(default)]
    json_version: Option<String>,
    #[serde(default)]
    target_prefix: Option<String>,
    #[serde(default)]
    xml_namespace: Option<String>,
    #[serde(default)]
    global_endpoint: Option<String>,
}

#[derive(Deserialize)]
struct RawModel {
    metadata: RawMetadata,
    #[serde(default)]
    operations: HashMap<String, Operation>,
    #[serde(default)]
    shapes: HashMap<String, Shape>,
}

/// A whole service model.
#[derive(Debug)]
pub struct ServiceModel {
    /// botocore's service name, e.g. `stepfunctions`, `bedrock-runtime`.
    pub name: String,
    pub metadata: Metadata,
    operations: Vec<Operation>,
    by_name: HashMap<String, usize>,
    shapes: HashMap<String, Shape>,
    /// REST routes, most specific first (empty for RPC protocols).
    routes: Vec<(UriTemplate, usize)>,
    pub(crate) dialect: Dialect,
    /// `message` or `Message`, whichever the service's error shapes mostly declare.
    pub(crate) default_message_key: &'static str,
}

/// A member seen together with the shape it targets: the member's traits win over the shape's.
#[derive(Debug, Clone, Copy)]
pub struct Ref<'m> {
    /// Member name in the parent structure (or `member`/`key`/`value` for collections).
    pub name: &'m str,
    pub member: &'m Member,
    pub shape: &'m Shape,
}

impl<'m> Ref<'m> {
    pub fn location_name(&self) -> Option<&'m str> {
        self.member.location_name.as_deref().or(self.shape.location_name.as_deref())
    }

    /// Where the member lives in an HTTP message; older models put it on the target shape.
    pub fn location(&self) -> Option<Location> {
        self.member.location.or(self.shape.location)
    }

    pub fn flattened(&self) -> bool {
        self.member.flattened.unwrap_or(self.shape.flattened)
    }

    pub fn timestamp_format(&self) -> Option<TimestampFormat> {
        self.member.timestamp_format.or(self.shape.timestamp_format)
    }
}

impl ServiceModel {
    /// Builds a model from botocore's JSON. `name` is the botocore service name.
    pub fn from_json(name: &str, json: &str) -> Result<ServiceModel, String> {
        let raw: RawModel = serde_json::from_str(json).map_err(|e| format!("{name}: {e}"))?;
        let protocol = Protocol::parse(&raw.metadata.protocol)
            .ok_or_else(|| format!("{name}: unknown protocol {}", raw.metadata.protocol))?;
        let m = raw.metadata;
        let metadata = Metadata {
            protocol,
            signing_name: m.signing_name.unwrap_or_else(|| m.endpoint_prefix.clone()),
            api_version: m.api_version,
            endpoint_prefix: m.endpoint_prefix,
            service_id: m.service_id,
            json_version: m.json_version,
            target_prefix: m.target_prefix,
            xml_namespace: m.xml_namespace,
            global_endpoint: m.global_endpoint,
        };
        let mut operations: Vec<Operation> = raw.operations.into_values().collect();
        operations.sort_by(|a, b| a.name.cmp(&b.name));
        let by_name = operations.iter().enumerate().map(|(i, op)| (op.name.clone(), i)).collect();
        let mut routes = Vec::new();
        if matches!(protocol, Protocol::RestJson | Protocol::RestXml) {
            for (i, op) in operations.iter().enumerate() {
                routes.push((UriTemplate::parse(&op.http.method, &op.http.request_uri), i));
            }
            routes.sort_by_key(|r| std::cmp::Reverse(r.0.specificity()));
        }
        let (mut capital, mut lower) = (0, 0);
        for shape in raw.shapes.values().filter(|s| s.exception) {
            capital += usize::from(shape.member("Message").is_some());
            lower += usize::from(shape.member("message").is_some());
        }
        Ok(ServiceModel {
            name: name.to_string(),
            dialect: Dialect::for_service(name, protocol),
            default_message_key: if capital > lower { "Message" } else { "message" },
            metadata,
            operations,
            by_name,
            shapes: raw.shapes,
            routes,
        })
    }

    pub fn protocol(&self) -> Protocol {
        self.metadata.protocol
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.by_name.get(name).map(|&i| &self.operations[i])
    }

    /// All operations, sorted by name.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// Shapes by name, in no particular order.
    pub fn shapes(&self) -> impl Iterator<Item = (&str, &Shape)> {
        self.shapes.iter().map(|(n, s)| (n.as_str(), s))
    }

    pub fn input_shape(&self, op: &Operation) -> Option<&Shape> {
        op.input.as_ref().and_then(|i| self.shape(&i.shape))
    }

    pub fn output_shape(&self, op: &Operation) -> Option<&Shape> {
        op.output.as_ref().and_then(|o| self.shape(&o.shape))
    }

    /// The member bound to the whole request body, if any.
    pub fn input_payload<'m>(&'m self, op: &'m Operation) -> Option<&'m str> {
        let input = op.input.as_ref()?;
        input.payload.as_deref().or_else(|| self.shape(&input.shape)?.payload.as_deref())
    }

    /// The member bound to the whole response body, if any.
    pub fn output_payload<'m>(&'m self, op: &'m Operation) -> Option<&'m str> {
        let output = op.output.as_ref()?;
        output.payload.as_deref().or_else(|| self.shape(&output.shape)?.payload.as_deref())
    }

    /// The members of a structure with their target shapes; members whose shape is missing are skipped.
    pub fn members<'m>(&'m self, shape: &'m Shape) -> impl Iterator<Item = Ref<'m>> + 'm {
        shape.members.iter().filter_map(move |(name, member)| {
            self.shape(&member.shape).map(|target| Ref { name, member, shape: target })
        })
    }

    /// A collection's element (`member`, `key` or `value`) with its target shape.
    pub fn element<'m>(&'m self, name: &'m str, member: Option<&'m Member>) -> Option<Ref<'m>> {
        let member = member?;
        self.shape(&member.shape).map(|shape| Ref { name, member, shape })
    }

    /// The error shape an error code names, looked up first among `op`'s declared errors.
    pub fn operation_error_shape(&self, op: Option<&Operation>, code: &str) -> Option<(&str, &Shape)> {
        let declared = op.into_iter().flat_map(|op| op.errors.iter()).find_map(|e| {
            let (name, shape) = self.shapes.get_key_value(&e.shape)?;
            let wire = shape.error.as_ref().and_then(|t| t.code.as_deref());
            (name == code || wire == Some(code)).then_some((name.as_str(), shape))
        });
        declared.or_else(|| self.error_shape(code))
    }

    /// The error shape an error code names: by shape name or by the `error.code` trait.
    pub fn error_shape(&self, code: &str) -> Option<(&str, &Shape)> {
        if let Some((name, shape)) = self.shapes.get_key_value(code) {
            if shape.exception {
                return Some((name, shape));
            }
        }
        self.shapes
            .iter()
            .find(|(_, s)| s.exception && s.error.as_ref().and_then(|e| e.code.as_deref()) == Some(code))
            .map(|(n, s)| (n.as_str(), s))
    }

    pub(crate) fn routes(&self) -> &[(UriTemplate, usize)] {
        &self.routes
    }

    pub(crate) fn operation_at(&self, index: usize) -> &Operation {
        &self.operations[index]
    }
}
