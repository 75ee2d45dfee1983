//! The handler a careful engineer would write by hand for inventory's `products` table, with
//! the guarantees of the generated one: serde structs for the events, the catalog's payload
//! schemas compiled once with `jsonschema` (checked before any attempt, when validating), an
//! upsert guarded by the event id for `ProductCreated` and a delta applied once per
//! `StockAdjusted` (the consumer's inbox claim shares the transaction), and a retry when an
//! adjustment arrives before its product.

use std::path::Path;

use herald_runtime::{Dialect, Envelope, Handler, HandlerError, SqlValue, Transaction};
use jsonschema::Validator;
use serde::Deserialize;

/// `ProductCreated` version 1.
#[derive(Debug, Deserialize)]
struct ProductCreated {
    product_id: String,
    sku: String,
    name: String,
    #[allow(dead_code)]
    price: Money,
    initial_stock: u64,
    created_at: String,
}

/// A price in minor units.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Money {
    amount: i64,
    currency: String,
}

/// `StockAdjusted` version 1.
#[derive(Debug, Deserialize)]
struct StockAdjusted {
    product_id: String,
    delta: i64,
    #[allow(dead_code)]
    reason: Reason,
    adjusted_at: String,
}

/// Why the stock changed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reason {
    Restock,
    Return,
    Damaged,
    Lost,
    CountCorrection,
}

/// The table, shaped like the generated replica's.
const SQLITE_TABLE: &str = "CREATE TABLE IF NOT EXISTS products (
    product_id TEXT NOT NULL PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,
    stock INTEGER NOT NULL, updated_at TEXT, herald_event_id TEXT NOT NULL,
    herald_version INTEGER NOT NULL, herald_deleted INTEGER NOT NULL DEFAULT 0)";
const POSTGRES_TABLE: &str = "CREATE TABLE IF NOT EXISTS products (
    product_id TEXT NOT NULL PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,
    stock BIGINT NOT NULL, updated_at TEXT, herald_event_id TEXT COLLATE \"C\" NOT NULL,
    herald_version BIGINT NOT NULL, herald_deleted BOOLEAN NOT NULL DEFAULT FALSE)";

/// Creates or replaces the row unless it already holds a newer event.
const SQLITE_UPSERT: &str = "INSERT INTO products
    (product_id, herald_event_id, sku, name, stock, updated_at, herald_version)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
    ON CONFLICT (product_id) DO UPDATE SET sku = excluded.sku, name = excluded.name,
    stock = excluded.stock, updated_at = excluded.updated_at,
    herald_event_id = excluded.herald_event_id, herald_version = products.herald_version + 1
    WHERE products.herald_event_id < excluded.herald_event_id";
const POSTGRES_UPSERT: &str = "INSERT INTO products
    (product_id, herald_event_id, sku, name, stock, updated_at, herald_version)
    VALUES ($1, $2, $3, $4, $5, $6, 1)
    ON CONFLICT (product_id) DO UPDATE SET sku = excluded.sku, name = excluded.name,
    stock = excluded.stock, updated_at = excluded.updated_at,
    herald_event_id = excluded.herald_event_id, herald_version = products.herald_version + 1
    WHERE products.herald_event_id < excluded.herald_event_id";

/// Adds the delta (once per event: the inbox claim sees to that); moves `updated_at` only
/// forward.
const SQLITE_ADJUST: &str = "UPDATE products SET stock = stock + ?3,
    updated_at = CASE WHEN herald_event_id < ?2 THEN ?4 ELSE updated_at END,
    herald_event_id = CASE WHEN herald_event_id < ?2 THEN ?2 ELSE herald_event_id END,
    herald_version = herald_version + 1 WHERE product_id = ?1";
const POSTGRES_ADJUST: &str = "UPDATE products SET stock = stock + $3,
    updated_at = CASE WHEN herald_event_id < $2 THEN $4 ELSE updated_at END,
    herald_event_id = CASE WHEN herald_event_id < $2 THEN $2 ELSE herald_event_id END,
    herald_version = herald_version + 1 WHERE product_id = $1";

/// Creates the table in `tx`'s dialect.
pub async fn migrate(tx: &mut dyn Transaction) -> Result<(), herald_runtime::StoreError> {
    let table = match tx.dialect() {
        Dialect::Sqlite => SQLITE_TABLE,
        Dialect::Postgres => POSTGRES_TABLE,
    };
    tx.execute(table, &[]).await.map(drop)
}

