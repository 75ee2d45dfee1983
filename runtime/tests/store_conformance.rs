//! One suite of semantic tests that every store must pass, like NServiceBus' persistence
//! tests: each test below runs once against SQLite (`sqlite::…`) and once against PostgreSQL
//! (`postgres::…`, skipped with a message when `HERALD_TEST_POSTGRES_URL` is unset). Store-only
//! behaviour (opening files, connecting, type mapping) is tested at the end of each half.

#![cfg(any(feature = "sqlite", feature = "postgres"))]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_runtime::Envelope;
use herald_runtime::store::{
    DeadLetterStatus, Dialect, NewDeadLetter, SqlValue, Store, StoreError, Transaction,
};

/// Which store a test runs on, for the few assertions that differ by design.
#[cfg_attr(not(all(feature = "sqlite", feature = "postgres")), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
}

/// What each conformance test receives: a migrated, empty store of its own.
struct Harness {
    store: Arc<dyn Store>,
    kind: Kind,
}

impl Harness {
    /// `text` with `?N` placeholders, in the store's dialect.
    fn sql(&self, text: &str) -> String {
        match self.store.dialect() {
            Dialect::Sqlite => text.to_owned(),
            Dialect::Postgres => text.replace('?', "$"),
        }
    }

    async fn begin(&self) -> Box<dyn Transaction> {
        self.store.begin().await.unwrap()
    }

    async fn execute(&self, sql: &str, params: &[SqlValue]) -> u64 {
        let mut tx = self.begin().await;
        let changed = tx.execute(&self.sql(sql), params).await.unwrap();
        tx.commit().await.unwrap();
        changed
    }

    async fn count(&self, sql: &str) -> i64 {
        let mut tx = self.begin().await;
        let rows = tx.query(&self.sql(sql), &[]).await.unwrap();
        tx.rollback().await.unwrap();
        rows[0].get_at(0, "count").unwrap()
    }

    /// Claims in a transaction of its own and commits; the claim's result.
    async fn claim(&self, consumer: &str, event_id: &str) -> bool {
        let mut tx = self.begin().await;
        let claimed = tx.inbox_claim(consumer, event_id).await.unwrap();
        tx.commit().await.unwrap();
        claimed
    }

    /// Whether `event_id` is claimed, without changing anything.
    async fn is_claimed(&self, consumer: &str, event_id: &str) -> bool {
        let mut tx = self.begin().await;
        let claimed = !tx.inbox_claim(consumer, event_id).await.unwrap();
        tx.rollback().await.unwrap();
        claimed
    }

    /// An application table with one column per SqlValue kind, in the store's dialect.
    async fn create_values_table(&self) {
        let ddl = match self.kind {
            Kind::Sqlite => {
                "CREATE TABLE app_values (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, \
                 b BLOB, flag BOOLEAN, doc JSON)"
            }
            Kind::Postgres => {
                "CREATE TABLE app_values (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, \
                 t TEXT, b BYTEA, flag BOOLEAN, doc JSONB)"
            }
        };
        self.execute(ddl, &[]).await;
    }
}

fn envelope(id: &str, key: &str, n: u32) -> Envelope {
    let json = format!(
        r#"{{"specversion":"1.0","id":"{id}","source":"conformance","type":"OrderPlaced",
            "subject":"{key}","dataschema":"herald:OrderPlaced/1",
            "datacontenttype":"application/json","data":{{"n":{n},"note":"ünïcødé ✓"}}}}"#
    );
    Envelope::from_slice(json.as_bytes()).unwrap()
}

fn letter<'a>(
    consumer: &'a str,
    key: &'a str,
    status: DeadLetterStatus,
    bytes: &'a [u8],
) -> NewDeadLetter<'a> {
    NewDeadLetter {
        consumer,
        event_id: Some("evt-1"),
        event_type: Some("OrderPlaced"),
        subject: key,
        envelope: bytes,
        reason: "handler failed: boom",
        attempts: 3,
        status,
    }
}

