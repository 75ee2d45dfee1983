//! One lane: applies the events of its keys in arrival order, a batch per transaction, and falls
//! back to one event per transaction when a batch fails. An event whose handler asks for a
//! retry waits in [`Held`] with the later events of its key while the lane's other keys go on.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::dead_letters::{self, Replay};
use super::guard;
use super::handoff::LaneReceiver;
use super::held::{DueKey, Held};
use super::{ConsumerError, HandlerError, Shared};
use crate::bus::Delivery;
use crate::envelope::Envelope;
use crate::store::{DeadLetterStatus, NewDeadLetter, StoreError, Transaction};

/// A delivery with its envelope parsed (or the reason it did not parse).
pub(crate) struct Incoming {
    pub(crate) delivery: Delivery,
    pub(crate) envelope: Result<Envelope, String>,
}

/// What a lane is asked to do.
pub(crate) enum LaneMessage {
    /// Apply events, in order (a chunk of one fetch; see `handoff`).
    Deliver(Vec<Incoming>),
    /// Replay (optionally after skipping one) the dead letters of a key this lane owns.
    Replay {
        key: String,
        skip: Option<i64>,
        reply: oneshot::Sender<Result<Replay, ConsumerError>>,
    },
}

/// What became of one event.
enum Outcome {
    Applied,
    Duplicate,
    /// Written to the dead letters; `Some(key)` blocks that key from now on.
    DeadLettered(Option<String>),
    Parked,
}

/// What the checks before any write decided for one event (see [`Lane::decide`]).
enum Decision {
    /// The envelope does not parse: dead-letter it (it has no key to block).
    Undecodable(String),
    /// An earlier event of its key is dead-lettered: park it behind that one.
    Parked(String),
    /// Invalid: a duplicate when the inbox already holds it (processed, or skipped by an
    /// operator), otherwise dead-letter it and block its key.
    Rejected(String),
    /// Delivered more often than `max_attempts`: a duplicate when the inbox already holds it
    /// (its earlier copy was applied, only the acks were lost), otherwise dead-letter it and
    /// block its key.
    Overdelivered(String),
    /// Claim it in the inbox and hand it to the handler.
    Apply,
}

/// Why one event's transaction did not commit.
enum Failure {
    /// The handler failed: counts as an attempt.
    Handler(HandlerError),
    /// The store failed around the handler: retried without counting.
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

pub(crate) struct Lane {
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    /// Set once a retry pause was cut short by shutdown: everything left goes back to the bus.
    draining: bool,
    /// Keys waiting for a retry of their first event.
    held: Held,
}

impl Lane {
    pub(crate) fn new(shared: Arc<Shared>, shutdown: CancellationToken) -> Lane {
        Lane {
            shared,
            shutdown,
            draining: false,
            held: Held::default(),
        }
    }

    pub(crate) async fn run(mut self, mut receiver: LaneReceiver) {
        let batch_size = self.shared.config.batch_size.max(1);
        // Received, not applied yet, in arrival order (chunks can end mid-batch).
        let mut queue: VecDeque<Incoming> = VecDeque::new();
        loop {
            // While events keep coming the wait below is skipped: look at held keys here.
            if self
                .held
                .next_due()
                .is_some_and(|due| due <= Instant::now())
            {
                self.retry_due().await;
            }
            if self.shutdown.is_cancelled() && !self.held.is_empty() {
                let held = self.held.drain();
                self.hand_back(held).await;
            }
            if queue.is_empty() {
                let message = tokio::select! {
                    message = receiver.recv() => match message {
                        Some(message) => message,
                        None => break,
                    },
                    () = until(self.held.next_due()) => {
                        self.retry_due().await;
                        continue;
                    }
                    () = self.shutdown.cancelled(), if !self.held.is_empty() => {
                        let held = self.held.drain();
                        self.hand_back(held).await;
                        continue;
                    }
                };
                self.receive(message, &mut queue).await;
            }
            // Top the batch up with what already arrived, without waiting.
            while queue.len() < batch_size {
                match receiver.try_recv() {
                    Some(message) => self.receive(message, &mut queue).await,
                    None => break,
                }
            }
            let batch: Vec<Incoming> = queue.drain(..queue.len().min(batch_size)).collect();
            self.apply(batch).await;
        }
        let held = self.held.drain();
        if !held.is_empty() {
            self.hand_back(held).await;
        }
    }

    /// Queues delivered events, or serves a dead-letter request after applying every event
    /// that arrived before it.
    async fn receive(&mut self, message: LaneMessage, queue: &mut VecDeque<Incoming>) {
        match message {
            LaneMessage::Deliver(events) => queue.extend(events),
            LaneMessage::Replay { key, skip, reply } => {
                let batch_size = self.shared.config.batch_size.max(1);
                while !queue.is_empty() {
                    let batch: Vec<Incoming> = queue.drain(..queue.len().min(batch_size)).collect();
                    self.apply(batch).await;
                }
                let result = dead_letters::replay(&self.shared, &key, skip).await;
                let _ = reply.send(result);
            }
        }
    }

