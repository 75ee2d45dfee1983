//! Events waiting for their next attempt, per key.
//!
//! A lane serves many keys. When a handler asks for a retry, the lane holds the event here
//! instead of sleeping on it, so the lane's other keys keep flowing meanwhile — often one of
//! them is what the retry waits for (the product row an order line updates, say). Events of
//! the held key that arrive later queue behind it, so per-key order still holds.

use std::collections::{HashMap, VecDeque};

use tokio::time::Instant;

use super::lane::Incoming;

/// The held keys of one lane.
#[derive(Default)]
pub(crate) struct Held {
    keys: HashMap<String, HeldKey>,
}

/// One held key: the failing event first, then the events that arrived after it.
struct HeldKey {
    events: VecDeque<Incoming>,
    /// When the first event's next attempt is due.
    due: Instant,
    /// The first event's handler failures so far (its attempt count on top of the bus's).
    failures: u32,
}

/// A key whose retry is due, taken out of [`Held`]: its events in order, the first one failed
/// `failures` times.
pub(crate) struct DueKey {
    pub(crate) events: VecDeque<Incoming>,
    pub(crate) failures: u32,
}

impl Held {
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Holds `first` (which failed `failures` times) until `due`, ahead of the events already
    /// waiting for its key.
    pub(crate) fn hold(&mut self, key: &str, first: Incoming, failures: u32, due: Instant) {
        match self.keys.get_mut(key) {
            Some(held) => {
                held.events.push_front(first);
                held.failures = failures;
                held.due = due;
            }
            None => {
                self.keys.insert(
                    key.to_owned(),
                    HeldKey {
                        events: VecDeque::from([first]),
                        due,
                        failures,
                    },
                );
            }
        }
    }

    /// Queues `incoming` behind its key when that key is held; otherwise gives it back to be
    /// applied now.
    pub(crate) fn queue_if_held(&mut self, incoming: Incoming) -> Option<Incoming> {
        let key = incoming
            .envelope
            .as_ref()
            .ok()
            .map(|envelope| envelope.key());
        match key.and_then(|key| self.keys.get_mut(key)) {
            Some(held) => {
                held.events.push_back(incoming);
                None
            }
            None => Some(incoming),
        }
    }

    /// The earliest due retry.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.keys.values().map(|held| held.due).min()
    }

    /// Takes out every key whose retry is due at `now`, earliest first.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<DueKey> {
        let mut due: Vec<(Instant, String)> = self
            .keys
            .iter()
            .filter(|(_, held)| held.due <= now)
            .map(|(key, held)| (held.due, key.clone()))
            .collect();
        due.sort();
        due.into_iter()
            .filter_map(|(_, key)| {
                let held = self.keys.remove(&key)?;
                Some(DueKey {
                    events: held.events,
                    failures: held.failures,
                })
            })
            .collect()
    }

    /// Every held event, for handing back to the bus at shutdown.
    pub(crate) fn drain(&mut self) -> Vec<Incoming> {
        self.keys
            .drain()
            .flat_map(|(_, held)| held.events)
            .collect()
    }
}
