//! Tests of the generated webshop code, run inside the generated crate.

use herald_runtime::{Consumable, Envelope, Handler, HandlerError, Store};

use crate::generated::events::order_placed::{OrderPlaced, OrderPlacedV1, OrderPlacedV1Line};
use crate::generated::events::product_created::ProductCreatedV1;
use crate::generated::events::stock_adjusted::{StockAdjustedV1, StockAdjustedV1Reason};
use crate::generated::services::inventory::consumer::{InventoryConsumer, InventoryHandlers};
use crate::generated::services::inventory::replica_products;
use crate::generated::shared::Money;

struct Inventory;

impl InventoryHandlers for Inventory {}

fn money(amount: i64) -> Money {
    Money {
        amount,
        currency: "EUR".to_owned(),
    }
}

fn v1_order(product: &str, quantity: u64) -> OrderPlacedV1 {
    OrderPlacedV1 {
        order_id: "36d052a5-0c30-4c1d-bbff-f445be367b9b".to_owned(),
        customer_id: "9ffd491e-9077-40ab-b061-b2dfef6a0969".to_owned(),
        placed_at: "2024-03-14T09:26:53Z".to_owned(),
        lines: vec![OrderPlacedV1Line {
            product_id: product.to_owned(),
            quantity,
            unit_price: money(1999),
        }],
        total: money(1999),
    }
}

#[test]
fn a_v1_order_upcasts_to_v2_with_the_default_currency() {
    let envelope = Envelope::wrap("orders", &v1_order("p", 1), None).unwrap();
    let decoded = OrderPlaced::decode(&envelope).unwrap();
    assert_eq!(decoded.version(), 1);
    let latest = decoded.upcast().unwrap();
    assert_eq!(latest.currency, "EUR");
    assert_eq!(latest.lines[0].quantity, 1);
}

/// The product, its restock and an order of two, as envelopes.
fn product_events(product: &str) -> [Envelope; 3] {
    let created = Envelope::wrap(
        "inventory",
        &ProductCreatedV1 {
            product_id: product.to_owned(),
            sku: "MUG-CER-350".to_owned(),
            name: "Mug".to_owned(),
            price: money(1999),
            initial_stock: 120,
            created_at: "2024-03-01T08:00:00Z".to_owned(),
        },
        None,
    )
    .unwrap();
    let adjusted = Envelope::wrap(
        "inventory",
        &StockAdjustedV1 {
            product_id: product.to_owned(),
            delta: 48,
            reason: StockAdjustedV1Reason::Restock,
            adjusted_at: "2024-03-05T06:40:00Z".to_owned(),
        },
        None,
    )
    .unwrap();
    let ordered = Envelope::wrap("orders", &v1_order(product, 2), None).unwrap();
    [created, adjusted, ordered]
}

/// Delivers `pending` to `consumer` until nothing asks to be retried (deltas for a row that
/// does not exist yet do, until the row's creating event arrived).
async fn deliver_all<H: Handler>(consumer: &H, store: &dyn Store, mut pending: Vec<&Envelope>) {
    let mut reasons = Vec::new();
    for _ in 0..3 {
        let mut retry = Vec::new();
        reasons.clear();
        for envelope in pending {
            let mut tx = store.begin().await.unwrap();
            match consumer.handle(envelope, tx.as_mut()).await {
                Ok(()) => tx.commit().await.unwrap(),
                Err(HandlerError::Retry(reason)) => {
                    reasons.push(format!("{}: {reason}", envelope.describe()));
                    retry.push(envelope);
                }
                Err(other) => panic!("{other}"),
            }
        }
        pending = retry;
    }
    assert!(pending.is_empty(), "still retried: {reasons:?}");
}

