//! The retained part of the bus's log: the events from a base offset on. Dropping settled
//! events moves the base up instead of renumbering, so every offset a consumer holds (its
//! cursor, its floor, its unacked deliveries, the persisted ones) keeps naming the same event.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::config::Retention;

/// One published event.
pub(super) struct Message {
    pub(super) event_type: String,
    pub(super) payload: Arc<[u8]>,
    /// When it was published (for a reloaded event: its publish time on the wall clock,
    /// carried over to this process's clock).
    pub(super) published: Instant,
}

/// The events at offsets `base..end`, oldest first.
#[derive(Default)]
pub(super) struct Log {
    base: usize,
    messages: VecDeque<Message>,
}

impl Log {
    /// An empty log whose next event gets offset `base`.
    #[cfg(feature = "sqlite")]
    pub(super) fn starting_at(base: usize) -> Log {
        Log {
            base,
            messages: VecDeque::new(),
        }
    }

    /// The offset of the oldest retained event (the next offset when none is retained).
    pub(super) fn base(&self) -> usize {
        self.base
    }

    /// The offset the next published event gets.
    pub(super) fn end(&self) -> usize {
        self.base + self.messages.len()
    }

    /// How many events are retained.
    pub(super) fn len(&self) -> usize {
        self.messages.len()
    }

    pub(super) fn push(&mut self, message: Message) {
        self.messages.push_back(message);
    }

    /// The retained events from `offset` on (all of them when `offset` is below the base).
    #[cfg(feature = "sqlite")]
    pub(super) fn from(&self, offset: usize) -> impl Iterator<Item = &Message> {
        self.messages
            .range(offset.saturating_sub(self.base).min(self.messages.len())..)
    }

    /// Drops every event below `offset`; returns how many went.
    pub(super) fn drop_before(&mut self, offset: usize) -> usize {
        let count = offset.saturating_sub(self.base).min(self.messages.len());
        self.messages.drain(..count);
        self.base += count;
        count
    }

    /// Where the droppable prefix ends: the first offset `retention` keeps, given the lowest
    /// floor among the known consumers (`None`: no consumer yet, so nothing is settled), an
    /// offset that must stay whatever the rest says (`limit`), a minimum age on top of the
    /// retention's own and the most to drop at once.
    pub(super) fn droppable_end(&self, cut: Cut) -> usize {
        let Retention::DropSettled { min_age, keep_last } = cut.retention else {
            return self.base;
        };
        let Some(floor) = cut.lowest_floor else {
            return self.base;
        };
        let min_age = min_age.max(cut.min_age);
        let limit = floor
            .min(self.end().saturating_sub(keep_last))
            .min(cut.limit)
            .min(self.base.saturating_add(cut.at_most));
        let old_enough =
            |message: &&Message| cut.now.saturating_duration_since(message.published) >= min_age;
        // Publish times grow along the log, so the old enough events are a prefix (a reloaded
        // time out of order after a wall-clock step only stops this drop early).
        let count = self
            .messages
            .iter()
            .take(limit.saturating_sub(self.base))
            .take_while(old_enough)
            .count();
        self.base + count
    }
}

/// What [`Log::droppable_end`] weighs.
pub(super) struct Cut {
    pub(super) retention: Retention,
    pub(super) lowest_floor: Option<usize>,
    pub(super) limit: usize,
    pub(super) min_age: Duration,
    pub(super) at_most: usize,
    pub(super) now: Instant,
}

impl std::ops::Index<usize> for Log {
    type Output = Message;

    /// The event at `offset`; panics when it was dropped or is not published yet.
    fn index(&self, offset: usize) -> &Message {
        &self.messages[offset - self.base]
    }
}
