//! AWS Signature Version 4 verification (header and presigned-query forms).
