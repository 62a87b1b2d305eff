//! The scripted call-center day (see `run`).
