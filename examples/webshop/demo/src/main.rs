//! `cargo run -p herald-webshop-demo [-- --orders N] [--nats URL --postgres URL]`: runs the
//! webshop's services on the generated code and prints their replicas converging.

use std::process::ExitCode;
use std::time::Duration;

use herald_webshop_demo::{Backend, Scenario, run};

const USAGE: &str = "usage: herald-webshop-demo [--orders N] [--nats URL --postgres URL]";

fn parse(mut args: impl Iterator<Item = String>) -> Result<Scenario, String> {
    let (mut orders, mut nats, mut postgres) = (12, None, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--orders" => {
                orders = value()?
                    .parse()
                    .map_err(|error| format!("--orders: {error}"))?;
            }
            "--nats" => nats = Some(value()?),
            "--postgres" => postgres = Some(value()?),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let backend = match (nats, postgres) {
        (None, None) => Backend::Embedded,
        (Some(nats), Some(postgres)) => Backend::External { nats, postgres },
        _ => return Err(format!("--nats and --postgres go together\n{USAGE}")),
    };
    Ok(Scenario {
        backend,
        orders,
        timeout: Duration::from_secs(60),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let scenario = match parse(std::env::args().skip(1)) {
        Ok(scenario) => scenario,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let backend = match &scenario.backend {
        Backend::Embedded => "in-process bus + SQLite".to_owned(),
        Backend::External { nats, .. } => format!("NATS ({nats}) + PostgreSQL"),
    };
    println!("webshop demo on {backend}");
    match run(&scenario, &mut |line| println!("{line}")).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
