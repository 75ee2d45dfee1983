//! The webshop end to end on herald's generated code: `inventory` creates products, `orders`
//! places orders, `payments` completes a payment for each order, and the replicas of
//! `inventory` (stock per product) and `billing` (status per order) converge.
//!
//! Every service has its own store; events leave a service through its outbox (the relay
//! publishes them after the business transaction commits) and arrive through the generated
//! consumers (inbox dedupe, retries, dead letters). [`Backend::Embedded`] runs everything in
//! one process on the in-memory bus and SQLite; [`Backend::External`] runs the same services on
//! NATS JetStream and PostgreSQL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_runtime::bus::memory::MemoryBus;
use herald_runtime::bus::nats::{NatsBus, NatsConfig};
use herald_runtime::store::postgres::{PostgresOptions, PostgresStore};
use herald_runtime::store::sqlite::SqliteStore;
use herald_runtime::{
    Bus, Consumer, ConsumerConfig, Envelope, HandlerError, Relay, RelayConfig, Store, Transaction,
};
use tokio_util::sync::CancellationToken;

/// The code `herald generate` writes for the webshop catalog (by `build.rs`, into `OUT_DIR`).
#[allow(missing_docs)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/herald.rs"));
}

use generated::events::order_placed::{OrderPlacedV2, OrderPlacedV2Line};
use generated::events::payment_completed::{PaymentCompletedV1, PaymentCompletedV1Method};
use generated::events::product_created::ProductCreatedV1;
use generated::services::billing::consumer::{BillingConsumer, BillingHandlers};
use generated::services::billing::replica_orders;
use generated::services::inventory::consumer::{InventoryConsumer, InventoryHandlers};
use generated::services::inventory::producer::InventoryPublisher;
use generated::services::inventory::replica_products;
use generated::services::orders::consumer::{OrdersConsumer, OrdersHandlers};
use generated::services::orders::producer::OrdersPublisher;
use generated::services::payments::consumer::{PaymentsConsumer, PaymentsHandlers};
use generated::services::payments::producer::PaymentsPublisher;
use generated::shared::Money;

/// Where the services run.
#[derive(Debug, Clone)]
pub enum Backend {
    /// One process: the in-memory bus and an in-memory SQLite database per service.
    Embedded,
    /// NATS JetStream (a stream of its own per run) and PostgreSQL (a schema per service and run).
    External {
        /// `nats://…`
        nats: String,
        /// `postgres://…`
        postgres: String,
    },
}

/// What the demo does.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it runs.
    pub backend: Backend,
    /// How many orders `orders` places (round robin over the products, two units each).
    pub orders: usize,
    /// How long the replicas have to converge.
    pub timeout: Duration,
}

