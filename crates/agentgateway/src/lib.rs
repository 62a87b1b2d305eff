//! The CC-Gateway agent interface, as AgentBar speaks it.
//!
//! This crate has no desktop dependency: the desktop app and `agentbar-cli`
//! are two thin front ends on it.

pub mod retcode;
