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
        let envelope = incoming.envelope.as_ref().ok();
        match envelope.and_then(|envelope| self.keys.get_mut(envelope.key())) {
            Some(held) => {
                let id = envelope.map(|envelope| &envelope.id);
                let waiting = held
                    .events
                    .iter_mut()
                    .find(|waiting| waiting.envelope.as_ref().ok().map(|e| &e.id) == id);
                match waiting {
                    // A redelivery of an event already waiting here (its delivery's channel
                    // closed, or its ack deadline passed): it keeps its place and takes the
                    // newer delivery, the one the broker now tracks. Queued as well, it would be
                    // applied or dead-lettered twice.
                    Some(waiting) => waiting.delivery = incoming.delivery,
                    None => held.events.push_back(incoming),
                }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use serde_json::value::RawValue;

    use super::*;
    use crate::consumer::test_support::delivery;
    use crate::envelope::Envelope;

    fn incoming(id: &str, key: &str, attempt: u32) -> Incoming {
        let envelope = Envelope {
            id: id.to_owned(),
            source: "held-test".to_owned(),
            event_type: "Ping".to_owned(),
            subject: Some(key.to_owned()),
            time: None,
            dataschema: None,
            datacontenttype: None,
            traceparent: None,
            extensions: BTreeMap::new(),
            data: RawValue::from_string("{}".to_owned()).unwrap(),
        };
        Incoming {
            delivery: delivery(envelope.to_vec(), attempt),
            envelope: Ok(envelope),
        }
    }

    fn waiting(held: &mut Held) -> Vec<(String, u32)> {
        held.take_due(Instant::now() + Duration::from_secs(3600))
            .into_iter()
            .flat_map(|due| due.events)
            .map(|incoming| (incoming.envelope.unwrap().id, incoming.delivery.attempt))
            .collect()
    }

    #[test]
    fn later_events_of_a_held_key_queue_behind_it_and_other_keys_pass() {
        let mut held = Held::default();
        held.hold("k", incoming("e1", "k", 1), 1, Instant::now());
        assert!(held.queue_if_held(incoming("e2", "k", 1)).is_none());
        assert!(held.queue_if_held(incoming("x1", "other", 1)).is_some());
        assert_eq!(waiting(&mut held), [("e1".into(), 1), ("e2".into(), 1)]);
    }

    #[test]
    fn a_redelivered_copy_of_a_waiting_event_takes_its_place_instead_of_queueing() {
        let mut held = Held::default();
        held.hold("k", incoming("e1", "k", 1), 1, Instant::now());
        assert!(held.queue_if_held(incoming("e2", "k", 1)).is_none());
        // The broker delivers both again (the channel they came on closed).
        assert!(held.queue_if_held(incoming("e1", "k", 2)).is_none());
        assert!(held.queue_if_held(incoming("e2", "k", 2)).is_none());
        assert_eq!(
            waiting(&mut held),
            [("e1".into(), 2), ("e2".into(), 2)],
            "each event once, in its place, with the newer delivery"
        );
    }
}
