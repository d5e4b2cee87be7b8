//! What a tool call does for each kind of target: Lambda (`lambda.rs`, through the door as the gateway's
//! role) and MCP servers (`mcp_server.rs`, the gateway as an MCP client of the user's server).

pub mod lambda;
pub mod mcp_server;
