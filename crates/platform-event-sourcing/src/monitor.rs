//! The status of background work (projectors, the outbox relay, subscribers), shared
//! with health checks and metrics.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A status the work updates and readers copy; cheap to clone (clones share it).
#[derive(Debug, Default)]
pub struct Monitor<T> {
    state: Arc<Mutex<T>>,
}

impl<T> Clone for Monitor<T> {
    fn clone(&self) -> Self {
        Monitor {
            state: Arc::clone(&self.state),
        }
    }
}

impl<T: Clone> Monitor<T> {
    /// A copy of the status.
    pub fn snapshot(&self) -> T {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Changes the status.
    pub fn update(&self, f: impl FnOnce(&mut T)) {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

impl<S: Clone + Default> Monitor<BTreeMap<&'static str, S>> {
    /// Changes the status of the worker called `name`, starting from the default.
    pub fn update_entry(&self, name: &'static str, f: impl FnOnce(&mut S)) {
        self.update(|statuses| f(statuses.entry(name).or_default()));
    }
}
