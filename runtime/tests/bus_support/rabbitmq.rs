//! Setting up and tearing down the RabbitMQ bus's tests.

use herald_runtime::bus::rabbitmq::RabbitBus;
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Channel, Connection, ConnectionProperties};

/// A connection and channel of the test's own, beside the bus.
pub async fn raw_channel(url: &str) -> (Connection, Channel) {
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    (connection, channel)
}

/// Deletes the consumers' queues (and dead-letter queues) and the bus's exchanges.
pub async fn clean_up(url: &str, bus: &RabbitBus, consumers: &[&str]) {
    let (connection, channel) = raw_channel(url).await;
    let exchange = &bus.config().exchange;
    for consumer in consumers {
        for queue in [
            format!("{exchange}.{consumer}"),
            format!("{exchange}.{consumer}.dead"),
        ] {
            channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await
                .expect("delete a test queue");
        }
    }
    let exchange = &bus.config().exchange;
    for name in [exchange.clone(), format!("{exchange}.dead")] {
        channel
            .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
            .await
            .expect("delete a test exchange");
    }
    let _ = connection.close(200, "OK".into()).await;
}
