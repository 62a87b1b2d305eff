//! A CC-Gateway you can run: the agent interface over HTTPS, scripted and broken
//! on purpose through a separate control listener.

pub mod roster;