    async fn apply(&mut self, batch: Vec<Incoming>) {
        if batch.is_empty() {
            return;
        }
        if self.draining {
            return self.hand_back(batch).await;
        }
        let batch = self.queue_behind_held(batch);
        if batch.len() > 1 {
            match self.try_batch(&batch).await {
                Ok(outcomes) => {
                    for (incoming, outcome) in batch.into_iter().zip(outcomes) {
                        self.settle(incoming, outcome).await;
                    }
                    return;
                }
                Err(reason) => {
                    tracing::debug!(%reason, "batch failed; applying its events one by one");
                }
            }
        }
        self.apply_in_order(batch).await;
    }

    /// Events of held keys wait behind them; the rest is returned to be applied now.
    fn queue_behind_held(&mut self, batch: Vec<Incoming>) -> Vec<Incoming> {
        if self.held.is_empty() {
            return batch;
        }
        batch
            .into_iter()
            .filter_map(|incoming| self.held.queue_if_held(incoming))
            .collect()
    }

    /// Applies events one by one, in order; an event whose key became held on the way queues
    /// behind it.
    async fn apply_in_order(&mut self, events: impl IntoIterator<Item = Incoming>) {
        let mut rest = events.into_iter();
        while let Some(incoming) = rest.next() {
            if self.draining {
                let remaining: Vec<Incoming> = std::iter::once(incoming).chain(rest).collect();
                return self.hand_back(remaining).await;
            }
            if let Some(incoming) = self.held.queue_if_held(incoming) {
                self.apply_one(incoming, 0).await;
            }
        }
    }

    /// Gives every key whose retry is due its next attempt, then the events that waited behind
    /// it.
    async fn retry_due(&mut self) {
        for DueKey {
            mut events,
            failures,
        } in self.held.take_due(Instant::now())
        {
            let Some(first) = events.pop_front() else {
                continue;
            };
            if self.draining {
                let all: Vec<Incoming> = std::iter::once(first).chain(events).collect();
                self.hand_back(all).await;
                continue;
            }
            self.apply_one(first, failures).await;
            self.apply_in_order(events).await;
        }
    }

    /// The fast path: the whole batch in one transaction. Any failure rolls it all back and the
    /// caller applies the events one by one. The events due for the handler are claimed in the
    /// inbox together, in one statement where the store can, before the first handler runs:
    /// every claim still commits or rolls back with the handlers' writes.
    async fn try_batch(&self, batch: &[Incoming]) -> Result<Vec<Outcome>, String> {
        let decisions: Vec<Decision> = batch
            .iter()
            .map(|incoming| self.decide(incoming, incoming.delivery.attempt))
            .collect();
        if decisions
            .iter()
            .any(|decision| matches!(decision, Decision::Rejected(_) | Decision::Overdelivered(_)))
        {
            // Whether a rejected event blocks its key (and parks the later events of it in
            // this batch) depends on the inbox: rare, so settled one event at a time.
            return Err("an event is to be dead-lettered".to_owned());
        }
        let due: Vec<&str> = batch
            .iter()
            .zip(&decisions)
            .filter(|(_, decision)| matches!(decision, Decision::Apply))
            .filter_map(|(incoming, _)| incoming.envelope.as_ref().ok())
            .map(|envelope| envelope.id.as_str())
            .collect();
        let mut tx = self.shared.store.begin().await.map_err(|e| e.to_string())?;
        let claims = tx
            .inbox_claim_many(&self.shared.config.name, &due)
            .await
            .map_err(|e| e.to_string())?;
        if claims.len() != due.len() {
            return Err(format!(
                "the store answered {} inbox claims for {} events",
                claims.len(),
                due.len()
            ));
        }
        let mut claims = claims.into_iter();
        let mut outcomes = Vec::with_capacity(batch.len());
        for (incoming, decision) in batch.iter().zip(decisions) {
            let claimed = match decision {
                Decision::Apply => claims.next(),
                _ => None,
            };
            let outcome = self
                .step(
                    tx.as_mut(),
                    incoming,
                    incoming.delivery.attempt,
                    decision,
                    claimed,
                )
                .await
                .map_err(|failure| match failure {
                    Failure::Handler(error) => error.to_string(),
                    Failure::Store(error) => error.to_string(),
                })?;
            outcomes.push(outcome);
        }
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok(outcomes)
    }