/// The replicas once they converged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converged {
    /// `inventory`'s products: (name, stock), by product id.
    pub stock: Vec<(String, i64)>,
    /// `billing`'s orders: (status, amount), by order id.
    pub orders: Vec<(String, i64)>,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A store failed.
    #[error("store: {0}")]
    Store(#[from] herald_runtime::StoreError),
    /// The bus failed.
    #[error("bus: {0}")]
    Bus(#[from] herald_runtime::BusError),
    /// A generated publisher failed.
    #[error("publish: {0}")]
    Publish(#[from] generated::support::PublishError),
    /// A consumer stopped with an error.
    #[error("consumer: {0}")]
    Consumer(#[from] herald_runtime::ConsumerError),
    /// The replicas did not converge in time.
    #[error("the replicas did not converge within {0:?}")]
    Timeout(Duration),
}

/// The products `inventory` creates: (name, SKU, initial stock).
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("Mug", "MUG-CER-350", 120),
    ("Teapot", "POT-GLS-1000", 40),
    ("Coaster", "CST-CRK-4", 300),
];
/// Units per order line.
const UNITS: i64 = 2;
/// Price of one unit, in cents.
const UNIT_PRICE: i64 = 1250;

struct Inventory;
impl InventoryHandlers for Inventory {}

struct Billing;
impl BillingHandlers for Billing {}

/// `payments` completes a payment for every order, in the transaction that consumed the order:
/// the `PaymentCompleted` event exists exactly when the order was handled.
struct Payments {
    publisher: PaymentsPublisher,
}

#[async_trait::async_trait]
impl PaymentsHandlers for Payments {
    async fn on_order_placed(
        &self,
        event: OrderPlacedV2,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let payment = PaymentCompletedV1 {
            payment_id: uuid::Uuid::new_v4().to_string(),
            order_id: event.order_id,
            amount: event.total,
            method: PaymentCompletedV1Method::Card,
            completed_at: now(),
        };
        self.publisher
            .stage_payment_completed(tx, &payment, envelope.trace().as_ref())
            .await
            .map_err(HandlerError::retry)?;
        Ok(())
    }

    async fn on_invoice_issued(
        &self,
        _event: generated::events::invoice_issued::InvoiceIssuedV1,
        _envelope: &Envelope,
        _tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        Ok(())
    }
}

/// `orders` hears about payments; this demo has nothing more to do with them.
struct Orders;

#[async_trait::async_trait]
impl OrdersHandlers for Orders {
    async fn on_payment_completed(
        &self,
        _event: PaymentCompletedV1,
        _envelope: &Envelope,
        _tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        Ok(())
    }
}

/// The four services' stores and the bus they share.
struct Deployment {
    bus: Arc<dyn Bus>,
    orders: Arc<dyn Store>,
    inventory: Arc<dyn Store>,
    billing: Arc<dyn Store>,
    payments: Arc<dyn Store>,
}

impl Deployment {
    async fn open(backend: &Backend) -> Result<Deployment, DemoError> {
        match backend {
            Backend::Embedded => Ok(Deployment {
                bus: Arc::new(MemoryBus::new()),
                orders: Arc::new(SqliteStore::in_memory()?),
                inventory: Arc::new(SqliteStore::in_memory()?),
                billing: Arc::new(SqliteStore::in_memory()?),
                payments: Arc::new(SqliteStore::in_memory()?),
            }),
            Backend::External { nats, postgres } => {
                let run = uuid::Uuid::new_v4().simple().to_string();
                let run = &run[..12];
                let bus =
                    NatsBus::connect(nats, NatsConfig::new(&format!("webshop_{run}"))).await?;
                let store = |service: &str| {
                    let options = PostgresOptions {
                        schema: format!("webshop_{service}_{run}"),
                        ..PostgresOptions::default()
                    };
                    PostgresStore::connect(postgres, options)
                };
                Ok(Deployment {
                    bus: Arc::new(bus),
                    orders: Arc::new(store("orders").await?),
                    inventory: Arc::new(store("inventory").await?),
                    billing: Arc::new(store("billing").await?),
                    payments: Arc::new(store("payments").await?),
                })
            }
        }
    }
}

/// Runs the scenario, printing each look at the replicas to `report`, and returns the
/// replicas once they converged.
pub async fn run(
    scenario: &Scenario,
    report: &mut dyn FnMut(&str),
) -> Result<Converged, DemoError> {
    let deployment = Deployment::open(&scenario.backend).await?;
    for store in [
        &deployment.orders,
        &deployment.inventory,
        &deployment.billing,
        &deployment.payments,
    ] {
        store.migrate().await?;
    }
    let mut tx = deployment.inventory.begin().await?;
    replica_products::migrate(tx.as_mut()).await?;
    tx.commit().await?;
    let mut tx = deployment.billing.begin().await?;
    replica_orders::migrate(tx.as_mut()).await?;
    tx.commit().await?;

    let shutdown = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    for store in [
        &deployment.orders,
        &deployment.inventory,
        &deployment.payments,
    ] {
        let relay = Relay::new(
            Arc::clone(store),
            Arc::clone(&deployment.bus),
            relay_config(),
        );
        let stop = shutdown.clone();
        tasks.spawn(async move {
            relay.run(stop).await;
            Ok(())
        });
    }
    let consumers: [ServiceConsumer<'_>; 4] = [
        (
            "inventory",
            &deployment.inventory,
            Arc::new(InventoryConsumer::new(Inventory)),
        ),
        (
            "billing",
            &deployment.billing,
            Arc::new(BillingConsumer::new(Billing)),
        ),
        (
            "payments",
            &deployment.payments,
            Arc::new(PaymentsConsumer::new(Payments {
                publisher: PaymentsPublisher::new("payments"),
            })),
        ),
        (
            "orders",
            &deployment.orders,
            Arc::new(OrdersConsumer::new(Orders)),
        ),
    ];
    for (name, store, handler) in consumers {
        let mut config = ConsumerConfig::new(name);
        config.fetch_wait = Duration::from_millis(20);
        // An order can reach `inventory` before the product it buys (each service relays its
        // own outbox): the update retries until the product exists. Ten attempts with the
        // default backoff wait about 100 s in all, more than a demo ever needs.
        config.max_attempts = 10;
        let consumer = Consumer::new(
            Arc::clone(&deployment.bus),
            Arc::clone(store),
            handler,
            config,
        );
        let stop = shutdown.clone();
        tasks.spawn(async move { consumer.run(stop).await.map_err(DemoError::from) });
    }

    let outcome = drive(scenario, &deployment, report).await;
    shutdown.cancel();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(Err(error)) = joined {
            report(&format!("a service stopped with an error: {error}"));
        }
    }
    outcome
}

/// A consumer to start: its name, its service's store and its generated handler.
type ServiceConsumer<'a> = (
    &'a str,
    &'a Arc<dyn Store>,
    Arc<dyn herald_runtime::Handler>,
);

fn relay_config() -> RelayConfig {
    RelayConfig {
        poll: Duration::from_millis(20),
        ..RelayConfig::default()
    }
}

