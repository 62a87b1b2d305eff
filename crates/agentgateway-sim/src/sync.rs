//! Locking shared by every part of the simulator.
//!
//! The simulator's state sits behind `std::sync::Mutex`es that are never held
//! across an `.await`. A panic while one is held (a failed test, say) must not
//! take the whole gateway down with it, so a poisoned lock is simply taken:
//! what it guards is plain data.

use std::sync::{Mutex, MutexGuard};

/// Lock a std mutex, riding over poisoning (a panicked holder leaves plain data).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
