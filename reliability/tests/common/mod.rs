//! What the reliability tests share: a run's bus and store, made unique and cleaned up.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use herald_reliability::services::{Service, unique};
use herald_reliability::{backends, workload};
use herald_runtime::bus::nats::NatsConfig;
use herald_runtime::bus::rabbitmq::RabbitConfig;
use herald_runtime::{Bus, Store};

/// Which broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broker {
    Nats,
    Rabbitmq,
}

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres,
}

/// One run's bus and store, with names nobody else uses.
pub struct Setup {
    pub broker: Broker,
    pub catalog: String,
    pub bus_spec: String,
    pub store_spec: String,
    pub bus: Arc<dyn Bus>,
    pub store: Arc<dyn Store>,
    broker_url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Setup {
    /// Connects, or `None` (after saying the test skipped) when a service URL is unset.
    pub async fn new(test: &str, broker: Broker, database: Database) -> Option<Setup> {
        let service = match broker {
            Broker::Nats => Service::Nats,
            Broker::Rabbitmq => Service::Rabbitmq,
        };
        let broker_url = service.url(test)?;
        let dir = tempfile::tempdir().unwrap();
        let (store_spec, postgres) = match database {
            Database::Sqlite => (
                format!("sqlite:{}", dir.path().join("replica.db").display()),
                None,
            ),
            Database::Postgres => {
                let url = Service::Postgres.url(test)?;
                let schema = unique("reliability_");
                (
                    format!("postgres:{url}#{schema}"),
                    Some((url.clone(), schema.clone())),
                )
            }
        };
        let catalog = unique("rel");
        let bus_spec = match broker {
            Broker::Nats => format!("nats:{broker_url}"),
            Broker::Rabbitmq => format!("rabbitmq:{broker_url}"),
        };
        let store = backends::store(&store_spec).await.unwrap();
        workload::prepare(store.as_ref()).await.unwrap();
        let bus = backends::bus(&bus_spec, &catalog).await.unwrap();
        Some(Setup {
            broker,
            catalog,
            bus_spec,
            store_spec,
            bus,
            store,
            broker_url,
            postgres,
            _dir: dir,
        })
    }

    /// Opens the durable subscription once, so the broker keeps events published before the
    /// consumer first runs (a RabbitMQ exchange drops what no queue is bound for).
    pub async fn declare(&self, consumer_config: &herald_runtime::ConsumerConfig) {
        let spec = consumer_config.subscription_spec(vec!["Step".to_owned()]);
        drop(self.bus.subscribe(&spec).await.unwrap());
    }

    /// Publishes in chunks with confirmations.
    pub async fn publish(&self, events: &[herald_runtime::Envelope]) {
        for chunk in events.chunks(1000) {
            self.bus.publish_all(chunk).await.unwrap();
        }
    }

    /// Removes the stream or exchange and queues, and the PostgreSQL schema (best effort).
    pub async fn cleanup(self, consumers: &[&str]) {
        match self.broker {
            Broker::Nats => {
                if let Ok(client) = async_nats::connect(&self.broker_url).await {
                    let js = async_nats::jetstream::new(client);
                    let _ = js
                        .delete_stream(&NatsConfig::new(&self.catalog).stream)
                        .await;
                }
            }
            Broker::Rabbitmq => {
                let props = lapin::ConnectionProperties::default();
                if let Ok(conn) = lapin::Connection::connect(&self.broker_url, props).await
                    && let Ok(channel) = conn.create_channel().await
                {
                    let exchange = RabbitConfig::new(&self.catalog).exchange;
                    for consumer in consumers {
                        for queue in [
                            format!("{exchange}.{consumer}"),
                            format!("{exchange}.{consumer}.dead"),
                        ] {
                            let _ = channel
                                .queue_delete(queue.as_str().into(), Default::default())
                                .await;
                        }
                    }
                    for name in [exchange.clone(), format!("{exchange}.dead")] {
                        let _ = channel
                            .exchange_delete(name.as_str().into(), Default::default())
                            .await;
                    }
                }
            }
        }
        if let Some((url, schema)) = &self.postgres
            && let Ok(mut tx) = self.store.begin().await
        {
            let _ = tx
                .execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"), &[])
                .await;
            let _ = tx.commit().await;
            let _ = url;
        }
    }
}

/// Polls `observe` until `applied` events are in, or `limit` passes.
pub async fn wait_applied(store: &dyn Store, applied: i64, limit: Duration) -> workload::Observed {
    let start = std::time::Instant::now();
    loop {
        let observed = workload::observe(store).await.unwrap();
        if observed.applied() >= applied || start.elapsed() > limit {
            return observed;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs one step of a test within `limit`, or fails the test naming the step: a broker that
/// never comes back (or blocks publishers) must turn a test red, never hang CI.
pub async fn bounded<T>(
    step: &str,
    limit: Duration,
    work: impl std::future::Future<Output = T>,
) -> T {
    match tokio::time::timeout(limit, work).await {
        Ok(value) => value,
        Err(_) => panic!("{step} did not finish within {} s", limit.as_secs()),
    }
}
