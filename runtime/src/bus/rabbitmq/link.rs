//! Opening a connection and a channel, and turning lapin's errors into [`BusError`]s.

use std::fmt::Display;
use std::time::Duration;

use lapin::types::{LongString, ShortString};
use lapin::uri::AMQPUri;
use lapin::{Channel, Connection, ConnectionProperties};

use crate::bus::BusError;

/// The adapter's name in errors and logs.
pub(super) const BUS: &str = "rabbitmq";

/// A connection with the one channel herald uses on it.
///
/// lapin does not revive a connection by itself (auto-recovery is opt-in and leaves consumers to
/// the caller, lapin#389), so each holder checks [`Link::alive`] and opens a new link instead.
pub(super) struct Link {
    pub(super) connection: Connection,
    pub(super) channel: Channel,
}

impl Link {
    /// Connects to `url` and opens a channel, within `timeout`, asking for `heartbeat` unless
    /// the URL names its own (`?heartbeat=N`).
    pub(super) async fn open(
        url: &str,
        name: &str,
        timeout: Duration,
        heartbeat: Duration,
    ) -> Result<Link, BusError> {
        let uri = with_heartbeat(url, heartbeat)?;
        let properties =
            ConnectionProperties::default().with_connection_name(LongString::from(name));
        let connect = async {
            let connection = Connection::connect_uri(uri, properties).await?;
            let channel = connection.create_channel().await?;
            Ok::<_, lapin::Error>(Link {
                connection,
                channel,
            })
        };
        match tokio::time::timeout(timeout, connect).await {
            Ok(Ok(link)) => Ok(link),
            Ok(Err(err)) => Err(unavailable(err)),
            Err(_) => Err(unavailable(format_args!(
                "no connection within {} ms",
                timeout.as_millis()
            ))),
        }
    }

    /// Whether the connection and the channel are both still open.
    pub(super) fn alive(&self) -> bool {
        self.connection.status().connected() && self.channel.status().connected()
    }
}

/// `url` parsed, with `heartbeat` (whole seconds, at least 1) unless it names its own.
///
/// lapin only notices a connection that died without a word (a broker host gone, a dropped
/// network path) when two heartbeat intervals pass in silence; RabbitMQ proposes 60 s, which
/// would leave a consumer idle for two minutes before it reconnects.
fn with_heartbeat(url: &str, heartbeat: Duration) -> Result<AMQPUri, BusError> {
    let mut uri: AMQPUri = url
        .parse()
        .map_err(|reason| setup("the AMQP URL", reason))?;
    if uri.query.heartbeat.is_none() {
        let seconds = heartbeat.as_secs().clamp(1, u64::from(u16::MAX));
        uri.query.heartbeat = u16::try_from(seconds).ok();
    }
    Ok(uri)
}

/// Runs `work` (connecting, declaring) within `timeout`; past it the broker is `Unavailable`.
pub(super) async fn within<T>(
    timeout: Duration,
    what: &str,
    work: impl Future<Output = Result<T, BusError>>,
) -> Result<T, BusError> {
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            Err(unavailable(format_args!(
                "{what} took longer than {} ms",
                timeout.as_millis()
            )))
        })
}

/// `BusError::Unavailable` with `reason`.
pub(super) fn unavailable(reason: impl Display) -> BusError {
    BusError::Unavailable {
        bus: BUS,
        reason: reason.to_string(),
    }
}

/// `BusError::Setup` for declaring `what`.
pub(super) fn setup(what: impl Display, reason: impl Display) -> BusError {
    BusError::Setup {
        bus: BUS,
        what: what.to_string(),
        reason: reason.to_string(),
    }
}

/// A failed declaration: a lost connection is `Unavailable`, a broker refusal is `Setup`.
pub(super) fn declare_failed(what: impl Display, err: &lapin::Error) -> BusError {
    if err.is_amqp_soft_error() {
        setup(what, err)
    } else {
        unavailable(format_args!("declaring {what}: {err}"))
    }
}

/// A name checked against AMQP's 255-byte limit on short strings.
pub(super) fn short(what: &str, value: &str) -> Result<ShortString, String> {
    ShortString::try_new(value).map_err(|_| {
        format!(
            "the {what} `{value}` is {} bytes long; AMQP allows 255",
            value.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_without_heartbeat_gets_the_configured_one() {
        let uri = with_heartbeat(
            "amqp://guest:guest@127.0.0.1:5672/%2f",
            Duration::from_secs(10),
        );
        assert_eq!(uri.unwrap().query.heartbeat, Some(10));
    }

    #[test]
    fn the_url_s_own_heartbeat_wins() {
        let uri = with_heartbeat("amqp://127.0.0.1/%2f?heartbeat=3", Duration::from_secs(10));
        assert_eq!(uri.unwrap().query.heartbeat, Some(3));
    }

    #[test]
    fn a_sub_second_heartbeat_is_one_second() {
        let uri = with_heartbeat("amqp://127.0.0.1/%2f", Duration::from_millis(200));
        assert_eq!(uri.unwrap().query.heartbeat, Some(1));
    }

    #[test]
    fn a_malformed_url_is_a_setup_error() {
        let err = with_heartbeat("amqp://127.0.0.1:notaport/", Duration::from_secs(10));
        assert!(matches!(err, Err(BusError::Setup { .. })), "{err:?}");
    }
}
