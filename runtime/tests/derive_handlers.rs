//! `#[derive(Handlers)]` on the happy path and its rejections: dispatch by event type and
//! version, through `Consumable`, so an all-versions type that upcasts is routed like one event.

use std::sync::Mutex;

use herald_runtime::store::{DeadLetter, DeadLetterStatus, NewDeadLetter, Row};
use herald_runtime::{__private::async_trait, Handler};
use herald_runtime::{
    Consumable, Dialect, Envelope, EnvelopeError, Event, HandlerError, Handlers, SqlValue,
    StoreError, Transaction,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "OrderPlaced", version = 1, key = "order_id")]
struct OrderPlacedV1 {
    order_id: String,
    total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "OrderPlaced", version = 2, key = "order_id")]
struct OrderPlacedV2 {
    order_id: String,
    total_cents: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "OrderPlaced", version = 3, key = "order_id")]
struct OrderPlacedV3 {
    order_id: String,
    total_cents: u64,
    currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(version = 1, key = "payment_id")]
struct PaymentCompleted {
    payment_id: String,
    order_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(version = 1, key = "sku")]
struct StockReserved {
    sku: String,
}

/// What code generation writes for an event with three versions: any of them decodes, and
/// upcasts to the latest.
enum AnyOrderPlaced {
    V1(OrderPlacedV1),
    V2(OrderPlacedV2),
    V3(OrderPlacedV3),
}

impl AnyOrderPlaced {
    fn into_latest(self) -> OrderPlacedV3 {
        match self {
            AnyOrderPlaced::V1(v1) => OrderPlacedV3 {
                order_id: v1.order_id,
                total_cents: u64::from(v1.total) * 100,
                currency: "EUR".to_owned(),
            },
            AnyOrderPlaced::V2(v2) => OrderPlacedV3 {
                order_id: v2.order_id,
                total_cents: v2.total_cents,
                currency: "EUR".to_owned(),
            },
            AnyOrderPlaced::V3(v3) => v3,
        }
    }
}

impl Consumable for AnyOrderPlaced {
    const NAME: &'static str = "OrderPlaced";

    fn accepts(version: u32) -> bool {
        (1..=3).contains(&version)
    }

    fn decode(envelope: &Envelope) -> Result<AnyOrderPlaced, EnvelopeError> {
        match envelope.version() {
            Some(1) => envelope.decode().map(AnyOrderPlaced::V1),
            Some(2) => envelope.decode().map(AnyOrderPlaced::V2),
            _ => envelope.decode().map(AnyOrderPlaced::V3),
        }
    }
}

/// One version of each of two events; records what each method saw.
#[derive(Default, Handlers)]
#[handlers(OrderPlacedV2 => on_order_placed, PaymentCompleted => on_payment_completed)]
struct Billing {
    seen: Mutex<Vec<String>>,
}

impl Billing {
    async fn on_order_placed(
        &self,
        event: OrderPlacedV2,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        tx.execute("INSERT INTO invoices", &[event.order_id.as_str().into()])
            .await?;
        record(
            &self.seen,
            format!("order {} {}", event.order_id, event.total_cents),
        );
        Ok(())
    }

    async fn on_payment_completed(
        &self,
        event: PaymentCompleted,
        _tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        if event.payment_id == "declined" {
            return Err(HandlerError::retry("the payment gateway timed out"));
        }
        record(&self.seen, format!("payment {}", event.payment_id));
        Ok(())
    }
}

/// Two versions of one event, each with its own method.
#[derive(Default, Handlers)]
#[handlers(OrderPlacedV1 => on_v1, OrderPlacedV2 => on_v2)]
struct PerVersion {
    seen: Mutex<Vec<String>>,
}

impl PerVersion {
    async fn on_v1(
        &self,
        event: OrderPlacedV1,
        _: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        record(&self.seen, format!("v1 {}", event.total));
        Ok(())
    }

    async fn on_v2(
        &self,
        event: OrderPlacedV2,
        _: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        record(&self.seen, format!("v2 {}", event.total_cents));
        Ok(())
    }
}

/// Every version of an event through one all-versions type.
#[derive(Default, Handlers)]
#[handlers(AnyOrderPlaced => on_order_placed)]
struct Replica {
    seen: Mutex<Vec<String>>,
}

impl Replica {
    async fn on_order_placed(
        &self,
        event: AnyOrderPlaced,
        _: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let latest = event.into_latest();
        record(
            &self.seen,
            format!(
                "{} {} {}",
                latest.order_id, latest.total_cents, latest.currency
            ),
        );
        Ok(())
    }
}

/// Generic handler types work when the parameters meet `Handler`'s bounds.
#[derive(Handlers)]
#[handlers(StockReserved => on_stock_reserved)]
struct Labelled<L: std::fmt::Display + Send + Sync + 'static> {
    label: L,
    seen: Mutex<Vec<String>>,
}

