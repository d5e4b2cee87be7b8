//! The IAM policy language and AWS's policy evaluation logic.
//! Pure: no IO, no clock reads, no global state; the request context carries the time.
