//! The workload: `Step { key, n }` events applied to `replica(key, seq, applied)`.
//!
//! The handler checks that `n` follows the key's last `seq` and writes any violation to
//! `violations` in the same transaction, and `applied` counts applications: so after a run,
//! "every key at its last step, applied exactly as many times as it has steps, no violations"
//! proves nothing was lost, nothing applied twice and per-key order held.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use herald_runtime::{
    ConsumerConfig, Dialect, Envelope, Event, Handler, HandlerError, SqlValue, Store, StoreError,
    Transaction,
};
use serde::{Deserialize, Serialize};

/// One step of one key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    /// The key.
    pub key: String,
    /// Its position: 0, 1, 2, …
    pub n: i64,
}

impl Event for Step {
    const NAME: &'static str = "Step";
    const VERSION: u32 = 1;
    fn key(&self) -> String {
        self.key.clone()
    }
}

/// `keys × steps` events, interleaved across keys (step 0 of every key, then step 1, …).
pub fn steps(keys: usize, steps: i64) -> Vec<Envelope> {
    let mut out = Vec::with_capacity(keys * steps as usize);
    for n in 0..steps {
        for k in 0..keys {
            let step = Step {
                key: format!("key-{k:03}"),
                n,
            };
            if let Ok(envelope) = Envelope::wrap("reliability", &step, None) {
                out.push(envelope);
            }
        }
    }
    out
}

/// Writes `$1`-style placeholders in the store's dialect (`?1` on SQLite).
pub fn sql(dialect: Dialect, text: &str) -> String {
    match dialect {
        Dialect::Postgres => text.to_owned(),
        Dialect::Sqlite => text.replace('$', "?"),
    }
}

/// Creates the workload's tables (and herald's).
pub async fn prepare(store: &dyn Store) -> Result<(), StoreError> {
    store.migrate().await?;
    let mut tx = store.begin().await?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS replica (key TEXT PRIMARY KEY, seq BIGINT NOT NULL, applied BIGINT NOT NULL)",
        &[],
    )
    .await?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS violations (key TEXT NOT NULL, detail TEXT NOT NULL)",
        &[],
    )
    .await?;
    tx.commit().await
}

/// The replica handler.
pub struct StepReplica;

#[herald_runtime::__private::async_trait]
impl Handler for StepReplica {
    fn event_types(&self) -> Vec<String> {
        vec![Step::NAME.to_owned()]
    }

    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let step: Step = envelope.decode()?;
        let sql = Statements::of(tx.dialect());
        let key = SqlValue::from(step.key);
        let rows = tx.query(&sql.select, std::slice::from_ref(&key)).await?;
        let last = match rows.first() {
            Some(row) => row.get::<i64>("seq")?,
            None => -1,
        };
        if step.n != last + 1 {
            let detail = format!("step {} after {last}", step.n);
            tx.execute(&sql.violation, &[key.clone(), detail.into()])
                .await?;
        }
        tx.execute(&sql.upsert, &[key, step.n.into()]).await?;
        Ok(())
    }
}

/// The handler's statements in each dialect, written once.
struct Statements {
    select: String,
    violation: String,
    upsert: String,
}

impl Statements {
    fn of(dialect: Dialect) -> &'static Statements {
        static POSTGRES: LazyLock<Statements> =
            LazyLock::new(|| Statements::new(Dialect::Postgres));
        static SQLITE: LazyLock<Statements> = LazyLock::new(|| Statements::new(Dialect::Sqlite));
        match dialect {
            Dialect::Postgres => &POSTGRES,
            Dialect::Sqlite => &SQLITE,
        }
    }

    fn new(dialect: Dialect) -> Statements {
        Statements {
            select: sql(dialect, "SELECT seq FROM replica WHERE key = $1"),
            violation: sql(
                dialect,
                "INSERT INTO violations (key, detail) VALUES ($1, $2)",
            ),
            upsert: sql(
                dialect,
                "INSERT INTO replica (key, seq, applied) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, applied = replica.applied + 1",
            ),
        }
    }
}

/// What the replica holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Observed {
    /// key → (last step, applications).
    pub replica: BTreeMap<String, (i64, i64)>,
    /// Ordering violations recorded by the handler.
    pub violations: Vec<String>,
}

impl Observed {
    /// Applications in total.
    pub fn applied(&self) -> i64 {
        self.replica.values().map(|&(_, applied)| applied).sum()
    }

    /// Whether this is exactly `keys` keys each at step `steps - 1`, applied `steps` times,
    /// without violations; otherwise what differs.
    pub fn check(&self, keys: usize, steps: i64) -> Result<(), String> {
        if !self.violations.is_empty() {
            return Err(format!("order violations: {:?}", self.violations));
        }
        if self.replica.len() != keys {
            return Err(format!("{} keys, expected {keys}", self.replica.len()));
        }
        let wrong: Vec<_> = self
            .replica
            .iter()
            .filter(|(_, v)| **v != (steps - 1, steps))
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} keys off (last step, applications), expected ({}, {steps}): {:?}",
                wrong.len(),
                steps - 1,
                &wrong[..wrong.len().min(5)]
            ))
        }
    }
}

/// Reads the replica and the violations.
pub async fn observe(store: &dyn Store) -> Result<Observed, StoreError> {
    let mut tx = store.begin().await?;
    let mut observed = Observed::default();
    for row in tx
        .query("SELECT key, seq, applied FROM replica", &[])
        .await?
    {
        observed
            .replica
            .insert(row.get("key")?, (row.get("seq")?, row.get("applied")?));
    }
    for row in tx.query("SELECT key, detail FROM violations", &[]).await? {
        let key: String = row.get("key")?;
        let detail: String = row.get("detail")?;
        observed.violations.push(format!("{key}: {detail}"));
    }
    tx.rollback().await?;
    Ok(observed)
}

/// The consumer settings of the crash test's service. The test kills it many times: in-flight
/// events come back with a higher attempt each time, so the crash-loop guard (dead-letter an
/// event delivered more than `max_attempts` times) sits far above the number of kills.
/// Redelivery after a kill waits for `ack_wait`, kept short so the test moves on.
pub fn crash_consumer_config(name: &str) -> ConsumerConfig {
    let mut config = ConsumerConfig::new(name);
    config.max_attempts = 100;
    config.ack_wait = Duration::from_secs(2);
    config.prefetch = 256;
    config
}
