//! A TCP proxy between a pool and PostgreSQL that cuts one connection at a chosen point
//! of the wire protocol, to lose an append's reply (or the append itself) on purpose.
//!
//! It reads the client's messages (type byte + length), remembers which prepared
//! statements are appends (`INSERT INTO events`), and trips once, on the first
//! matching moment after it was armed. After the trip every connection passes through.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use sqlx::postgres::PgConnectOptions;

use super::TestDatabase;

/// Where the proxy cuts the connection, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Cut {
    /// Nothing: pass everything through.
    Never = 0,
    /// The append's Execute reaches the server; its reply (after the statement
    /// committed) is withheld and both sides are closed.
    AfterAppendReply = 1,
    /// The append's Execute is never sent; both sides are closed.
    BeforeAppend = 2,
    /// The `COMMIT` of a transaction that appended reaches the server; its reply is
    /// withheld and both sides are closed.
    AfterCommitReply = 3,
}

impl Cut {
    fn from_u8(value: u8) -> Cut {
        match value {
            1 => Cut::AfterAppendReply,
            2 => Cut::BeforeAppend,
            3 => Cut::AfterCommitReply,
            _ => Cut::Never,
        }
    }
}

/// A proxy listening on 127.0.0.1, forwarding to a PostgreSQL server, that cuts one
/// connection where it is armed to.
#[derive(Debug, Clone)]
pub struct CutProxy {
    /// The address the pool connects to.
    pub addr: SocketAddr,
    armed: Arc<AtomicU8>,
    trips: Arc<AtomicUsize>,
}

