//! One loopback server for the tests' stand-ins: it binds a port on a loopback address,
//! accepts on a thread of its own, serves each connection on a thread of its own, counts the
//! connections, and stops when dropped. What a connection gets is the caller's: the raw
//! stream ([`Loopback::serve_connections`], for TLS or for bytes no HTTP server would send),
//! or one request at a time off a keep-alive connection ([`Loopback::serve_requests`],
//! [`keep_alive`]), read by [`super::http1::read_request`]. [`respond`] writes a whole answer,
//! and [`closed_port_url`] is a loopback URL where nothing listens.
//!
//! The integration tests, the CLI's tests, the library's replay server
//! (`tests/unit/credentials/replay.rs`) and `benches/loopback.rs` compile this file in, each
//! beside its own `http1` module.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::http1::{Request, read_request_capped};

/// A server on a loopback port. Dropping it stops it: the listener is closed and every open
/// connection shut down (a handler's reads then end and its writes fail). The connections'
/// threads are not waited for: a handler that sleeps ends its sleep on its own.
#[derive(Debug)]
pub struct Loopback {
    /// `http://ADDR:PORT` (`http://[::1]:PORT` for IPv6).
    pub url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// What the accept loop and the handle share.
#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    connections: AtomicUsize,
    /// The connections being served, to shut them down on drop.
    open: Mutex<HashMap<usize, TcpStream>>,
}

impl Loopback {
    /// Serves every connection on 127.0.0.1 with `serve`, on a thread of its own.
    ///
    /// # Panics
    /// If no loopback port can be bound (a test helper).
    pub fn serve_connections(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Loopback {
        Loopback::serve_connections_on(IpAddr::V4(Ipv4Addr::LOCALHOST), serve)
    }

    /// [`Loopback::serve_connections`] on another loopback address (`::1`, `127.0.0.2`).
    ///
    /// # Panics
    /// If no port can be bound on `ip`.
    pub fn serve_connections_on(ip: IpAddr, serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Loopback {
        Loopback::bind((ip, 0), serve).expect("bind a loopback port")
    }

    /// Serves the requests of every connection on 127.0.0.1, one after another ([`keep_alive`]).
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub fn serve_requests(answer: impl Fn(&Request, &mut TcpStream) -> bool + Send + Sync + 'static) -> Loopback {
        Loopback::serve_connections(move |stream| keep_alive(stream, &answer))
    }

    /// [`Loopback::serve_connections`] on `addr`, a port of its own choosing (a process that
    /// serves for a script), or an error if it cannot be bound.
    pub fn bind(addr: impl ToSocketAddrs, serve: impl Fn(TcpStream) + Send + Sync + 'static) -> io::Result<Loopback> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accept = {
            let (shared, serve) = (shared.clone(), Arc::new(serve));
            thread::Builder::new()
                .name("loopback-accept".into())
                .spawn(move || accept_loop(&listener, &shared, serve))?
        };
        Ok(Loopback { url: format!("http://{addr}"), addr, shared, accept: Some(accept) })
    }

    /// The URL, `http://ADDR:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many connections it has accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop, then unblock every connection's read.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        self.shared.shut_down_open();
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Shared {
    fn shut_down_open(&self) {
        if let Ok(open) = self.open.lock() {
            for stream in open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, serve: Arc<impl Fn(TcpStream) + Send + Sync + 'static>) {
    for (id, stream) in listener.incoming().enumerate() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        if let (Ok(clone), Ok(mut open)) = (stream.try_clone(), shared.open.lock()) {
            open.insert(id, clone);
        }
        let (worker_shared, serve) = (shared.clone(), serve.clone());
        let spawned = thread::Builder::new().name("loopback-conn".into()).spawn(move || {
            serve(stream);
            if let Ok(mut open) = worker_shared.open.lock() {
                open.remove(&id);
            }
        });
        if spawned.is_err()
            && let Ok(mut open) = shared.open.lock()
            && let Some(s) = open.remove(&id)
        {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
    // Connections that opened while stopping were not shut down by drop.
    shared.shut_down_open();
}

/// Serves the requests of one connection one after another, each handed to `answer` with the
/// stream to write to, until the client closes, sends something malformed, or `answer` returns
/// false (the connection is then shut down).
pub fn keep_alive(stream: TcpStream, answer: impl FnMut(&Request, &mut TcpStream) -> bool) {
    keep_alive_capped(stream, usize::MAX, answer);
}

/// [`keep_alive`], but a request whose body is declared longer than `max_body` bytes, or whose
/// head passes 64 KiB, ends the connection: a server that outlives one test bounds what a
/// client can make it hold.
pub fn keep_alive_capped(stream: TcpStream, max_body: usize, mut answer: impl FnMut(&Request, &mut TcpStream) -> bool) {
    let Ok(mut out) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    let most = u64::try_from(max_body).unwrap_or(u64::MAX).saturating_add(64 * 1024);
    loop {
        let Some(request) = read_request_capped(&mut (&mut reader).take(most), max_body) else { return };
        let keep = answer(&request, &mut out);
        let _ = out.flush();
        if !keep {
            let _ = out.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Writes a whole answer in one write (no wait on the client's delayed ACK between head and
/// body): the status line, `content-length`, `headers` in order, and `body`.
pub fn respond(out: &mut impl Write, status: u16, headers: &[(&str, &str)], body: &[u8]) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\ncontent-length: {}\r\n", reason(status), body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut whole = head.into_bytes();
    whole.extend_from_slice(body);
    out.write_all(&whole)
}

/// The reason phrase of `status` (clients read only the code).
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Other",
    }
}

/// A loopback URL where nothing listens: a port just bound and released, so a connection to
/// it is refused.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    format!("http://{}", listener.local_addr().expect("local address"))
}