/// Creates the products and places the orders, then watches the replicas until they match
/// what the events imply.
async fn drive(
    scenario: &Scenario,
    deployment: &Deployment,
    report: &mut dyn FnMut(&str),
) -> Result<Converged, DemoError> {
    let inventory = InventoryPublisher::new("inventory").validating(true);
    let mut products = Vec::new();
    let mut tx = deployment.inventory.begin().await?;
    for (name, sku, stock) in PRODUCTS {
        let product = ProductCreatedV1 {
            product_id: uuid::Uuid::new_v4().to_string(),
            sku: (*sku).to_owned(),
            name: (*name).to_owned(),
            price: euros(UNIT_PRICE),
            initial_stock: stock.unsigned_abs(),
            created_at: now(),
        };
        inventory
            .stage_product_created(tx.as_mut(), &product, None)
            .await?;
        products.push(product);
    }
    tx.commit().await?;
    report(&format!("inventory: created {} products", products.len()));

    // A shop sells what it lists: orders are placed once the products reached inventory's
    // replica. Events of different producers have no order between them, so an order placed
    // earlier could overtake its product's creation (its update would then retry, with backoff,
    // until the product exists).
    let listed = Instant::now();
    while look(deployment).await?.stock.len() < products.len() {
        if listed.elapsed() > scenario.timeout {
            return Err(timed_out(scenario, deployment, report).await);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    report(&format!(
        "{:>6} ms  inventory: {} products listed in its replica",
        listed.elapsed().as_millis(),
        products.len()
    ));

    let orders = OrdersPublisher::new("orders").validating(true);
    let mut expected_stock: Vec<(String, i64)> = PRODUCTS
        .iter()
        .map(|(name, _, stock)| ((*name).to_owned(), *stock))
        .collect();
    for at in 0..scenario.orders {
        let product = at % products.len();
        let total = UNIT_PRICE * UNITS;
        let order = OrderPlacedV2 {
            order_id: uuid::Uuid::new_v4().to_string(),
            customer_id: uuid::Uuid::new_v4().to_string(),
            placed_at: now(),
            currency: "EUR".to_owned(),
            lines: vec![OrderPlacedV2Line {
                product_id: products[product].product_id.clone(),
                quantity: UNITS.unsigned_abs(),
                unit_price: euros(UNIT_PRICE),
            }],
            total: euros(total),
        };
        // In a real service the order row would be written in this same transaction.
        let mut tx = deployment.orders.begin().await?;
        orders.stage_order_placed(tx.as_mut(), &order, None).await?;
        tx.commit().await?;
        expected_stock[product].1 -= UNITS;
    }
    report(&format!("orders: placed {} orders", scenario.orders));

    let started = Instant::now();
    loop {
        let seen = look(deployment).await?;
        let paid = seen.orders.iter().filter(|(s, _)| s == "paid").count();
        let stock: Vec<String> = seen
            .stock
            .iter()
            .map(|(name, units)| format!("{name} {units}"))
            .collect();
        report(&format!(
            "{:>6} ms  inventory: {}  |  billing: {} orders, {paid} paid",
            started.elapsed().as_millis(),
            if stock.is_empty() {
                "-".to_owned()
            } else {
                stock.join(", ")
            },
            seen.orders.len()
        ));
        let mut by_name = seen.stock.clone();
        by_name.sort();
        let mut wanted = expected_stock.clone();
        wanted.sort();
        if by_name == wanted && seen.orders.len() == scenario.orders && paid == scenario.orders {
            report("converged: every order is paid and the stock matches the orders");
            return Ok(seen);
        }
        if started.elapsed() > scenario.timeout {
            return Err(timed_out(scenario, deployment, report).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reports every service's dead letters (why the replicas did not converge) and returns the
/// timeout error.
async fn timed_out(
    scenario: &Scenario,
    deployment: &Deployment,
    report: &mut dyn FnMut(&str),
) -> DemoError {
    for (service, store) in [
        ("inventory", &deployment.inventory),
        ("billing", &deployment.billing),
        ("payments", &deployment.payments),
        ("orders", &deployment.orders),
    ] {
        match store.dead_letters(service).await {
            Ok(letters) => {
                for letter in letters {
                    report(&format!(
                        "{service} dead-lettered {} ({:?}, {} attempts): {}",
                        letter.event_type.as_deref().unwrap_or("?"),
                        letter.status,
                        letter.attempts,
                        letter.reason
                    ));
                }
            }
            Err(error) => report(&format!("{service}: cannot read its dead letters: {error}")),
        }
    }
    DemoError::Timeout(scenario.timeout)
}

/// Reads both replicas through the generated query helpers.
async fn look(deployment: &Deployment) -> Result<Converged, DemoError> {
    let mut tx = deployment.inventory.begin().await?;
    let stock = replica_products::list(tx.as_mut(), None, 1000)
        .await?
        .into_iter()
        .map(|row| (row.name, row.stock))
        .collect();
    tx.rollback().await?;
    let mut tx = deployment.billing.begin().await?;
    let orders = replica_orders::list(tx.as_mut(), None, 10_000)
        .await?
        .into_iter()
        .map(|row| (row.status, row.amount))
        .collect();
    tx.rollback().await?;
    Ok(Converged { stock, orders })
}

fn euros(cents: i64) -> Money {
    Money {
        amount: cents,
        currency: "EUR".to_owned(),
    }
}

/// The current time as RFC 3339, the way the events carry it.
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
