//! PostgreSQL: the conformance harness (a schema per test, dropped afterwards) and the
//! behaviour only PostgreSQL has (connecting, pooling, parameter and column types).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use std::time::Duration;

use futures_util::FutureExt;
use herald_runtime::store::postgres::{PostgresOptions, PostgresStore};
use herald_runtime::store::{SqlValue, Store, StoreError};

use super::{Harness, Kind};

const URL_VARIABLE: &str = "HERALD_TEST_POSTGRES_URL";

/// The test database's URL, or `None` (after saying so) when the variable is unset.
pub(super) fn url() -> Option<String> {
    herald_runtime::testing::service_url(URL_VARIABLE)
}

/// A schema name no other test uses.
pub(super) fn unique_schema() -> String {
    format!("herald_test_{}", uuid::Uuid::new_v4().simple())
}

/// Connects a store to `schema` (created by `migrate`).
pub(super) async fn connect(url: &str, schema: &str, pool_size: usize) -> PostgresStore {
    let options = PostgresOptions {
        schema: schema.to_owned(),
        pool_size,
        ..PostgresOptions::default()
    };
    PostgresStore::connect(url, options).await.unwrap()
}

/// Drops a test schema and everything in it.
pub(super) async fn drop_schema(url: &str, schema: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
}

/// Runs `body` against a migrated store in a schema of its own, dropping the schema
/// afterwards whether `body` passed or panicked.
pub(super) async fn with_schema<F, Fut>(pool_size: usize, body: F)
where
    F: FnOnce(String, PostgresStore) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(url) = url() else { return };
    let schema = unique_schema();
    let store = connect(&url, &schema, pool_size).await;
    let outcome = AssertUnwindSafe(async {
        store.migrate().await.unwrap();
        body(url.clone(), store).await;
    })
    .catch_unwind()
    .await;
    drop_schema(&url, &schema).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let options = PostgresOptions {
        connect_timeout: Duration::from_secs(2),
        ..PostgresOptions::default()
    };
    let error = PostgresStore::connect("postgres://postgres@127.0.0.1:1/test", options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            StoreError::Unavailable {
                store: "postgres",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn schema_names_that_need_quoting_are_refused() {
    let Some(url) = url() else { return };
    let options = PostgresOptions {
        schema: "Robert'); DROP TABLE students;--".to_owned(),
        ..PostgresOptions::default()
    };
    let error = PostgresStore::connect(&url, options).await.unwrap_err();
    assert!(
        error.to_string().contains("lowercase identifier"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_transaction_leaves_its_connection_outside_any_transaction() {
    with_schema(1, |_, store| async move {
        let backend = "SELECT pg_backend_pid() AS pid";
        let mut tx = store.begin().await.unwrap();
        let pid: i32 = tx.query(backend, &[]).await.unwrap()[0]
            .get::<i64>("pid")
            .unwrap() as i32;
        tx.inbox_claim("c", "dropped").await.unwrap();
        drop(tx);

        // A pool of one: this transaction gets the same connection once it rolled back.
        let mut tx = store.begin().await.unwrap();
        let again = tx.query(backend, &[]).await.unwrap()[0]
            .get::<i64>("pid")
            .unwrap() as i32;
        assert_eq!(
            again, pid,
            "the connection went back to the pool after its rollback"
        );
        assert!(tx.inbox_claim("c", "kept").await.unwrap());
        assert!(
            tx.inbox_claim("c", "dropped").await.unwrap(),
            "the dropped claim is gone"
        );
        tx.rollback().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_fit_the_column_types_the_server_chose() {
    with_schema(2, |_, store| async move {
        let mut tx = store.begin().await.unwrap();
        tx.execute(
            "CREATE TABLE narrow (small INT2, medium INT4, single FLOAT4, label VARCHAR(20), \
             doc JSON, moment TIMESTAMPTZ, note TEXT)",
            &[],
        )
        .await
        .unwrap();
        let insert = "INSERT INTO narrow (small, medium, single, label, doc, moment, note) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let fitting = [
            SqlValue::Integer(-32768),
            SqlValue::Integer(2_147_483_647),
            SqlValue::Real(1.5),
            SqlValue::Text("ünïcødé".into()),
            SqlValue::Text(r#"{"as": "text"}"#.into()),
            SqlValue::Null,
            SqlValue::Json(serde_json::json!({"as": "json"})),
        ];
        assert_eq!(tx.execute(insert, &fitting).await.unwrap(), 1);
        let rows = tx
            .query(
                "SELECT small, medium, single, label, doc, note FROM narrow",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(rows[0].get::<i64>("small").unwrap(), -32768);
        assert_eq!(rows[0].get::<i64>("medium").unwrap(), 2_147_483_647);
        assert_eq!(rows[0].get::<f64>("single").unwrap(), 1.5);
        assert_eq!(rows[0].get::<String>("label").unwrap(), "ünïcødé");
        assert_eq!(
            rows[0].get::<serde_json::Value>("doc").unwrap(),
            serde_json::json!({"as": "text"})
        );
        assert_eq!(
            rows[0].get::<serde_json::Value>("note").unwrap(),
            serde_json::json!({"as": "json"})
        );
        tx.commit().await.unwrap();

        // A column of a type herald does not read is an error even when NULL, so a query
        // does not work or fail depending on the data.
        let mut tx = store.begin().await.unwrap();
        let moment = tx.query("SELECT moment FROM narrow", &[]).await;
        assert!(matches!(moment, Err(StoreError::Type { .. })), "{moment:?}");
        drop(tx);

        for (column, value, expected) in [
            ("small", SqlValue::Integer(32768), "does not fit"),
            ("medium", SqlValue::Integer(2_147_483_648), "does not fit"),
            (
                "small",
                SqlValue::Text("1".into()),
                "cannot pass text as a PostgreSQL int2",
            ),
            (
                "moment",
                SqlValue::Integer(0),
                "cannot pass an integer as a PostgreSQL timestamptz",
            ),
        ] {
            let mut tx = store.begin().await.unwrap();
            let sql = format!("INSERT INTO narrow ({column}) VALUES ($1)");
            let error = tx.execute(&sql, &[value]).await.unwrap_err();
            let text = format!("{error:?}");
            assert!(matches!(error, StoreError::Query { .. }), "{text}");
            assert!(text.contains(expected) && text.contains(&sql), "{text}");
        }

        let mut tx = store.begin().await.unwrap();
        let error = tx.query("SELECT now() AS started", &[]).await.unwrap_err();
        match error {
            StoreError::Type { column, found, .. } => {
                assert_eq!(column, "started");
                assert!(found.contains("timestamptz"), "{found}");
            }
            other => panic!("expected a type error, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_migrate_one_fresh_schema_at_once() {
    let Some(url) = url() else { return };
    let schema = unique_schema();
    let first = connect(&url, &schema, 1).await;
    let second = connect(&url, &schema, 1).await;
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    let outcome = (a, b, second.migrate().await);
    drop_schema(&url, &schema).await;
    let (a, b, again) = outcome;
    a.unwrap();
    b.unwrap();
    again.unwrap();
}

/// Runs one conformance test.
pub(super) async fn run<F, Fut>(test: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: Future<Output = ()>,
{
    with_schema(3, |_, store| {
        let store: Arc<dyn Store> = Arc::new(store);
        test(Harness {
            store,
            kind: Kind::Postgres,
        })
    })
    .await;
}