    /// What the checks that need no store say about one event.
    fn decide(&self, incoming: &Incoming, attempt: u32) -> Decision {
        let shared = &self.shared;
        let envelope = match &incoming.envelope {
            Ok(envelope) => envelope,
            Err(reason) => return Decision::Undecodable(format!("undecodable envelope: {reason}")),
        };
        let key = envelope.key();
        if shared.is_blocked(key) {
            return Decision::Parked(format!(
                "parked behind an earlier dead letter of key {key:?}"
            ));
        }
        let validated = guard::validate(shared.handler.as_ref(), envelope);
        match validated {
            Err(reason) => Decision::Rejected(format!("invalid {}: {reason}", envelope.describe())),
            Ok(()) if attempt > shared.config.max_attempts => Decision::Overdelivered(format!(
                "delivered {attempt} times without being settled (the consumer crashed or \
                 timed out on it every time)"
            )),
            Ok(()) => Decision::Apply,
        }
    }

    /// One event inside `tx`, as `decision` says. An event to apply is claimed in the inbox
    /// here unless `claimed` already tells how its claim went.
    async fn step(
        &self,
        tx: &mut dyn Transaction,
        incoming: &Incoming,
        attempt: u32,
        decision: Decision,
        claimed: Option<bool>,
    ) -> Result<Outcome, Failure> {
        let shared = &self.shared;
        let consumer = shared.config.name.as_str();
        let envelope = match (decision, &incoming.envelope) {
            (Decision::Undecodable(reason), _) => {
                self.write_dead_letter(tx, incoming, &reason, attempt, DeadLetterStatus::Failed)
                    .await?;
                return Ok(Outcome::DeadLettered(None));
            }
            (Decision::Parked(reason), _) => {
                self.write_dead_letter(tx, incoming, &reason, 0, DeadLetterStatus::Parked)
                    .await?;
                return Ok(Outcome::Parked);
            }
            (Decision::Rejected(reason) | Decision::Overdelivered(reason), Ok(envelope)) => {
                if tx.inbox_contains(consumer, &envelope.id).await? {
                    return Ok(Outcome::Duplicate);
                }
                self.write_dead_letter(tx, incoming, &reason, attempt, DeadLetterStatus::Failed)
                    .await?;
                return Ok(Outcome::DeadLettered(Some(envelope.key().to_owned())));
            }
            (Decision::Apply, Ok(envelope)) => envelope,
            (Decision::Apply | Decision::Rejected(_) | Decision::Overdelivered(_), Err(reason)) => {
                // `decide` never says so; dead-letter rather than lose it.
                let reason = format!("undecodable envelope: {reason}");
                self.write_dead_letter(tx, incoming, &reason, attempt, DeadLetterStatus::Failed)
                    .await?;
                return Ok(Outcome::DeadLettered(None));
            }
        };
        let claimed = match claimed {
            Some(claimed) => claimed,
            None => tx.inbox_claim(consumer, &envelope.id).await?,
        };
        if !claimed {
            return Ok(Outcome::Duplicate);
        }
        let key = envelope.key();
        let span = tracing::info_span!(
            "herald.consume",
            consumer,
            event.id = %envelope.id,
            event.r#type = %envelope.event_type,
            event.key = key,
            trace_id = tracing::field::Empty,
            parent_id = tracing::field::Empty,
            attempt,
        );
        // Formatting the trace costs more than the rest of the span: only for a subscriber.
        if !span.is_disabled()
            && let Some(trace) = envelope.trace()
        {
            span.record("trace_id", trace.trace_id_hex());
            span.record("parent_id", trace.to_string());
        }
        guard::handle(shared.handler.handle(envelope, tx).instrument(span))
            .await
            .map_err(Failure::Handler)?;
        Ok(Outcome::Applied)
    }

    async fn write_dead_letter(
        &self,
        tx: &mut dyn Transaction,
        incoming: &Incoming,
        reason: &str,
        attempts: u32,
        status: DeadLetterStatus,
    ) -> Result<i64, StoreError> {
        let envelope = incoming.envelope.as_ref().ok();
        let letter = NewDeadLetter {
            consumer: &self.shared.config.name,
            event_id: envelope.map(|e| e.id.as_str()),
            event_type: envelope.map(|e| e.event_type.as_str()),
            subject: envelope.map_or("", |e| e.key()),
            envelope: &incoming.delivery.payload,
            reason,
            attempts,
            status,
        };
        tx.dead_letter_push(&letter).await
    }