fn millis(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

// ---------------------------------------------------------------------------------------------
// The conformance tests, each run against every store.
// ---------------------------------------------------------------------------------------------

async fn claim_is_true_once_then_reports_duplicates(h: Harness) {
    let mut tx = h.begin().await;
    assert!(tx.inbox_claim("billing", "evt-1").await.unwrap());
    assert!(!tx.inbox_claim("billing", "evt-1").await.unwrap());
    tx.commit().await.unwrap();

    assert!(
        !h.claim("billing", "evt-1").await,
        "a redelivery is a duplicate"
    );
    assert!(
        h.claim("shipping", "evt-1").await,
        "each consumer has its own inbox"
    );
    assert!(h.claim("billing", "evt-2").await);
}

async fn the_inbox_is_looked_up_without_claiming(h: Harness) {
    let mut tx = h.begin().await;
    assert!(!tx.inbox_contains("billing", "evt-1").await.unwrap());
    assert!(
        !tx.inbox_contains("billing", "evt-1").await.unwrap(),
        "looking does not claim"
    );
    assert!(tx.inbox_claim("billing", "evt-1").await.unwrap());
    assert!(
        tx.inbox_contains("billing", "evt-1").await.unwrap(),
        "a claim of this transaction counts"
    );
    assert!(!tx.inbox_contains("shipping", "evt-1").await.unwrap());
    tx.commit().await.unwrap();

    let mut tx = h.begin().await;
    assert!(tx.inbox_contains("billing", "evt-1").await.unwrap());
    assert!(!tx.inbox_contains("billing", "evt-2").await.unwrap());
    tx.rollback().await.unwrap();
}

async fn claiming_many_matches_claiming_one_by_one(h: Harness) {
    assert!(h.claim("billing", "seen-before").await);
    let ids = [
        "evt-a",
        "seen-before",
        "evt-b",
        "evt-a",
        "with \"quotes\", \\ and ünïcode",
        "evt-c",
    ];
    let mut tx = h.begin().await;
    let claimed = tx.inbox_claim_many("billing", &ids).await.unwrap();
    assert_eq!(claimed, [true, false, true, false, true, true]);
    assert_eq!(
        tx.inbox_claim_many("billing", &[]).await.unwrap(),
        Vec::<bool>::new()
    );
    assert_eq!(
        tx.inbox_claim_many("billing", &["evt-b"]).await.unwrap(),
        [false]
    );
    assert!(
        tx.inbox_claim_many("shipping", &["evt-a", "evt-b"])
            .await
            .unwrap()
            .iter()
            .all(|&claimed| claimed),
        "each consumer has its own inbox"
    );
    tx.commit().await.unwrap();
    for id in ids {
        assert!(h.is_claimed("billing", id).await, "{id} is claimed");
    }

    let mut tx = h.begin().await;
    assert_eq!(
        tx.inbox_claim_many("billing", &["evt-d", "evt-e"])
            .await
            .unwrap(),
        [true, true]
    );
    tx.rollback().await.unwrap();
    assert!(
        !h.is_claimed("billing", "evt-d").await,
        "claims roll back with their transaction"
    );
}

async fn rolled_back_claim_is_forgotten(h: Harness) {
    let mut tx = h.begin().await;
    assert!(tx.inbox_claim("billing", "evt-1").await.unwrap());
    tx.rollback().await.unwrap();
    assert!(h.claim("billing", "evt-1").await);
}

async fn dropped_transaction_rolls_back(h: Harness) {
    let mut tx = h.begin().await;
    assert!(tx.inbox_claim("billing", "evt-1").await.unwrap());
    tx.outbox_push(&envelope("out-1", "k", 1)).await.unwrap();
    drop(tx);

    // Several later transactions, so a pooled connection left inside the dropped transaction
    // would be reused by one of them and its commit would commit the dropped writes too.
    for n in 0..6 {
        assert!(h.claim("billing", &format!("later-{n}")).await);
    }
    assert!(!h.is_claimed("billing", "evt-1").await);
    assert!(h.store.outbox_pending(10).await.unwrap().is_empty());
}

async fn application_statements_and_claim_commit_together(h: Harness) {
    h.execute(
        "CREATE TABLE app_orders (id TEXT PRIMARY KEY, total BIGINT NOT NULL)",
        &[],
    )
    .await;
    let insert = h.sql("INSERT INTO app_orders (id, total) VALUES (?1, ?2)");

    let mut tx = h.begin().await;
    assert_eq!(
        tx.execute(&insert, &["o-1".into(), 10_i64.into()])
            .await
            .unwrap(),
        1
    );
    assert!(tx.inbox_claim("orders", "evt-1").await.unwrap());
    tx.rollback().await.unwrap();
    assert_eq!(h.count("SELECT COUNT(*) FROM app_orders").await, 0);
    assert!(!h.is_claimed("orders", "evt-1").await);

    let mut tx = h.begin().await;
    tx.execute(&insert, &["o-1".into(), 10_i64.into()])
        .await
        .unwrap();
    assert!(tx.inbox_claim("orders", "evt-1").await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(h.count("SELECT COUNT(*) FROM app_orders").await, 1);
    assert!(h.is_claimed("orders", "evt-1").await);

    // A failing statement after the claim: the caller gives up on the transaction, and the
    // claim goes with it.
    let mut tx = h.begin().await;
    assert!(tx.inbox_claim("orders", "evt-2").await.unwrap());
    let duplicate_key = tx.execute(&insert, &["o-1".into(), 20_i64.into()]).await;
    assert!(
        matches!(duplicate_key, Err(StoreError::Query { .. })),
        "{duplicate_key:?}"
    );
    drop(tx);
    assert!(!h.is_claimed("orders", "evt-2").await);
    assert_eq!(h.count("SELECT COUNT(*) FROM app_orders").await, 1);
}

async fn every_value_round_trips(h: Harness) {
    h.create_values_table().await;
    let blob: Vec<u8> = (0..2_000_000_u32)
        .map(|n| (n * 7 + n / 256) as u8)
        .collect();
    let text = "héllo wörld — 日本語 🎉 'quoted' \"double\" \\ back\ttab\nnewline".to_owned();
    let doc = serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"ü": "ß"}});
    let insert = h.sql(
        "INSERT INTO app_values (id, i, r, t, b, flag, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    );
    let rows: Vec<(i64, i64, f64, bool)> = vec![
        (1, i64::MIN, -1.5e300, true),
        (2, i64::MAX, f64::MIN_POSITIVE, false),
        (3, 0, 0.0, true),
        (4, -1, 0.1 + 0.2, false),
    ];
    let mut tx = h.begin().await;
    for (id, i, r, flag) in &rows {
        let params = [
            SqlValue::Integer(*id),
            SqlValue::Integer(*i),
            SqlValue::Real(*r),
            SqlValue::Text(text.clone()),
            SqlValue::Blob(blob.clone()),
            SqlValue::Bool(*flag),
            SqlValue::Json(doc.clone()),
        ];
        assert_eq!(tx.execute(&insert, &params).await.unwrap(), 1);
    }
    let nulls = [
        SqlValue::Integer(5),
        SqlValue::Null,
        SqlValue::Null,
        SqlValue::Null,
        SqlValue::Null,
        SqlValue::Null,
        SqlValue::Null,
    ];
    tx.execute(&insert, &nulls).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = h.begin().await;
    let read = tx
        .query(
            &h.sql("SELECT id, i, r, t, b, flag, doc FROM app_values ORDER BY id"),
            &[],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(read.len(), 5);
    assert_eq!(read[0].columns(), ["id", "i", "r", "t", "b", "flag", "doc"]);
    for (row, (id, i, r, flag)) in read.iter().zip(&rows) {
        assert_eq!(row.get::<i64>("id").unwrap(), *id);
        assert_eq!(row.get::<i64>("i").unwrap(), *i);
        assert_eq!(row.get::<f64>("r").unwrap().to_bits(), r.to_bits());
        assert_eq!(row.get::<String>("t").unwrap(), text);
        assert_eq!(row.get::<Vec<u8>>("b").unwrap(), blob);
        assert_eq!(row.get::<bool>("flag").unwrap(), *flag);
        assert_eq!(row.get::<serde_json::Value>("doc").unwrap(), doc);
    }
    let null_row = &read[4];
    assert_eq!(null_row.get::<Option<i64>>("i").unwrap(), None);
    assert_eq!(null_row.get::<Option<f64>>("r").unwrap(), None);
    assert_eq!(null_row.get::<Option<String>>("t").unwrap(), None);
    assert_eq!(null_row.get::<Option<Vec<u8>>>("b").unwrap(), None);
    assert_eq!(null_row.get::<Option<bool>>("flag").unwrap(), None);
    assert_eq!(
        null_row.get::<Option<serde_json::Value>>("doc").unwrap(),
        None
    );
    assert!(matches!(
        null_row.get::<i64>("i"),
        Err(StoreError::Type { .. })
    ));

    // Parameters in WHERE clauses bind the same way.
    let mut tx = h.begin().await;
    let found = tx
        .query(
            &h.sql("SELECT id FROM app_values WHERE i = ?1 AND t = ?2"),
            &[SqlValue::Integer(i64::MAX), SqlValue::Text(text.clone())],
        )
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].get::<i64>("id").unwrap(), 2);
}