/// The payload schemas, compiled once from the catalog's files.
pub struct Schemas {
    product_created: Validator,
    stock_adjusted: Validator,
}

impl Schemas {
    /// Compiles the two payload schemas of the catalog at `catalog` (`examples/webshop`).
    pub fn load(catalog: &Path) -> Result<Schemas, String> {
        let money = yaml(&catalog.join("common/money.yaml"))?;
        let compile = |event: &str| -> Result<Validator, String> {
            let file = yaml(&catalog.join(format!("events/{event}/v1.yaml")))?;
            jsonschema::options()
                .with_base_uri(format!("catalog:///events/{event}/v1.yaml"))
                .with_retriever(Shared {
                    money: money.clone(),
                })
                .build(&file["payload"])
                .map_err(|error| format!("{event}: {error}"))
        };
        Ok(Schemas {
            product_created: compile("product_created")?,
            stock_adjusted: compile("stock_adjusted")?,
        })
    }
}

fn yaml(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Serves `/common/money.yaml`, the one document the payloads reference.
struct Shared {
    money: serde_json::Value,
}

impl jsonschema::Retrieve for Shared {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.path().as_str() == "/common/money.yaml" {
            Ok(self.money.clone())
        } else {
            Err(format!("{} is not in the catalog", uri.as_str()).into())
        }
    }
}

/// inventory's consumer, by hand; validates the payloads when it holds their schemas.
pub struct HandWritten {
    schemas: Option<Schemas>,
}

impl HandWritten {
    /// A handler that validates with `schemas`, or does not validate (`None`).
    pub fn new(schemas: Option<Schemas>) -> HandWritten {
        HandWritten { schemas }
    }
}

#[async_trait::async_trait]
impl Handler for HandWritten {
    fn event_types(&self) -> Vec<String> {
        vec!["ProductCreated".to_owned(), "StockAdjusted".to_owned()]
    }

    fn validate(&self, envelope: &Envelope) -> Result<(), String> {
        let Some(schemas) = &self.schemas else {
            return Ok(());
        };
        let schema = match (envelope.event_type.as_str(), envelope.version()) {
            ("ProductCreated", Some(1)) => &schemas.product_created,
            ("StockAdjusted", Some(1)) => &schemas.stock_adjusted,
            _ => {
                return Err(format!(
                    "inventory does not consume {}",
                    envelope.describe()
                ));
            }
        };
        let payload: serde_json::Value =
            serde_json::from_str(envelope.data.get()).map_err(|e| e.to_string())?;
        schema
            .validate(&payload)
            .map_err(|error| format!("{}: {error}", error.instance_path()))
    }

    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let dialect = tx.dialect();
        match (envelope.event_type.as_str(), envelope.version()) {
            ("ProductCreated", Some(1)) => {
                let event: ProductCreated = decode(envelope)?;
                let stock = i64::try_from(event.initial_stock)
                    .map_err(|_| HandlerError::reject("initial_stock exceeds a BIGINT"))?;
                let sql = match dialect {
                    Dialect::Sqlite => SQLITE_UPSERT,
                    Dialect::Postgres => POSTGRES_UPSERT,
                };
                let params = [
                    SqlValue::Text(event.product_id),
                    SqlValue::Text(envelope.id.clone()),
                    SqlValue::Text(event.sku),
                    SqlValue::Text(event.name),
                    SqlValue::Integer(stock),
                    SqlValue::Text(event.created_at),
                ];
                tx.execute(sql, &params).await?;
                Ok(())
            }
            ("StockAdjusted", Some(1)) => {
                let event: StockAdjusted = decode(envelope)?;
                let sql = match dialect {
                    Dialect::Sqlite => SQLITE_ADJUST,
                    Dialect::Postgres => POSTGRES_ADJUST,
                };
                let params = [
                    SqlValue::Text(event.product_id),
                    SqlValue::Text(envelope.id.clone()),
                    SqlValue::Integer(event.delta),
                    SqlValue::Text(event.adjusted_at),
                ];
                if tx.execute(sql, &params).await? == 0 {
                    return Err(HandlerError::retry("the product does not exist yet"));
                }
                Ok(())
            }
            _ => Err(HandlerError::reject(format!(
                "inventory does not consume {}",
                envelope.describe()
            ))),
        }
    }
}

fn decode<'a, T: Deserialize<'a>>(envelope: &'a Envelope) -> Result<T, HandlerError> {
    serde_json::from_str(envelope.data.get()).map_err(|e| HandlerError::reject(e.to_string()))
}