    /// The slow path: one event in its own transaction. A store failure is retried here with
    /// backoff (it holds up every key alike); a handler's retry holds the event's key (see
    /// [`Held`]) until the backoff has passed. `handler_failures` counts the earlier attempts.
    async fn apply_one(&mut self, incoming: Incoming, mut handler_failures: u32) {
        let config = &self.shared.config;
        let mut store_failures = 0u32;
        loop {
            let attempt = incoming.delivery.attempt + handler_failures;
            let result = self.one_transaction(&incoming, attempt).await;
            let pause = match result {
                Ok(outcome) => return self.settle(incoming, outcome).await,
                Err(Failure::Handler(HandlerError::Reject(reason))) => {
                    return self.give_up(incoming, &reason, attempt).await;
                }
                Err(Failure::Handler(HandlerError::Retry(error))) => {
                    if attempt >= config.max_attempts {
                        let reason = format!("failed {attempt} attempts; last error: {error}");
                        return self.give_up(incoming, &reason, attempt).await;
                    }
                    handler_failures += 1;
                    self.shared.metrics.add_retried();
                    tracing::warn!(consumer = %config.name, attempt, %error, "handler failed; retrying");
                    let pause = config.backoff.delay(handler_failures);
                    if let Some(key) = key_of(&incoming).map(str::to_owned) {
                        let due = Instant::now() + pause;
                        self.held.hold(&key, incoming, handler_failures, due);
                        return;
                    }
                    pause
                }
                Err(Failure::Store(error)) => {
                    store_failures += 1;
                    tracing::warn!(consumer = %config.name, %error, "store failed; retrying");
                    config.backoff.delay(store_failures)
                }
            };
            if !self.pause(pause).await {
                return self.hand_back(vec![incoming]).await;
            }
        }
    }

    async fn one_transaction(&self, incoming: &Incoming, attempt: u32) -> Result<Outcome, Failure> {
        let decision = self.decide(incoming, attempt);
        let mut tx = self.shared.store.begin().await?;
        let outcome = self
            .step(tx.as_mut(), incoming, attempt, decision, None)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Dead-letters an event (retrying the store until it takes it: the event must not be
    /// lost), blocks its key, and acks it.
    async fn give_up(&mut self, incoming: Incoming, reason: &str, attempts: u32) {
        let mut failures = 0;
        loop {
            let written = async {
                let mut tx = self.shared.store.begin().await?;
                self.write_dead_letter(
                    tx.as_mut(),
                    &incoming,
                    reason,
                    attempts,
                    DeadLetterStatus::Failed,
                )
                .await?;
                tx.commit().await
            }
            .await;
            match written {
                Ok(()) => {
                    let key = incoming.envelope.as_ref().ok().map(|e| e.key().to_owned());
                    tracing::error!(consumer = %self.shared.config.name, key = ?key, %reason, "event dead-lettered");
                    return self.settle(incoming, Outcome::DeadLettered(key)).await;
                }
                Err(error) => {
                    failures += 1;
                    tracing::warn!(%error, "cannot write a dead letter; retrying");
                    if !self.pause(self.shared.config.backoff.delay(failures)).await {
                        return self.hand_back(vec![incoming]).await;
                    }
                }
            }
        }
    }

    /// Records a committed outcome and acks the delivery.
    async fn settle(&self, incoming: Incoming, outcome: Outcome) {
        let metrics = &self.shared.metrics;
        match outcome {
            Outcome::Applied => metrics.add_processed(1),
            Outcome::Duplicate => metrics.add_duplicates(1),
            Outcome::Parked => metrics.add_parked(),
            Outcome::DeadLettered(key) => {
                metrics.add_dead_lettered();
                if let Some(key) = key {
                    self.shared.block(&key);
                }
            }
        }
        if let Err(error) = incoming.delivery.acker.ack().await {
            // The event is committed; the bus will redeliver it and the inbox will skip it.
            tracing::warn!(%error, "ack failed after commit; the redelivery will be skipped");
        }
    }

    /// Gives deliveries back to the bus for later (shutdown).
    async fn hand_back(&mut self, batch: Vec<Incoming>) {
        self.draining = true;
        give_back(batch, Duration::ZERO).await;
    }

    /// Sleeps unless shutdown comes first; `false` when it did.
    async fn pause(&self, pause: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(pause) => true,
            () = self.shutdown.cancelled() => false,
        }
    }
}

/// The key of an event whose envelope parsed.
fn key_of(incoming: &Incoming) -> Option<&str> {
    incoming.envelope.as_ref().ok().map(Envelope::key)
}

/// Resolves at `due`, or never when nothing is due.
async fn until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// Hands events back to the bus, each redelivered after `delay`. A nak that fails (the broker
/// is away) loses nothing: the bus delivers the event again once its ack deadline passes.
pub(crate) async fn give_back(events: Vec<Incoming>, delay: Duration) {
    for incoming in events {
        if let Err(error) = incoming.delivery.acker.nak(delay).await {
            tracing::debug!(%error, "nak failed; the bus redelivers the event after ack_wait");
        }
    }
}