impl CutProxy {
    /// Starts a proxy to `server`, passing everything through until armed.
    pub async fn start(server: SocketAddr) -> std::io::Result<CutProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let proxy = CutProxy {
            addr: listener.local_addr()?,
            armed: Arc::new(AtomicU8::new(Cut::Never as u8)),
            trips: Arc::new(AtomicUsize::new(0)),
        };
        let shared = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let proxy = shared.clone();
                tokio::spawn(async move {
                    if let Ok(upstream) = TcpStream::connect(server).await {
                        proxy.relay(client, upstream).await;
                    }
                });
            }
        });
        Ok(proxy)
    }

    /// Starts a proxy in front of the server of `db`.
    pub async fn in_front_of(db: &TestDatabase) -> std::io::Result<CutProxy> {
        let options = db.options();
        let server = tokio::net::lookup_host((options.get_host(), options.get_port()))
            .await?
            .next()
            .ok_or_else(|| std::io::Error::other("the test server's host does not resolve"))?;
        CutProxy::start(server).await
    }

    /// Connection options of `db` through this proxy.
    pub fn options(&self, db: &TestDatabase) -> PgConnectOptions {
        db.options()
            .host(&self.addr.ip().to_string())
            .port(self.addr.port())
    }

    /// Cuts the next connection that reaches `cut` (once).
    pub fn arm(&self, cut: Cut) {
        self.armed.store(cut as u8, Ordering::SeqCst);
    }

    /// How many times the proxy has cut a connection.
    pub fn trips(&self) -> usize {
        self.trips.load(Ordering::SeqCst)
    }

    /// Takes the trip if `cut` is armed (so exactly one connection trips).
    fn take(&self, cut: Cut) -> bool {
        let taken = self
            .armed
            .compare_exchange(
                cut as u8,
                Cut::Never as u8,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok();
        if taken {
            self.trips.fetch_add(1, Ordering::SeqCst);
        }
        taken
    }

    async fn relay(&self, client: TcpStream, upstream: TcpStream) {
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = upstream.into_split();
        let withhold = Arc::new(AtomicBool::new(false));
        let closed = Arc::new(Notify::new());
        let replies = tokio::spawn(replies(
            server_read,
            client_write,
            Arc::clone(&withhold),
            Arc::clone(&closed),
        ));
        tokio::select! {
            () = self.requests(client_read, server_write, &withhold) => {}
            () = closed.notified() => {}
        }
        replies.abort();
        // Both halves of both sockets are dropped here: the client sees its connection
        // end without an answer.
    }

    /// Forwards the client's messages, tripping where armed. Returns when either side
    /// ends or the connection is cut before a message is sent.
    async fn requests(
        &self,
        mut client: OwnedReadHalf,
        mut server: OwnedWriteHalf,
        withhold: &AtomicBool,
    ) {
        let mut buffer: Vec<u8> = Vec::with_capacity(8192);
        let mut chunk = [0_u8; 8192];
        let mut started = false;
        let mut appends: HashSet<Vec<u8>> = HashSet::new();
        let mut bound_append = false;
        let mut appended_in_tx = false;
        loop {
            let read = match client.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            buffer.extend_from_slice(&chunk[..read]);
            let mut ready = 0;
            let mut trip = None;
            while let Some(len) = next_message(&buffer[ready..], started) {
                let message = &buffer[ready..ready + len];
                if !started {
                    // SSL/GSS requests come before the startup message; the startup
                    // message carries protocol 3.0.
                    started = message.get(4..8) == Some(&[0, 3, 0, 0]);
                } else {
                    match message[0] {
                        b'P' => {
                            let (name, rest) = cstr(&message[5..]);
                            let (query, _) = cstr(rest);
                            if contains(query, b"INSERT INTO events") {
                                appends.insert(name.to_vec());
                            } else {
                                appends.remove(name);
                            }
                        }
                        b'B' => {
                            let (_portal, rest) = cstr(&message[5..]);
                            let (statement, _) = cstr(rest);
                            bound_append = appends.contains(statement);
                        }
                        b'E' if bound_append => {
                            bound_append = false;
                            appended_in_tx = true;
                            let armed = Cut::from_u8(self.armed.load(Ordering::SeqCst));
                            if matches!(armed, Cut::AfterAppendReply | Cut::BeforeAppend)
                                && self.take(armed)
                            {
                                trip = Some(armed);
                            }
                        }
                        b'Q' if contains(&message[5..], b"COMMIT") => {
                            if appended_in_tx && self.take(Cut::AfterCommitReply) {
                                trip = Some(Cut::AfterCommitReply);
                            }
                            appended_in_tx = false;
                        }
                        b'Q' if contains(&message[5..], b"BEGIN")
                            || contains(&message[5..], b"ROLLBACK") =>
                        {
                            appended_in_tx = false;
                        }
                        _ => {}
                    }
                }
                ready += len;
            }
            match trip {
                Some(Cut::BeforeAppend) => return,
                Some(_) => withhold.store(true, Ordering::SeqCst),
                None => {}
            }
            if server.write_all(&buffer[..ready]).await.is_err() {
                return;
            }
            buffer.drain(..ready);
        }
    }
}

/// Forwards the server's replies until told to withhold them; then the first bytes of
/// the withheld reply close the connection.
async fn replies(
    mut server: OwnedReadHalf,
    mut client: OwnedWriteHalf,
    withhold: Arc<AtomicBool>,
    closed: Arc<Notify>,
) {
    let mut chunk = [0_u8; 8192];
    loop {
        let read = match server.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if withhold.load(Ordering::SeqCst) {
            // The server answered: the statement ran (and committed). The answer is lost.
            break;
        }
        if client.write_all(&chunk[..read]).await.is_err() {
            break;
        }
    }
    closed.notify_one();
}

/// The length of the first complete message in `bytes`, if there is one: untyped
/// (length first) before the startup message, typed (a byte, then length) after.
fn next_message(bytes: &[u8], started: bool) -> Option<usize> {
    let offset = usize::from(started);
    let len = bytes.get(offset..offset + 4)?;
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize + offset;
    (bytes.len() >= len && len > offset).then_some(len)
}

/// A NUL-terminated string and what follows it.
fn cstr(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|b| *b == 0) {
        Some(end) => (&bytes[..end], &bytes[end + 1..]),
        None => (bytes, &[]),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
