//! Authentication failures and how each protocol family reports them.
//! Codes, statuses and texts in one table so they are easy to correct: `[obs]` seen from AWS, `[inf]` inferred.

use super::format_amz_date;
use crate::AwsError;

/// Why a request failed authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    /// No signature at all.
    Missing,
    /// A signature with parts missing or malformed; the text says which.
    Incomplete(String),
    /// The signature does not match.
    Mismatch,
    /// Signed more than five minutes ago.
    Expired {
        signed: String,
        now: i64,
    },
    /// Signed more than five minutes in the future.
    NotYetCurrent {
        signed: String,
        now: i64,
    },
    /// A presigned URL past its `X-Amz-Expires`.
    PresignExpired,
    /// The credential scope date differs from the request date.
    ScopeDate {
        scope: String,
        date: String,
    },
    HostNotSigned,
    ContentSha256Mismatch,
    /// The access key id is not known.
    UnknownAccessKey,
    /// A temporary credential used without, or with a wrong, session token.
    InvalidToken,
    /// A temporary credential past its expiration.
    ExpiredToken,
    /// A presigned URL's parameters out of range.
    QueryParameters(QueryParameterError),
    /// A stand-in for the payload hash (`UNSIGNED-PAYLOAD`, `STREAMING-*`) the service does not take.
    PayloadNotAccepted(String),
    /// An `aws-chunked` body that is truncated, malformed or not as long as `x-amz-decoded-content-length`.
    IncompleteBody,
}

/// Why `X-Amz-Expires` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryParameterError {
    ExpiresNotANumber,
    ExpiresNegative,
    ExpiresOverAWeek,
}

impl QueryParameterError {
    /// S3's texts for `AuthorizationQueryParametersError` (status 400, ceph/s3-tests#462); other services are
    /// assumed to answer alike [inf].
    pub fn message(self) -> &'static str {
        match self {
            // [obs] minio/minio-js#1312
            QueryParameterError::ExpiresNotANumber => "X-Amz-Expires should be a number",
            // [inf]
            QueryParameterError::ExpiresNegative => "X-Amz-Expires must be non-negative",
            // [obs] aws/aws-cli#5464, bryanjos/aws_auth#31 (S3's XML answer)
            QueryParameterError::ExpiresOverAWeek => {
                "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less \
                 than 604800 seconds"
            }
        }
    }
}

/// How a service family words authentication errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// query and ec2 protocols (IAM, STS, EC2).
    Query,
    /// awsJson 1.0/1.1 (Step Functions, CloudWatch Logs, Organizations).
    Json,
    /// rest-json (Lambda, Bedrock, AgentCore).
    RestJson,
}

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS \
                        Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

impl SigError {
    pub fn to_aws_error(&self, style: ErrorStyle) -> AwsError {
        use ErrorStyle::*;
        // Json services answer authentication errors with 400, rest-json ones with 403 [obs for json, inf for rest-json].
        let status = |query: u16| match style {
            Query => query,
            Json => 400,
            RestJson => 403,
        };
        let code = |query: &str, json: &str| match style {
            Query => query.to_string(),
            Json | RestJson => json.to_string(),
        };
        match self {
            SigError::Missing => match style {
                Query => AwsError::new("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
                // [inf] json and rest-json wording
                Json => AwsError::new("MissingAuthenticationTokenException", 400, "Missing Authentication Token"),
                RestJson => AwsError::new("MissingAuthenticationTokenException", 403, "Missing Authentication Token"),
            },
            SigError::Incomplete(msg) => {
                AwsError::new(code("IncompleteSignature", "IncompleteSignatureException"), status(400), msg.clone())
            }
            SigError::Mismatch => {
                AwsError::new(code("SignatureDoesNotMatch", "InvalidSignatureException"), status(403), MISMATCH)
            }
            SigError::Expired { signed, now } => AwsError::new(
                code("SignatureDoesNotMatch", "InvalidSignatureException"),
                status(403),
                format!(
                    "Signature expired: {signed} is now earlier than {} ({} - 5 min.)",
                    format_amz_date(now - super::MAX_SKEW_SECS),
                    format_amz_date(*now)
                ),
            ),
            SigError::NotYetCurrent { signed, now } => AwsError::new(
                code("SignatureDoesNotMatch", "InvalidSignatureException"),
                status(403),
                format!(
                    "Signature not yet current: {signed} is still later than {} ({} + 5 min.)",
                    format_amz_date(now + super::MAX_SKEW_SECS),
                    format_amz_date(*now)
                ),
            ),
            // [inf]
            SigError::PresignExpired => AwsError::new("AccessDenied", 403, "Request has expired"),
            SigError::ScopeDate { scope, date } => AwsError::new(
                code("SignatureDoesNotMatch", "InvalidSignatureException"),
                status(403),
                format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
                     '{scope}' != '{}', from '{date}'.",
                    date.get(..8).unwrap_or(date)
                ),
            ),
            // [inf]
            SigError::HostNotSigned => AwsError::new(
                code("IncompleteSignature", "IncompleteSignatureException"),
                status(400),
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            ),
            // [inf] S3's wording; other services rarely see this header
            SigError::ContentSha256Mismatch => AwsError::new(
                code("SignatureDoesNotMatch", "InvalidSignatureException"),
                status(403),
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ),
            SigError::UnknownAccessKey | SigError::InvalidToken => {
                AwsError::new(code("InvalidClientTokenId", "UnrecognizedClientException"), status(403), INVALID_TOKEN)
            }
            SigError::QueryParameters(e) => AwsError::new("AuthorizationQueryParametersError", 400, e.message()),
            // A service that does not read `x-amz-content-sha256` hashes the body itself: the signature the client
            // made over its stand-in does not match [inf].
            SigError::PayloadNotAccepted(_) => {
                AwsError::new(code("SignatureDoesNotMatch", "InvalidSignatureException"), status(403), MISMATCH)
            }
            // [doc] S3's IncompleteBody (Error Responses, 400); its use for malformed chunks is [inf].
            SigError::IncompleteBody => AwsError::new(
                "IncompleteBody",
                400,
                "You did not provide the number of bytes specified by the Content-Length HTTP header.",
            ),
            SigError::ExpiredToken => {
                AwsError::new(code("ExpiredToken", "ExpiredTokenException"), status(400), EXPIRED_TOKEN)
            }
        }
    }
}
