//! Tests of the pure MCP engine.
