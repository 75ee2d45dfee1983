//! How a [`MemoryBus`](super::MemoryBus) is tuned: how long published ids are remembered for
//! dedupe, and which events the log may drop (its retention).

use std::time::Duration;

/// The dedupe window and the cutoff for settled events: two minutes, JetStream's default
/// duplicate window.
const TWO_MINUTES: Duration = Duration::from_secs(120);

/// The settings of a [`MemoryBus`](super::MemoryBus). `MemoryBusConfig::default()` suits a
/// long-running service; tests shorten the durations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryBusConfig {
    /// Which events the log drops, and when.
    pub retention: Retention,
    /// How long a published id is remembered: publishing it again within the window is a no-op
    /// (like JetStream's `Nats-Msg-Id` duplicate window). Two minutes by default.
    pub dedupe_window: Duration,
}

impl Default for MemoryBusConfig {
    fn default() -> MemoryBusConfig {
        MemoryBusConfig {
            retention: Retention::default(),
            dedupe_window: TWO_MINUTES,
        }
    }
}

/// Which events the log keeps. Offsets never change when events are dropped: the log starts
/// at a base offset that moves up, so consumers' positions stay valid (across restarts too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Every event stays for the life of the bus (and, persisted, for the life of the
    /// database): memory and disk grow with every publish. For tests and short runs.
    KeepAll,
    /// An event is dropped once it is *settled* for every durable consumer the bus knows (each
    /// consumer's floor has passed it: it was acked, filtered out by the consumer's event
    /// types, or given up at `max_deliver` — on a persistent bus, once a later ack's floor
    /// passed it, as that is when it stops coming back after a restart), it is at least
    /// `min_age` old and at least `keep_last` newer events follow it. Like JetStream's
    /// interest retention with a grace period: an event some known consumer has not settled is
    /// never dropped, and a bus with no consumer yet keeps everything for the first one. A
    /// persistent bus also keeps every row younger than the dedupe window.
    DropSettled {
        /// Settled events younger than this stay. It is the grace period of a consumer that
        /// subscribes for the first time while others are already consuming: it still gets
        /// what was published that long before it subscribed.
        min_age: Duration,
        /// The newest this many events stay however old and settled they are.
        keep_last: usize,
    },
}

impl Default for Retention {
    /// Drop settled events two minutes after they were published, keeping none beyond that.
    ///
    /// Why: a long-running service then holds about two minutes of traffic plus whatever its
    /// slowest consumer has not settled, instead of everything it ever published; two minutes
    /// is the dedupe window, which a persistent bus reloads from the log rows at start (it
    /// never drops rows younger than the window anyway); and a consumer registered shortly
    /// after the others (handlers started one after another at boot) still sees the events
    /// the first ones already settled.
    fn default() -> Retention {
        Retention::DropSettled {
            min_age: TWO_MINUTES,
            keep_last: 0,
        }
    }
}
