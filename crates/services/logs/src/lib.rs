//! Amazon CloudWatch Logs (json 1.1, `Logs_20140328.<Op>`, signing name `logs`): the log groups, streams and
//! events that Step Functions and Lambda write through the door and that users read back with the AWS CLI.
//!
//! Implemented (state per account and region; a `logGroupIdentifier` ARN reaches into its own account):
//! - Log groups: CreateLogGroup (tags, class, KMS key id stored, deletion protection), DescribeLogGroups
//!   (prefix, pattern, class, identifiers, limit, nextToken), DeleteLogGroup, PutRetentionPolicy,
//!   DeleteRetentionPolicy.
//! - Log streams: CreateLogStream, DescribeLogStreams (prefix, orderBy, descending, limit, nextToken),
//!   DeleteLogStream.
//! - Events: PutLogEvents (chronological order, 24-hour span, batch and event size limits, too old / too new /
//!   expired events reported in `rejectedLogEventsInfo`, `nextSequenceToken`), GetLogEvents (time range,
//!   limit, startFromHead, `f/`/`b/` tokens that come back unchanged at the end of the stream),
//!   FilterLogEvents (name or identifier, stream names or prefix, time range, filter patterns, limit,
//!   nextToken, startFromHead).
//! - Filter patterns: terms (AND), `?` alternatives, `-` exclusions, quoted phrases, JSON patterns with
//!   `=`/`!=` (with `*` wildcards), numeric comparisons, `&&`, `||`, parentheses, IS NULL/TRUE/FALSE, NOT EXISTS.
//! - Tags: TagResource, UntagResource, ListTagsForResource, and the older TagLogGroup, UntagLogGroup,
//!   ListTagsLogGroup.
//! - Resource policies: PutResourcePolicy, DescribeResourcePolicies, DeleteResourcePolicy (account and
//!   log-group scope). Their statements take part in the authorization of CreateLogStream and PutLogEvents
//!   when a service principal calls, as AWS applies them to service principals only.
//!
//! Not implemented: space-delimited (`[a, b]`) and regular-expression (`%re%`) filter patterns (answered with
//! NotImplemented), retention-based deletion of stored events (retention only rejects too-old events on
//! ingestion), metric and subscription filters, Logs Insights queries, deliveries, destinations, export
//! tasks, data protection, cross-account observability (`includeLinkedAccounts`), KMS key checks.

// AwsError is the whole error vocabulary of the door; boxing it per crate would only add noise.
#![allow(clippy::result_large_err)]

mod errors;
mod event_id;
mod filter_pattern;
mod names;
mod ops;
mod paging;
pub mod state;

use ops::Store;
use sekisho_core::service::not_implemented;
use sekisho_core::state::Regional;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;

pub use filter_pattern::FilterPattern;
pub use state::LogsState;

/// The CloudWatch Logs service, registered into the door as `logs`.
#[derive(Debug, Default)]
pub struct Logs {
    store: Store,
}

impl Logs {
    pub fn new() -> Self {
        Logs::default()
    }

    /// The state of every (account, region), for persistence.
    pub fn state(&self) -> &Regional<LogsState> {
        &self.store
    }
}

/// Routes an operation name to its module's `authorize` and `handle`.
macro_rules! operations {
    ($($name:literal => $module:ident),* $(,)?) => {
        fn authorize_op(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
            match req.operation {
                $($name => ops::$module::authorize(store, req),)*
                other => Err(not_implemented("logs", other)),
            }
        }

        fn handle_op(store: &Store, ctx: &OpContext, operation: &str, input: &Value) -> Result<Output, AwsError> {
            match operation {
                $($name => ops::$module::handle(store, ctx, input),)*
                other => Err(not_implemented("logs", other)),
            }
        }
    };
}

operations! {
    "CreateLogGroup" => create_log_group,
    "DescribeLogGroups" => describe_log_groups,
    "DeleteLogGroup" => delete_log_group,
    "PutRetentionPolicy" => put_retention_policy,
    "DeleteRetentionPolicy" => delete_retention_policy,
    "CreateLogStream" => create_log_stream,
    "DescribeLogStreams" => describe_log_streams,
    "DeleteLogStream" => delete_log_stream,
    "PutLogEvents" => put_log_events,
    "GetLogEvents" => get_log_events,
    "FilterLogEvents" => filter_log_events,
    "TagResource" => tag_resource,
    "UntagResource" => untag_resource,
    "ListTagsForResource" => list_tags_for_resource,
    "TagLogGroup" => tag_log_group,
    "UntagLogGroup" => untag_log_group,
    "ListTagsLogGroup" => list_tags_log_group,
    "PutResourcePolicy" => put_resource_policy,
    "DescribeResourcePolicies" => describe_resource_policies,
    "DeleteResourcePolicy" => delete_resource_policy,
}

#[async_trait::async_trait]
impl Service for Logs {
    fn name(&self) -> &'static str {
        "logs"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Json
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authorize_op(&self.store, req)
    }

    fn reset(&self) {
        self.store.lock().clear();
    }

    fn durable(&self) -> Vec<std::sync::Arc<dyn sekisho_core::persist::Durable>> {
        vec![self.store.durable("logs")]
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        handle_op(&self.store, &ctx, operation, &input)
    }
}
