//! The per-session event queue that polls and the push client take from.
//!
//! Events wait here in the order they were made, as JSON text. A poll takes
//! one; the push client takes a batch and removes it only once the receiver
//! acknowledged it. Closing the queue (sign-out) wakes every waiter.

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard},
};

use tokio::sync::Notify;

use crate::sync::lock;

#[derive(Debug, Default)]
pub struct EventQueue {
    inner: Mutex<Inner>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct Inner {
    events: VecDeque<String>,
    closed: bool,
}

impl EventQueue {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    /// Queue an event and wake the waiters.
    pub fn push(&self, event: String) {
        self.inner().events.push_back(event);
        self.changed.notify_waiters();
    }

    /// Take the oldest event.
    pub fn pop(&self) -> Option<String> {
        self.inner().events.pop_front()
    }

    /// Copy up to `max` of the oldest events without taking them.
    pub fn peek(&self, max: usize) -> Vec<String> {
        self.inner().events.iter().take(max).cloned().collect()
    }

    /// Drop the `n` oldest events (after a push was acknowledged).
    pub fn remove_front(&self, n: usize) {
        let mut inner = self.inner();
        let n = n.min(inner.events.len());
        inner.events.drain(..n);
    }

    pub fn len(&self) -> usize {
        self.inner().events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The session ended: no more events; waiters wake up.
    pub fn close(&self) {
        self.inner().closed = true;
        self.changed.notify_waiters();
    }

    /// A gateway crash: queued events are lost and the queue closes.
    pub fn discard_and_close(&self) {
        let mut inner = self.inner();
        inner.events.clear();
        inner.closed = true;
        drop(inner);
        self.changed.notify_waiters();
    }

    pub fn is_closed(&self) -> bool {
        self.inner().closed
    }

    /// Resolves at the next push or close. Create it (and `enable` it) before
    /// looking at the queue so no wake-up is lost.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }
}