impl<L: std::fmt::Display + Send + Sync + 'static> Labelled<L> {
    async fn on_stock_reserved(
        &self,
        event: StockReserved,
        _: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        record(&self.seen, format!("{} {}", self.label, event.sku));
        Ok(())
    }
}

fn record(seen: &Mutex<Vec<String>>, line: String) {
    seen.lock().unwrap().push(line);
}

fn seen(seen: &Mutex<Vec<String>>) -> Vec<String> {
    seen.lock().unwrap().clone()
}

fn order_v1() -> OrderPlacedV1 {
    OrderPlacedV1 {
        order_id: "o-1".to_owned(),
        total: 42,
    }
}

fn order_v2() -> OrderPlacedV2 {
    OrderPlacedV2 {
        order_id: "o-2".to_owned(),
        total_cents: 4_250,
    }
}

fn order_v3() -> OrderPlacedV3 {
    OrderPlacedV3 {
        order_id: "o-3".to_owned(),
        total_cents: 990,
        currency: "CHF".to_owned(),
    }
}

fn payment(payment_id: &str) -> PaymentCompleted {
    PaymentCompleted {
        payment_id: payment_id.to_owned(),
        order_id: "o-2".to_owned(),
    }
}

fn wrap<E: Event>(event: &E) -> Envelope {
    Envelope::wrap("shop", event, None).unwrap()
}

/// An envelope carrying `data` as `OrderPlaced` of `version`.
fn order_envelope(version: u32, data: &str) -> Envelope {
    let json = format!(
        r#"{{"specversion":"1.0","id":"e-1","source":"shop","type":"OrderPlaced",
            "subject":"o-9","dataschema":"herald:OrderPlaced/{version}","data":{data}}}"#
    );
    Envelope::from_slice(json.as_bytes()).unwrap()
}