async fn outbox_relays_in_insert_order_across_keys(h: Harness) {
    let pushed: Vec<Envelope> = ["a", "b", "a", "c", "b", "a"]
        .iter()
        .enumerate()
        .map(|(n, key)| envelope(&format!("evt-{n}"), key, n as u32))
        .collect();
    let mut tx = h.begin().await;
    for envelope in &pushed[..3] {
        tx.outbox_push(envelope).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = h.begin().await;
    for envelope in &pushed[3..] {
        tx.outbox_push(envelope).await.unwrap();
    }
    tx.commit().await.unwrap();

    let pending = h.store.outbox_pending(100).await.unwrap();
    let envelopes: Vec<&Envelope> = pending.iter().map(|record| &record.envelope).collect();
    assert_eq!(envelopes, pushed.iter().collect::<Vec<_>>());
    assert!(pending.windows(2).all(|pair| pair[0].id < pair[1].id));

    let first_two = h.store.outbox_pending(2).await.unwrap();
    assert_eq!(first_two.len(), 2);
    assert_eq!(first_two[0].id, pending[0].id);

    let relayed: Vec<i64> = pending[..4].iter().map(|record| record.id).collect();
    h.store.outbox_mark_relayed(&relayed).await.unwrap();
    h.store.outbox_mark_relayed(&[]).await.unwrap();
    let rest = h.store.outbox_pending(100).await.unwrap();
    let rest_ids: Vec<&str> = rest
        .iter()
        .map(|record| record.envelope.id.as_str())
        .collect();
    assert_eq!(rest_ids, ["evt-4", "evt-5"]);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM herald_outbox WHERE relayed_at IS NOT NULL")
            .await,
        4,
        "relayed rows stay until purged"
    );
}

