//! Which bus and store a run uses, named in one string each so the test service takes them as
//! arguments: `memory`, `nats:<url>`, `rabbitmq:<url>`; `sqlite:<path>`, `postgres:<url>#<schema>`.

use std::sync::Arc;

use herald_runtime::bus::nats::{NatsBus, NatsConfig};
use herald_runtime::bus::rabbitmq::{RabbitBus, RabbitConfig};
use herald_runtime::store::postgres::{PostgresOptions, PostgresStore};
use herald_runtime::store::sqlite::{SqliteOptions, SqliteStore};
use herald_runtime::{Bus, Store};

/// Connects the bus named by `spec` for catalog `catalog`.
pub async fn bus(spec: &str, catalog: &str) -> Result<Arc<dyn Bus>, String> {
    let (kind, url) = spec.split_once(':').unwrap_or((spec, ""));
    match kind {
        "nats" => Ok(Arc::new(
            NatsBus::connect(url, NatsConfig::new(catalog))
                .await
                .map_err(|e| e.to_string())?,
        )),
        "rabbitmq" => Ok(Arc::new(
            RabbitBus::connect(url, RabbitConfig::new(catalog))
                .await
                .map_err(|e| e.to_string())?,
        )),
        other => Err(format!(
            "unknown bus `{other}` (nats:<url> or rabbitmq:<url>)"
        )),
    }
}

/// Opens the store named by `spec`.
pub async fn store(spec: &str) -> Result<Arc<dyn Store>, String> {
    let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
    match kind {
        "sqlite" => Ok(Arc::new(
            SqliteStore::open(rest, SqliteOptions::default()).map_err(|e| e.to_string())?,
        )),
        "postgres" => {
            let (url, schema) = rest.rsplit_once('#').unwrap_or((rest, "public"));
            let options = PostgresOptions {
                schema: schema.to_owned(),
                ..PostgresOptions::default()
            };
            Ok(Arc::new(
                PostgresStore::connect(url, options)
                    .await
                    .map_err(|e| e.to_string())?,
            ))
        }
        other => Err(format!(
            "unknown store `{other}` (sqlite:<path> or postgres:<url>#<schema>)"
        )),
    }
}