fn rejection(result: Result<(), HandlerError>) -> String {
    match result {
        Err(HandlerError::Reject(reason)) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn event_types_are_the_listed_names_once_each_in_order() {
    assert_eq!(
        Billing::default().event_types(),
        ["OrderPlaced", "PaymentCompleted"]
    );
    assert_eq!(PerVersion::default().event_types(), ["OrderPlaced"]);
    assert_eq!(Replica::default().event_types(), ["OrderPlaced"]);
}

#[tokio::test]
async fn each_event_type_goes_to_its_method_with_the_transaction() {
    let billing = Billing::default();
    let mut tx = FakeTransaction::default();
    billing.handle(&wrap(&order_v2()), &mut tx).await.unwrap();
    billing
        .handle(&wrap(&payment("p-7")), &mut tx)
        .await
        .unwrap();
    assert_eq!(seen(&billing.seen), ["order o-2 4250", "payment p-7"]);
    assert_eq!(tx.statements, ["INSERT INTO invoices [Text(\"o-2\")]"]);
}

#[tokio::test]
async fn a_method_error_is_returned_as_it_is() {
    let billing = Billing::default();
    let result = billing
        .handle(&wrap(&payment("declined")), &mut FakeTransaction::default())
        .await;
    match result {
        Err(HandlerError::Retry(error)) => {
            assert_eq!(error.to_string(), "the payment gateway timed out");
        }
        other => panic!("expected a retry, got {other:?}"),
    }
}

#[tokio::test]
async fn versions_of_one_event_go_to_their_own_methods() {
    let handler = PerVersion::default();
    let mut tx = FakeTransaction::default();
    handler.handle(&wrap(&order_v2()), &mut tx).await.unwrap();
    handler.handle(&wrap(&order_v1()), &mut tx).await.unwrap();
    assert_eq!(seen(&handler.seen), ["v2 4250", "v1 42"]);
}

#[tokio::test]
async fn an_all_versions_type_receives_every_version_it_accepts_upcast() {
    let replica = Replica::default();
    let mut tx = FakeTransaction::default();
    replica.handle(&wrap(&order_v1()), &mut tx).await.unwrap();
    replica.handle(&wrap(&order_v2()), &mut tx).await.unwrap();
    replica.handle(&wrap(&order_v3()), &mut tx).await.unwrap();
    assert_eq!(
        seen(&replica.seen),
        ["o-1 4200 EUR", "o-2 4250 EUR", "o-3 990 CHF"]
    );
}

#[tokio::test]
async fn a_generic_handler_type_dispatches_like_any_other() {
    let handler = Labelled {
        label: 7_u8,
        seen: Mutex::default(),
    };
    let stock = StockReserved {
        sku: "book".to_owned(),
    };
    assert_eq!(handler.event_types(), ["StockReserved"]);
    handler
        .handle(&wrap(&stock), &mut FakeTransaction::default())
        .await
        .unwrap();
    assert_eq!(seen(&handler.seen), ["7 book"]);
}

#[tokio::test]
async fn a_newer_version_is_rejected_as_newer_than_the_consumer_knows() {
    let envelope = order_envelope(7, r#"{"order_id":"o-9"}"#);
    let reason = rejection(
        Billing::default()
            .handle(&envelope, &mut FakeTransaction::default())
            .await,
    );
    assert_eq!(
        reason,
        "OrderPlaced version 7 is newer than this consumer knows: it reads version 2; \
         deploy a consumer built from the newer catalog"
    );
    let reason = rejection(
        Replica::default()
            .handle(&envelope, &mut FakeTransaction::default())
            .await,
    );
    assert_eq!(
        reason,
        "OrderPlaced version 7 is newer than this consumer knows: it reads versions 1 to 3; \
         deploy a consumer built from the newer catalog"
    );
}

#[tokio::test]
async fn an_older_version_no_listed_type_reads_is_rejected() {
    let reason = rejection(
        Billing::default()
            .handle(&wrap(&order_v1()), &mut FakeTransaction::default())
            .await,
    );
    assert_eq!(
        reason,
        "OrderPlaced version 1 is not one this consumer reads: it reads version 2"
    );
}

#[tokio::test]
async fn an_event_type_not_listed_is_rejected_naming_the_listed_ones() {
    let stock = StockReserved {
        sku: "book".to_owned(),
    };
    let reason = rejection(
        Billing::default()
            .handle(&wrap(&stock), &mut FakeTransaction::default())
            .await,
    );
    assert_eq!(
        reason,
        "this consumer does not handle StockReserved events \
         (it handles OrderPlaced, PaymentCompleted)"
    );
}

#[tokio::test]
async fn an_envelope_without_a_herald_version_is_rejected() {
    let mut envelope = wrap(&order_v2());
    envelope.dataschema = None;
    let reason = rejection(
        Billing::default()
            .handle(&envelope, &mut FakeTransaction::default())
            .await,
    );
    assert_eq!(
        reason,
        "OrderPlaced arrived without a herald version: its `dataschema` is missing or not \
         `herald:OrderPlaced/<version>`"
    );
}

#[tokio::test]
async fn an_undecodable_payload_is_rejected_with_serdes_reason() {
    let billing = Billing::default();
    let envelope = order_envelope(2, r#"{"order_id":"o-9","total_cents":"lots"}"#);
    let reason = rejection(
        billing
            .handle(&envelope, &mut FakeTransaction::default())
            .await,
    );
    assert_eq!(
        reason,
        "the payload of OrderPlaced/2 does not decode: invalid type: string \"lots\", \
         expected u64 at line 1 column 38"
    );
    assert!(seen(&billing.seen).is_empty());
}

/// A transaction that records the statements run through it; herald's own tables are not
/// part of what the derive touches, so their methods report that they are not available.
#[derive(Default)]
struct FakeTransaction {
    statements: Vec<String>,
}

fn not_in_this_fake(operation: &str) -> StoreError {
    StoreError::Query {
        store: "fake",
        operation: operation.to_owned(),
        reason: "not available in the derive tests' fake transaction".to_owned(),
    }
}

#[async_trait]
impl Transaction for FakeTransaction {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        self.statements.push(format!("{sql} {params:?}"));
        Ok(1)
    }

    async fn query(&mut self, _: &str, _: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        Err(not_in_this_fake("query"))
    }

    async fn inbox_claim(&mut self, _: &str, _: &str) -> Result<bool, StoreError> {
        Err(not_in_this_fake("inbox_claim"))
    }

    async fn inbox_contains(&mut self, _: &str, _: &str) -> Result<bool, StoreError> {
        Err(not_in_this_fake("inbox_contains"))
    }

    async fn outbox_push(&mut self, _: &Envelope) -> Result<(), StoreError> {
        Err(not_in_this_fake("outbox_push"))
    }

    async fn dead_letter_push(&mut self, _: &NewDeadLetter<'_>) -> Result<i64, StoreError> {
        Err(not_in_this_fake("dead_letter_push"))
    }

    async fn dead_letters_for_key(
        &mut self,
        _: &str,
        _: &str,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        Err(not_in_this_fake("dead_letters_for_key"))
    }

    async fn dead_letter_delete(&mut self, _: &str, _: i64) -> Result<bool, StoreError> {
        Err(not_in_this_fake("dead_letter_delete"))
    }

    async fn dead_letter_update(
        &mut self,
        _: &str,
        _: i64,
        _: &str,
        _: DeadLetterStatus,
    ) -> Result<(), StoreError> {
        Err(not_in_this_fake("dead_letter_update"))
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
}
