//! The hop from the fetch loop to a lane: events travel in chunks (one message per lane and
//! fetch, at most a batch each) instead of one message per event, so a busy consumer pays the
//! channel's send, wake-up and allocation once per chunk.
//!
//! The bound is still counted in events, as a channel of single events would: the fetch loop
//! takes one credit per event before sending and the lane gives them back as it takes the
//! events off the channel, so a slow lane holds back the fetch loop after `capacity` events
//! whatever the chunk sizes.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::lane::{Incoming, LaneMessage};

/// Creates the hop to one lane holding at most `capacity` events not yet taken by the lane.
pub(crate) fn channel(capacity: usize) -> (LaneSender, LaneReceiver) {
    // `acquire_many` counts in `u32`.
    let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let credits = Arc::new(Semaphore::new(capacity));
    let (sender, receiver) = mpsc::unbounded_channel();
    (
        LaneSender {
            sender,
            credits: credits.clone(),
            capacity,
        },
        LaneReceiver {
            receiver,
            credits,
            capacity,
        },
    )
}

/// The fetch loop's (and the dead-letter operations') end of the hop.
#[derive(Clone)]
pub(crate) struct LaneSender {
    sender: mpsc::UnboundedSender<LaneMessage>,
    credits: Arc<Semaphore>,
    capacity: usize,
}

/// Why a message did not reach its lane.
#[derive(Debug)]
pub(crate) struct LaneGone;

/// Events that did not reach their lane (it is gone), given back to be handed to the bus.
pub(crate) struct Undelivered(pub(crate) Vec<Incoming>);

impl std::fmt::Debug for Undelivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Undelivered({} events)", self.0.len())
    }
}

impl LaneSender {
    /// Sends `events` (in order) once the lane has room for them; a chunk larger than the
    /// whole capacity waits for an empty channel. When the lane is gone, or `stop` comes first,
    /// the events come back.
    pub(crate) async fn deliver(
        &self,
        events: Vec<Incoming>,
        stop: &CancellationToken,
    ) -> Result<(), Undelivered> {
        let count = u32::try_from(credits_of(&events, self.capacity)).unwrap_or(u32::MAX);
        let permits = tokio::select! {
            // Room first: at shutdown, events the lane can still take go to it.
            biased;
            // Closed when the lane's receiving end is gone.
            permits = self.credits.acquire_many(count) => permits.ok(),
            () = stop.cancelled() => None,
        };
        let Some(permits) = permits else {
            return Err(Undelivered(events));
        };
        permits.forget();
        self.sender
            .send(LaneMessage::Deliver(events))
            .map_err(|failed| match failed.0 {
                LaneMessage::Deliver(events) => Undelivered(events),
                LaneMessage::Replay { .. } => Undelivered(Vec::new()),
            })
    }

    /// Sends a request that takes no room (a dead-letter operation).
    pub(crate) fn request(&self, message: LaneMessage) -> Result<(), LaneGone> {
        self.sender.send(message).map_err(|_| LaneGone)
    }
}

/// The lane's end of the hop.
pub(crate) struct LaneReceiver {
    receiver: mpsc::UnboundedReceiver<LaneMessage>,
    credits: Arc<Semaphore>,
    capacity: usize,
}

impl LaneReceiver {
    /// The next message; `None` once every sender is gone and nothing is left.
    pub(crate) async fn recv(&mut self) -> Option<LaneMessage> {
        let message = self.receiver.recv().await?;
        Some(self.taken(message))
    }

    /// The next message if one is waiting.
    pub(crate) fn try_recv(&mut self) -> Option<LaneMessage> {
        let message = self.receiver.try_recv().ok()?;
        Some(self.taken(message))
    }

    /// Gives back the room a chunk of events held in the channel.
    fn taken(&self, message: LaneMessage) -> LaneMessage {
        if let LaneMessage::Deliver(events) = &message {
            self.credits.add_permits(credits_of(events, self.capacity));
        }
        message
    }
}

impl Drop for LaneReceiver {
    /// A lane that ended (it only does when the senders are gone, or by a panic) must not
    /// leave the fetch loop waiting for credits forever.
    fn drop(&mut self) {
        self.credits.close();
    }
}

/// The credits a chunk takes: one per event, at most the whole capacity.
fn credits_of(events: &[Incoming], capacity: usize) -> usize {
    events.len().min(capacity)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::consumer::test_support::delivery;

    fn events(count: usize) -> Vec<Incoming> {
        (0..count)
            .map(|n| Incoming {
                delivery: delivery(vec![u8::try_from(n).unwrap_or(u8::MAX)], 1),
                envelope: Err("not parsed".to_owned()),
            })
            .collect()
    }

    impl LaneSender {
        async fn deliver_now(&self, events: Vec<Incoming>) -> Result<(), Undelivered> {
            self.deliver(events, &CancellationToken::new()).await
        }
    }

    fn delivered(message: Option<LaneMessage>) -> Vec<u8> {
        match message {
            Some(LaneMessage::Deliver(events)) => events
                .into_iter()
                .map(|incoming| incoming.delivery.payload[0])
                .collect(),
            _ => panic!("expected delivered events"),
        }
    }

    #[tokio::test]
    async fn the_bound_counts_events_not_chunks() {
        let (sender, mut receiver) = channel(4);
        sender.deliver_now(events(3)).await.unwrap();
        // One credit left: a chunk of two waits until the lane takes the first chunk.
        let blocked =
            tokio::time::timeout(Duration::from_millis(50), sender.deliver_now(events(2)));
        assert!(blocked.await.is_err(), "a full lane holds the sender back");
        assert_eq!(delivered(receiver.try_recv()), [0, 1, 2]);
        sender.deliver_now(events(2)).await.unwrap();
        sender.deliver_now(events(2)).await.unwrap();
        assert_eq!(delivered(receiver.recv().await), [0, 1]);
        assert_eq!(delivered(receiver.recv().await), [0, 1]);
    }

    #[tokio::test]
    async fn a_chunk_larger_than_the_bound_waits_for_an_empty_lane() {
        let (sender, mut receiver) = channel(2);
        sender.deliver_now(events(5)).await.unwrap();
        assert_eq!(delivered(receiver.recv().await), [0, 1, 2, 3, 4]);
        sender.deliver_now(events(1)).await.unwrap();
        assert_eq!(delivered(receiver.recv().await), [0]);
    }

    #[tokio::test]
    async fn a_stop_while_the_lane_is_full_gives_the_events_back() {
        let (sender, _receiver) = channel(1);
        sender.deliver_now(events(1)).await.unwrap();
        let stop = CancellationToken::new();
        let stopping = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stopping.cancel();
        });
        let sent = tokio::time::timeout(Duration::from_secs(5), sender.deliver(events(2), &stop));
        match sent.await {
            Ok(Err(Undelivered(back))) => assert_eq!(back.len(), 2),
            _ => panic!("the stop must end the wait and give the events back"),
        }
    }

    #[tokio::test]
    async fn a_gone_lane_fails_the_sender_instead_of_blocking_it() {
        let (sender, receiver) = channel(1);
        sender.deliver_now(events(1)).await.unwrap();
        drop(receiver);
        let sent =
            tokio::time::timeout(Duration::from_secs(5), sender.deliver_now(events(1))).await;
        match sent {
            Ok(Err(Undelivered(back))) => assert_eq!(back.len(), 1, "the events come back"),
            _ => panic!("a gone lane must fail the sender"),
        }
    }
}
