//! Support for tests that need a real service (PostgreSQL, NATS, RabbitMQ): one place decides
//! between running and skipping, so CI can insist that nothing skips.

/// The service URL in `variable`; when it is unset or empty, `None` after printing that the
/// test skipped and why — unless `HERALD_REQUIRE_SERVICES=1` (CI sets it), where a test that
/// would skip fails instead, so a misconfigured CI cannot pass without exercising the services.
pub fn service_url(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        // A test-support function: failing the calling test is its purpose.
        _ if std::env::var("HERALD_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("{variable} is not set, and HERALD_REQUIRE_SERVICES=1 forbids skipping")
        }
        _ => {
            eprintln!("skipped: {variable} is not set");
            None
        }
    }
}