async fn purge_inbox_is_bounded_by_batch_and_keeps_newer_records(h: Harness) {
    let mut tx = h.begin().await;
    for n in 0..25 {
        tx.inbox_claim("billing", &format!("old-{n}"))
            .await
            .unwrap();
    }
    for n in 0..5 {
        tx.inbox_claim("billing", &format!("new-{n}"))
            .await
            .unwrap();
    }
    tx.execute(
        &h.sql("UPDATE herald_inbox SET processed_at = ?1 WHERE event_id LIKE 'old-%'"),
        &[SqlValue::Integer(1_000)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut batches = Vec::new();
    loop {
        let deleted = h.store.purge_inbox(millis(2_000), 10).await.unwrap();
        batches.push(deleted);
        if deleted < 10 {
            break;
        }
    }
    assert_eq!(batches, [10, 10, 5]);
    assert_eq!(h.count("SELECT COUNT(*) FROM herald_inbox").await, 5);
    assert!(h.is_claimed("billing", "new-0").await);
    assert!(!h.is_claimed("billing", "old-0").await);
}

async fn purge_outbox_is_bounded_by_batch_and_keeps_pending_and_newer_rows(h: Harness) {
    let mut tx = h.begin().await;
    for n in 0..30 {
        tx.outbox_push(&envelope(&format!("evt-{n}"), "k", n))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let pending = h.store.outbox_pending(100).await.unwrap();
    let relayed: Vec<i64> = pending[..25].iter().map(|record| record.id).collect();
    h.store.outbox_mark_relayed(&relayed).await.unwrap();
    // The first 20 were relayed long ago; 5 just now; 5 are still pending.
    h.execute(
        "UPDATE herald_outbox SET relayed_at = ?1 WHERE id <= ?2",
        &[SqlValue::Integer(1_000), SqlValue::Integer(relayed[19])],
    )
    .await;

    let mut batches = Vec::new();
    loop {
        let deleted = h.store.purge_outbox(millis(2_000), 7).await.unwrap();
        batches.push(deleted);
        if deleted < 7 {
            break;
        }
    }
    assert_eq!(batches, [7, 7, 6]);
    assert_eq!(h.count("SELECT COUNT(*) FROM herald_outbox").await, 10);
    assert_eq!(h.store.outbox_pending(100).await.unwrap().len(), 5);

    // The retention loop purges everything past retention, batch after batch (after a pause,
    // so the rows relayed above are strictly older than "now").
    tokio::time::sleep(Duration::from_millis(5)).await;
    let purged = herald_runtime::store::purge(
        h.store.as_ref(),
        &herald_runtime::store::Retention {
            inbox: Duration::ZERO,
            outbox: Duration::ZERO,
            batch: 2,
            pause: Duration::from_millis(1),
        },
    )
    .await
    .unwrap();
    assert_eq!(purged.outbox, 5);
    assert_eq!(h.store.outbox_pending(100).await.unwrap().len(), 5);
}

async fn relay_query_reads_the_partial_index(h: Harness) {
    let mut tx = h.begin().await;
    for n in 0..50 {
        tx.outbox_push(&envelope(&format!("evt-{n}"), "k", n))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let plan = explain_outbox_pending(&h).await;
    assert!(plan.contains("herald_outbox_pending"), "plan: {plan}");
}

async fn dead_letters_are_listed_by_key_updated_and_deleted(h: Harness) {
    let bytes = envelope("evt-1", "k1", 1).to_vec();
    let garbage = b"\xff not json".to_vec();
    let mut tx = h.begin().await;
    let first = tx
        .dead_letter_push(&letter("billing", "k1", DeadLetterStatus::Failed, &bytes))
        .await
        .unwrap();
    let parked = tx
        .dead_letter_push(&letter("billing", "k1", DeadLetterStatus::Parked, &bytes))
        .await
        .unwrap();
    let undecodable = NewDeadLetter {
        event_id: None,
        event_type: None,
        ..letter("billing", "", DeadLetterStatus::Failed, &garbage)
    };
    let third = tx.dead_letter_push(&undecodable).await.unwrap();
    tx.dead_letter_push(&letter("shipping", "k9", DeadLetterStatus::Failed, &bytes))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(first < parked && parked < third);

    let listed = h.store.dead_letters("billing").await.unwrap();
    let ids: Vec<i64> = listed.iter().map(|letter| letter.id).collect();
    assert_eq!(ids, [first, parked, third]);
    assert_eq!(listed[0].consumer, "billing");
    assert_eq!(listed[0].event_id.as_deref(), Some("evt-1"));
    assert_eq!(listed[0].event_type.as_deref(), Some("OrderPlaced"));
    assert_eq!(listed[0].subject, "k1");
    assert_eq!(listed[0].envelope, bytes);
    assert_eq!(listed[0].reason, "handler failed: boom");
    assert_eq!(listed[0].attempts, 3);
    assert_eq!(listed[0].status, DeadLetterStatus::Failed);
    assert_eq!(listed[1].status, DeadLetterStatus::Parked);
    assert_eq!(listed[2].event_id, None);
    assert_eq!(listed[2].envelope, garbage);
    let now = herald_runtime::store::unix_millis(SystemTime::now());
    assert!((now - 60_000..=now).contains(&listed[0].created_at));

    let blocked = h.store.blocked_keys("billing").await.unwrap();
    assert_eq!(blocked, HashSet::from(["k1".to_owned(), String::new()]));
    assert_eq!(
        h.store.blocked_keys("shipping").await.unwrap(),
        HashSet::from(["k9".to_owned()])
    );
    assert!(h.store.blocked_keys("nobody").await.unwrap().is_empty());

    let mut tx = h.begin().await;
    let for_key = tx.dead_letters_for_key("billing", "k1").await.unwrap();
    assert_eq!(
        for_key.iter().map(|l| l.id).collect::<Vec<_>>(),
        [first, parked]
    );
    assert!(
        tx.dead_letters_for_key("shipping", "k1")
            .await
            .unwrap()
            .is_empty()
    );

    tx.dead_letter_update("billing", first, "still failing", DeadLetterStatus::Failed)
        .await
        .unwrap();
    tx.dead_letter_update("billing", parked, "its turn came", DeadLetterStatus::Failed)
        .await
        .unwrap();
    assert!(
        !tx.dead_letter_delete("shipping", first).await.unwrap(),
        "another consumer's id"
    );
    assert!(tx.dead_letter_delete("billing", third).await.unwrap());
    assert!(!tx.dead_letter_delete("billing", third).await.unwrap());
    tx.commit().await.unwrap();

    let listed = h.store.dead_letters("billing").await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        (listed[0].attempts, listed[0].reason.as_str()),
        (4, "still failing")
    );
    assert_eq!(listed[1].status, DeadLetterStatus::Failed);
    assert_eq!(listed[1].reason, "its turn came");
    assert_eq!(
        h.store.blocked_keys("billing").await.unwrap(),
        HashSet::from(["k1".to_owned()])
    );

    // A rolled-back push leaves nothing behind.
    let mut tx = h.begin().await;
    tx.dead_letter_push(&letter("billing", "k2", DeadLetterStatus::Failed, &bytes))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(h.store.dead_letters("billing").await.unwrap().len(), 2);
}

async fn concurrent_transactions_lose_nothing(h: Harness) {
    h.execute(
        "CREATE TABLE app_counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)",
        &[],
    )
    .await;
    h.execute("INSERT INTO app_counter (id, n) VALUES (1, 0)", &[])
        .await;
    let tasks: Vec<_> = (0..6)
        .map(|task| {
            let store = h.store.clone();
            let increment = h.sql("UPDATE app_counter SET n = n + 1 WHERE id = 1");
            tokio::spawn(async move {
                for n in 0..20 {
                    let mut tx = store.begin().await.unwrap();
                    assert!(
                        tx.inbox_claim("counter", &format!("{task}-{n}"))
                            .await
                            .unwrap()
                    );
                    tx.execute(&increment, &[]).await.unwrap();
                    tx.outbox_push(&envelope(&format!("out-{task}-{n}"), &task.to_string(), n))
                        .await
                        .unwrap();
                    tokio::task::yield_now().await;
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(h.count("SELECT n FROM app_counter").await, 120);
    assert_eq!(h.count("SELECT COUNT(*) FROM herald_inbox").await, 120);
    let pending = h.store.outbox_pending(1000).await.unwrap();
    assert_eq!(pending.len(), 120);
    for task in 0..6 {
        let numbers: Vec<String> = pending
            .iter()
            .filter(|record| record.envelope.key() == task.to_string())
            .map(|record| record.envelope.data.get().to_owned())
            .collect();
        let expected: Vec<String> = (0..20)
            .map(|n| format!(r#"{{"n":{n},"note":"ünïcødé ✓"}}"#))
            .collect();
        assert_eq!(numbers, expected, "key {task} relays in its commit order");
    }
}

/// SQLite has one writer: a second transaction waits for the first. PostgreSQL runs them side
/// by side.
async fn second_transaction_waits_only_on_sqlite(h: Harness) {
    let mut first = h.begin().await;
    first.inbox_claim("c", "first").await.unwrap();
    let store = h.store.clone();
    let second = tokio::spawn(async move {
        let mut tx = store.begin().await.unwrap();
        tx.inbox_claim("c", "second").await.unwrap();
        tx.commit().await.unwrap();
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    match h.kind {
        Kind::Sqlite => assert!(!second.is_finished(), "SQLite serialises transactions"),
        Kind::Postgres => assert!(second.is_finished(), "PostgreSQL runs them in parallel"),
    }
    first.commit().await.unwrap();
    second.await.unwrap();
    assert!(h.is_claimed("c", "first").await && h.is_claimed("c", "second").await);
}

async fn failed_statement_names_its_sql(h: Harness) {
    let mut tx = h.begin().await;
    let error = tx
        .execute("INSERT INTO no_such_table (x) VALUES (1)", &[])
        .await
        .unwrap_err();
    match &error {
        StoreError::Query { operation, .. } => {
            assert!(
                operation.contains("INSERT INTO no_such_table (x) VALUES (1)"),
                "{error}"
            );
        }
        other => panic!("expected a query error, got {other:?}"),
    }
    assert!(error.to_string().contains("no_such_table"), "{error}");
    drop(tx);

    let mut tx = h.begin().await;
    let error = tx.query("SELEKT 1", &[]).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Query { operation, .. } if operation.contains("SELEKT 1"))
    );
    drop(tx);
}

async fn migrate_is_idempotent(h: Harness) {
    h.claim("billing", "evt-1").await;
    h.store.migrate().await.unwrap();
    h.store.migrate().await.unwrap();
    assert!(
        h.is_claimed("billing", "evt-1").await,
        "migrating again keeps the data"
    );
}

macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (harness, _dir) = super::sqlite_half::harness().await;
                    super::$test(harness).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::postgres_half::run(super::$test).await;
                }
            )*
        }
    };
}

conformance!(
    claim_is_true_once_then_reports_duplicates,
    the_inbox_is_looked_up_without_claiming,
    claiming_many_matches_claiming_one_by_one,
    rolled_back_claim_is_forgotten,
    dropped_transaction_rolls_back,
    application_statements_and_claim_commit_together,
    every_value_round_trips,
    outbox_relays_in_insert_order_across_keys,
    purge_inbox_is_bounded_by_batch_and_keeps_newer_records,
    purge_outbox_is_bounded_by_batch_and_keeps_pending_and_newer_rows,
    relay_query_reads_the_partial_index,
    dead_letters_are_listed_by_key_updated_and_deleted,
    concurrent_transactions_lose_nothing,
    second_transaction_waits_only_on_sqlite,
    failed_statement_names_its_sql,
    migrate_is_idempotent,
);

/// The query plan of the relay's query, as text.
async fn explain_outbox_pending(h: &Harness) -> String {
    let mut tx = h.begin().await;
    let plan = match h.kind {
        Kind::Sqlite => {
            #[cfg(feature = "sqlite")]
            let sql = herald_runtime::store::sqlite::OUTBOX_PENDING_SQL;
            #[cfg(not(feature = "sqlite"))]
            let sql = "";
            let rows = tx
                .query(
                    &format!("EXPLAIN QUERY PLAN {sql}"),
                    &[SqlValue::Integer(10)],
                )
                .await
                .unwrap();
            rows.iter()
                .map(|row| row.get::<String>("detail").unwrap())
                .collect::<Vec<_>>()
        }
        Kind::Postgres => {
            #[cfg(feature = "postgres")]
            let sql = herald_runtime::store::postgres::OUTBOX_PENDING_SQL;
            #[cfg(not(feature = "postgres"))]
            let sql = "";
            tx.execute("SET LOCAL enable_seqscan = off", &[])
                .await
                .unwrap();
            let rows = tx
                .query(&format!("EXPLAIN {sql}"), &[SqlValue::Integer(10)])
                .await
                .unwrap();
            rows.iter()
                .map(|row| row.get::<String>("QUERY PLAN").unwrap())
                .collect::<Vec<_>>()
        }
    };
    tx.rollback().await.unwrap();
    plan.join("\n")
}

#[cfg(feature = "sqlite")]
#[path = "store_conformance/sqlite_half.rs"]
mod sqlite_half;

#[cfg(feature = "postgres")]
#[path = "store_conformance/postgres_half.rs"]
mod postgres_half;
