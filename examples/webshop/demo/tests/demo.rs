//! The demo converges: on the embedded default always, on NATS + PostgreSQL when both test
//! URLs are set.

use std::time::Duration;

use herald_webshop_demo::{Backend, Scenario, run};

/// Every order paid at 25.00 EUR, and the stock of each product lowered by two units per
/// order that bought it (orders go round robin over Mug 120, Teapot 40, Coaster 300).
async fn check(backend: Backend) {
    {
        let scenario = Scenario {
            backend,
            orders: 7,
            timeout: Duration::from_secs(60),
        };
        let mut lines = Vec::new();
        let converged = run(&scenario, &mut |line| lines.push(line.to_owned()))
            .await
            .unwrap_or_else(|error| panic!("{error}\n{}", lines.join("\n")));
        let mut stock = converged.stock.clone();
        stock.sort();
        assert_eq!(
            stock,
            [
                ("Coaster".to_owned(), 300 - 2 * 2),
                ("Mug".to_owned(), 120 - 3 * 2),
                ("Teapot".to_owned(), 40 - 2 * 2),
            ]
        );
        assert_eq!(converged.orders.len(), 7);
        assert!(
            converged
                .orders
                .iter()
                .all(|order| order == &("paid".to_owned(), 2500)),
            "{:?}",
            converged.orders
        );
        assert!(lines.last().unwrap().starts_with("converged"), "{lines:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_demo_converges_to_paid_orders_and_lowered_stock() {
    check(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_converges_on_nats_and_postgres() {
    let (Ok(nats), Ok(postgres)) = (
        std::env::var("HERALD_TEST_NATS_URL"),
        std::env::var("HERALD_TEST_POSTGRES_URL"),
    ) else {
        eprintln!("skipped: HERALD_TEST_NATS_URL or HERALD_TEST_POSTGRES_URL is not set");
        return;
    };
    check(Backend::External { nats, postgres }).await;
}
