//! The test service of the crash test: a consumer applying the reliability workload until it is
//! killed. `herald-testbed --bus nats:<url> --store sqlite:<path> --catalog NAME --consumer NAME`.

use std::process::ExitCode;
use std::sync::Arc;

use herald_reliability::{backends, workload};
use herald_runtime::Consumer;
use tokio_util::sync::CancellationToken;

struct Args {
    bus: String,
    store: String,
    catalog: String,
    consumer: String,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut bus, mut store, mut catalog, mut consumer) = (None, None, None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bus" => bus = Some(value),
            "--store" => store = Some(value),
            "--catalog" => catalog = Some(value),
            "--consumer" => consumer = Some(value),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        bus: bus.ok_or("--bus is required")?,
        store: store.ok_or("--store is required")?,
        catalog: catalog.ok_or("--catalog is required")?,
        consumer: consumer.ok_or("--consumer is required")?,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("herald-testbed: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let args = parse()?;
    let store = backends::store(&args.store).await?;
    workload::prepare(store.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let bus = backends::bus(&args.bus, &args.catalog).await?;
    let consumer = Consumer::new(
        bus,
        store,
        Arc::new(workload::StepReplica),
        workload::crash_consumer_config(&args.consumer),
    );
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    consumer.run(shutdown).await.map_err(|e| e.to_string())
}
