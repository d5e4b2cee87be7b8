//! What a service is to the door: a name, an authorization entry per operation (data: action, resource,
//! condition keys, resource policy) and a handler per operation. Handlers never check permissions.

use crate::door::Door;
use crate::identity::Identity;
use crate::world::World;
use sekisho_wire::AwsError;
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;

/// One event of an event-stream response (`messageStart`, `contentBlockDelta`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event member name in the operation's eventstream union.
    pub name: String,
    pub payload: Value,
}

pub type EventStream = tokio::sync::mpsc::Receiver<Result<Event, AwsError>>;

/// An operation's result: the output shape as a value keyed by the model's member names (timestamps as epoch
/// seconds, blobs as base64), plus the events of an event-stream output.
#[derive(Debug)]
pub struct Output {
    pub body: Value,
    pub events: Option<EventStream>,
}

impl Output {
    pub fn new(body: Value) -> Self {
        Output { body, events: None }
    }

    pub fn empty() -> Self {
        Output { body: Value::Object(Default::default()), events: None }
    }
}

impl From<Value> for Output {
    fn from(body: Value) -> Self {
        Output::new(body)
    }
}

/// Where a request came from on the network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    pub source_ip: Option<IpAddr>,
    /// `aws:SecureTransport`. AWS endpoints are HTTPS, so this is `true` unless configured otherwise.
    pub secure_transport: bool,
    /// Set when the request arrived through a VPC endpoint.
    pub vpc_endpoint: Option<VpcEndpointContext>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VpcEndpointContext {
    pub vpce_id: String,
    pub vpc_id: String,
    pub private_ip: String,
}

/// The principal a call is made as, with the request context that comes with it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub identity: Identity,
    /// The access key the request was signed with (absent for service principals).
    pub access_key_id: Option<String>,
    pub network: Network,
    /// Services that made this request with the caller's credentials (forward access), first to last.
    pub called_via: Vec<String>,
    /// For service principals: the resource on whose behalf the service acts (`aws:SourceArn`).
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub user_agent: Option<String>,
    /// Set when the request was signed with GetSessionToken credentials.
    pub session_grant: Option<crate::credentials::SessionGrant>,
    /// Set when the temporary credentials were issued against a verified MFA code (epoch ms of the check).
    pub mfa_auth_ms: Option<i64>,
}

impl Caller {
    pub fn new(identity: Identity) -> Self {
        Caller {
            identity,
            access_key_id: None,
            network: Network { secure_transport: true, ..Default::default() },
            called_via: Vec::new(),
            source_arn: None,
            source_account: None,
            user_agent: None,
            session_grant: None,
            mfa_auth_ms: None,
        }
    }

    /// A service principal acting for a resource (e.g. `states.amazonaws.com` for a state machine).
    pub fn service(principal: &str, source_arn: Option<String>, source_account: Option<String>) -> Self {
        let mut c = Caller::new(Identity::Service { principal: principal.to_string() });
        c.source_arn = source_arn;
        c.source_account = source_account;
        c
    }

    pub fn account(&self) -> &str {
        self.identity.account()
    }
}

/// The resource policy that takes part in a decision.
#[derive(Debug, Clone)]
pub enum ResourcePolicy {
    /// A resource-based policy owned by `owner` (an account id), reported as `id`, compiled by the service
    /// when it was saved.
    Document { owner: String, id: String, policy: Arc<sekisho_policy::Policy> },
    /// The trust policy of an IAM role (always needs an explicit Allow).
    RoleTrust { account: String, role_name: String },
}

/// How an AccessDenied message is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DenyStyle {
    /// `... because no identity-based policy allows the <action> action` and the other variants.
    #[default]
    Generic,
    /// STS AssumeRole: no `because` clause.
    AssumeRole,
    /// AssumeRoleWithWebIdentity / AssumeRoleWithSAML: `Not authorized to perform <action>` and nothing else
    /// ([obs]: the message GitHub Actions users report, e.g. aws-actions/configure-aws-credentials issues).
    Federated,
}

