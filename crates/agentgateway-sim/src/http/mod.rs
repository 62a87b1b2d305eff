//! The gateway's HTTP side: the listener agents talk to, the routes from a
//! request to a gateway operation, the faults that break requests on purpose
//! and the request log.
//!
//! Faults and the log sit in front of the agents' state: a faulted request
//! never reaches it, and every request is logged whatever became of it.

pub mod faults;
pub(crate) mod ops;
pub mod reqlog;
pub(crate) mod routes;
pub(crate) mod server;
