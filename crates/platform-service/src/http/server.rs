//! The HTTP/1 server loop: accepts connections, closes those that do not send a
//! request's head in time, and drains on shutdown within a deadline.
//!
//! `axum::serve` sets no timer on hyper's connections, so hyper's header-read timeout
//! never fires there and a client that sends a header a byte at a time (slowloris)
//! holds its connection for ever. This loop drives hyper's HTTP/1 builder itself, with
//! a Tokio timer and `HTTP_HEADER_READ_TIMEOUT_MS`.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, warn};

/// The server's time limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerLimits {
    /// A connection's request head must arrive within this (from its first byte, or
    /// from the end of the previous response on a kept-alive connection).
    pub header_read_timeout: Duration,
    /// After `shutdown`, how long open connections may finish their requests.
    pub shutdown_timeout: Duration,
}

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drained {
    /// Every open request finished within the shutdown timeout.
    Cleanly,
    /// This many connections still had requests open at the deadline and were dropped.
    Dropped(usize),
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting,
/// lets open requests finish until `deadline`, and drops the rest.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> Drained {
    let (draining, drain) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    connections.spawn(connection(tcp, router.clone(), limits, drain.clone()));
                }
                // Out of file descriptors, or a connection reset before it was taken:
                // wait a little rather than spin.
                Err(err) => {
                    warn!(cause = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = draining.send(true);
    let deadline = Instant::now() + limits.shutdown_timeout;
    let drained = tokio::time::timeout_at(deadline, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_ok() {
        return Drained::Cleanly;
    }
    let open = connections.len();
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Drained::Dropped(open)
}

/// Serves one connection until it closes, or until shutdown lets its open request end.
async fn connection(
    tcp: TcpStream,
    router: Router,
    limits: ServerLimits,
    mut drain: watch::Receiver<bool>,
) {
    // Small request/response exchanges: send at once rather than wait for Nagle.
    if let Err(err) = tcp.set_nodelay(true) {
        warn!(cause = %err, "could not set TCP_NODELAY");
    }
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let service = TowerToHyperService::new(router);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(tcp), service));
    tokio::select! {
        served = conn.as_mut() => {
            if let Err(err) = served {
                debug!(cause = %err, "connection closed with an error");
            }
            return;
        }
        // Shutdown (or the server gone): finish the request in flight, then close.
        _ = drain.wait_for(|draining| *draining) => conn.as_mut().graceful_shutdown(),
    }
    if let Err(err) = conn.await {
        debug!(cause = %err, "connection closed with an error");
    }
}