/// One authorization question: may the caller perform `action` on `resource`?
#[derive(Debug, Clone)]
pub struct Check {
    pub action: String,
    /// Resource ARN or `*`.
    pub resource: String,
    /// Extra request-context keys (`sts:ExternalId`, `bedrock:InferenceProfileArn`, `aws:RequestTag/k`, ...).
    pub context: Vec<(String, Vec<String>)>,
    pub resource_policy: Option<ResourcePolicy>,
    pub style: DenyStyle,
    /// Who asks, when it is not the caller who signed: the web identity a verified token names (the request
    /// itself is unsigned).
    pub principal: Option<sekisho_policy::Principal>,
}

impl Check {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Check {
            action: action.into(),
            resource: resource.into(),
            context: Vec::new(),
            resource_policy: None,
            style: DenyStyle::Generic,
            principal: None,
        }
    }

    pub fn with_context(mut self, key: &str, value: impl Into<String>) -> Self {
        self.context.push((key.to_string(), vec![value.into()]));
        self
    }

    pub fn with_context_values(mut self, key: &str, values: Vec<String>) -> Self {
        self.context.push((key.to_string(), values));
        self
    }

    pub fn with_resource_policy(mut self, policy: ResourcePolicy) -> Self {
        self.resource_policy = Some(policy);
        self
    }

    pub fn with_style(mut self, style: DenyStyle) -> Self {
        self.style = style;
        self
    }

    pub fn as_principal(mut self, principal: sekisho_policy::Principal) -> Self {
        self.principal = Some(principal);
        self
    }
}

/// What an authorization entry sees.
pub struct AuthzRequest<'a> {
    pub operation: &'a str,
    pub input: &'a Value,
    pub caller: &'a Caller,
    pub region: &'a str,
    pub world: &'a World,
}

/// What a handler sees.
#[derive(Clone)]
pub struct OpContext {
    pub request_id: String,
    pub caller: Caller,
    pub region: String,
    pub door: Arc<Door>,
    pub world: Arc<World>,
}

impl OpContext {
    /// The caller's account: where the operation's resources live unless an ARN says otherwise.
    pub fn account(&self) -> &str {
        self.caller.account()
    }

    pub fn now_ms(&self) -> i64 {
        self.world.clock.now_ms()
    }
}

/// An AWS service registered into the door.
#[async_trait::async_trait]
pub trait Service: Send + Sync + 'static {
    /// The botocore service name (`sts`, `stepfunctions`, `bedrock-runtime`, ...).
    fn name(&self) -> &'static str;

    /// How the service's protocol words authentication and authorization errors.
    fn error_style(&self) -> ErrorStyle;

    /// The authorization entry of `operation`: the checks the door must pass before the handler runs.
    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError>;

    /// Runs `operation`, after authorization.
    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError>;

    /// Forgets every piece of state the service keeps outside the world (test harnesses reset between tests).
    fn reset(&self) {}

    /// The service's durable state (see `persist.rs`): usually `vec![self.state.durable("name")]` over a
    /// `Regional` whose type implements `Records`. Two services over one state return it from one of them.
    fn durable(&self) -> Vec<Arc<dyn crate::persist::Durable>> {
        Vec::new()
    }

    /// Starts again the work the loaded records describe (running executions, queued invocations): called
    /// once the store was loaded (start-up, a snapshot restored), before any call is served.
    fn resume(&self, _door: &Arc<Door>) {}

    /// The error a denied caller sees.
    fn access_denied(&self, message: String) -> AwsError {
        match self.error_style() {
            ErrorStyle::Query => AwsError::new("AccessDenied", 403, message),
            ErrorStyle::Json => AwsError::new("AccessDeniedException", 400, message),
            ErrorStyle::RestJson => AwsError::new("AccessDeniedException", 403, message),
        }
    }
}

/// The error for an AWS operation sekisho has not built yet: said plainly, never faked.
pub fn not_implemented(service: &str, operation: &str) -> AwsError {
    AwsError::new("NotImplemented", 501, format!("sekisho does not implement {service} {operation} yet"))
}
