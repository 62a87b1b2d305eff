//! The faces of the live state: the bridge brings the engine's updates into
//! it, and the page, the tray and notifications each follow the one bar it
//! publishes. No face calls another.

pub mod bridge;
pub mod notify;
pub mod page;
pub mod tray;