/// Runs the products replica's migration, then the three product events in each order on
/// a store from `fresh`, and checks every order ends in the same row.
async fn products_converge<F, Fut>(fresh: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Box<dyn Store>>,
{
    let product = "cf0fdd6c-d3c5-4c4d-a0ad-f3990844b214";
    let events = product_events(product);
    let mut finals = Vec::new();
    for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
        let store = fresh().await;
        let mut tx = store.begin().await.unwrap();
        replica_products::migrate(tx.as_mut()).await.unwrap();
        tx.commit().await.unwrap();
        let consumer = InventoryConsumer::new(Inventory);
        deliver_all(
            &consumer,
            store.as_ref(),
            order.iter().map(|at| &events[*at]).collect(),
        )
        .await;
        let mut tx = store.begin().await.unwrap();
        let row = replica_products::get(tx.as_mut(), product)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(replica_products::count(tx.as_mut()).await.unwrap(), 1);
        let listed = replica_products::list(tx.as_mut(), None, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(
            replica_products::list(tx.as_mut(), Some(product), 10)
                .await
                .unwrap()
                .is_empty()
        );
        finals.push((row.stock, row.updated_at.clone(), row.sku.clone()));
    }
    assert_eq!(
        finals[0],
        (
            120 + 48 - 2,
            Some("2024-03-05T06:40:00Z".to_owned()),
            "MUG-CER-350".to_owned()
        )
    );
    assert!(finals.iter().all(|row| row == &finals[0]), "{finals:?}");
}

async fn sqlite() -> Box<dyn Store> {
    let store = herald_runtime::store::sqlite::SqliteStore::in_memory().unwrap();
    store.migrate().await.unwrap();
    Box::new(store)
}

#[tokio::test]
async fn the_products_replica_converges_whatever_the_order_of_events() {
    products_converge(sqlite).await;
}

/// A PostgreSQL store in a schema of its own, or `None` (with the skip message) when
/// `HERALD_TEST_POSTGRES_URL` is not set.
async fn postgres() -> Option<Box<dyn Store>> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(url) = std::env::var("HERALD_TEST_POSTGRES_URL") else {
        eprintln!("skipped: HERALD_TEST_POSTGRES_URL is not set");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!(
        "herald_gen_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let options = herald_runtime::store::postgres::PostgresOptions {
        schema,
        ..Default::default()
    };
    let store = herald_runtime::store::postgres::PostgresStore::connect(&url, options)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    Some(Box::new(store))
}

#[tokio::test]
async fn the_products_replica_converges_on_postgres() {
    if postgres().await.is_none() {
        return;
    }
    products_converge(|| async { postgres().await.unwrap() }).await;
}

#[tokio::test]
async fn the_billing_replica_runs_on_postgres_and_ignores_stale_events() {
    use crate::generated::events::order_cancelled::{OrderCancelledV1, OrderCancelledV1Reason};
    use crate::generated::events::payment_completed::{
        PaymentCompletedV1, PaymentCompletedV1Method,
    };
    use crate::generated::services::billing::consumer::{BillingConsumer, BillingHandlers};
    use crate::generated::services::billing::replica_orders;

    struct Billing;
    impl BillingHandlers for Billing {}

    let Some(store) = postgres().await else {
        return;
    };
    let mut tx = store.begin().await.unwrap();
    replica_orders::migrate(tx.as_mut()).await.unwrap();
    // Migrations are idempotent.
    replica_orders::migrate(tx.as_mut()).await.unwrap();
    tx.commit().await.unwrap();

    let order = v1_order("cf0fdd6c-d3c5-4c4d-a0ad-f3990844b214", 1);
    let placed = Envelope::wrap("orders", &order, None).unwrap();
    let paid = Envelope::wrap(
        "payments",
        &PaymentCompletedV1 {
            payment_id: "0c4f4f7e-5d1a-4a43-9d43-08b2d1f9a3a1".to_owned(),
            order_id: order.order_id.clone(),
            amount: money(1999),
            method: PaymentCompletedV1Method::Card,
            completed_at: "2024-03-14T09:30:00Z".to_owned(),
        },
        None,
    )
    .unwrap();
    let cancelled = Envelope::wrap(
        "orders",
        &OrderCancelledV1 {
            order_id: order.order_id.clone(),
            reason: OrderCancelledV1Reason::CustomerRequest,
            cancelled_at: "2024-03-14T10:00:00Z".to_owned(),
        },
        None,
    )
    .unwrap();
    let consumer = BillingConsumer::new(Billing);
    // The cancellation arrives first (retried until the order exists), the placement and the
    // payment after it: the newest event, the cancellation, still wins.
    deliver_all(&consumer, store.as_ref(), vec![&cancelled, &placed, &paid]).await;
    let mut tx = store.begin().await.unwrap();
    let row = replica_orders::get(tx.as_mut(), &order.order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "cancelled");
    assert_eq!((row.amount, row.currency.as_str()), (1999, "EUR"));
    assert_eq!(row.customer_id, order.customer_id);
    assert_eq!(replica_orders::count(tx.as_mut()).await.unwrap(), 1);
    assert_eq!(
        replica_orders::list(tx.as_mut(), None, 5)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        replica_orders::get(tx.as_mut(), "no such order")
            .await
            .unwrap()
            .is_none()
    );
    tx.commit().await.unwrap();
}

#[test]
fn a_payload_that_breaks_its_schema_is_rejected_at_decode_with_its_path() {
    let envelope = Envelope::wrap("orders", &v1_order("p", 0), None).unwrap();
    let error = OrderPlaced::decode(&envelope).unwrap_err().to_string();
    assert!(
        error.contains("/lines/0/quantity: 0 is less than the minimum of 1"),
        "{error}"
    );
    // The same payload decodes when the caller skips the schema on purpose.
    assert!(OrderPlaced::decode_unchecked(&envelope).is_ok());
}

#[test]
fn the_consumer_validates_before_any_attempt_so_invalid_events_are_dead_lettered_at_once() {
    let consumer = InventoryConsumer::new(Inventory);
    let valid = Envelope::wrap("orders", &v1_order("p", 1), None).unwrap();
    assert_eq!(consumer.validate(&valid), Ok(()));
    let invalid = Envelope::wrap("orders", &v1_order("p", 0), None).unwrap();
    let reason = consumer.validate(&invalid).unwrap_err();
    assert!(
        reason.starts_with("/lines/0/quantity: 0 is less than the minimum of 1"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_validating_publisher_refuses_an_invalid_event() {
    use crate::generated::events::order_placed::OrderPlacedV2;
    use crate::generated::services::orders::producer::OrdersPublisher;
    use crate::generated::support::PublishError;

    let latest = OrderPlaced::V1(v1_order("p", 1)).upcast().unwrap();
    let invalid = OrderPlacedV2 {
        currency: "euro".to_owned(),
        ..latest.clone()
    };
    let store = herald_runtime::store::sqlite::SqliteStore::in_memory().unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let checking = OrdersPublisher::new("orders").validating(true);
    match checking
        .stage_order_placed(tx.as_mut(), &invalid, None)
        .await
    {
        Err(PublishError::Invalid(reason)) => {
            assert!(reason.starts_with("/currency: "), "{reason}");
        }
        other => panic!("expected an invalid event, got {other:?}"),
    }
    checking
        .stage_order_placed(tx.as_mut(), &latest, None)
        .await
        .unwrap();
    // Without validation the publisher trusts the types.
    OrdersPublisher::new("orders")
        .stage_order_placed(tx.as_mut(), &invalid, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}
