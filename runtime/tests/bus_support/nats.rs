//! Tearing down the NATS bus's tests.

use herald_runtime::bus::nats::NatsBus;

/// Deletes the test's stream (and with it its consumers).
pub async fn delete_stream(url: &str, bus: &NatsBus) {
    let client = async_nats::connect(url).await.expect("connect");
    async_nats::jetstream::new(client)
        .delete_stream(&bus.config().stream)
        .await
        .expect("delete the test stream");
}
