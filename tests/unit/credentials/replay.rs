//! A loopback HTTP server that answers with the responses of a recorded `http-traffic.json`
//! (the cross-SDK suites' format) and keeps what it was sent, for comparison.
//! <https://github.com/smithy-lang/smithy-rs/tree/main/aws/rust-runtime/aws-config/test-data>

#[allow(dead_code, unreachable_pub)]
#[path = "replay/http1.rs"]
mod http1;
#[allow(dead_code, unreachable_pub)]
#[path = "../../integration/support/loopback.rs"]
mod loopback;

use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use loopback::{Loopback, keep_alive, respond};

use serde_json::Value;

use crate::http::Url;
use crate::http::{Request, Response, Transport};

/// A recorded request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) uri: String,
    /// Names lowercase; one entry per value.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A recorded response.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

/// One request and its response, from one connection of the recording.
#[derive(Debug, Clone, Default)]
pub(crate) struct Exchange {
    pub(crate) request: Recorded,
    pub(crate) response: Answer,
}

fn headers_of(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(map) = v.as_object() {
        for (name, values) in map {
            for value in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
                out.push((name.to_ascii_lowercase(), value.to_owned()));
            }
        }
    }
    out
}

fn data_of(v: &Value) -> Vec<u8> {
    match (v.get("Utf8").and_then(Value::as_str), v.get("Base64")) {
        (Some(s), _) => s.as_bytes().to_vec(),
        _ => Vec::new(),
    }
}

/// The exchanges of a recording, in connection order.
pub(crate) fn exchanges(traffic: &Value) -> Result<Vec<Exchange>, String> {
    let events = traffic.get("events").and_then(Value::as_array).ok_or("no events")?;
    let mut by_connection: Vec<(u64, Exchange)> = Vec::new();
    for event in events {
        let id = event.get("connection_id").and_then(Value::as_u64).ok_or("event without connection_id")?;
        let position = match by_connection.iter().position(|(c, _)| *c == id) {
            Some(p) => p,
            None => {
                by_connection.push((id, Exchange::default()));
                by_connection.len() - 1
            }
        };
        let exchange = &mut by_connection[position].1;
        let action = event.get("action").ok_or("event without action")?;
        if let Some(r) = action.get("Request").and_then(|r| r.get("request")) {
            exchange.request.method = r.get("method").and_then(Value::as_str).unwrap_or_default().to_owned();
            exchange.request.uri = r.get("uri").and_then(Value::as_str).unwrap_or_default().to_owned();
            exchange.request.headers = headers_of(r.get("headers").unwrap_or(&Value::Null));
        } else if let Some(r) = action.get("Response").and_then(|r| r.get("response")) {
            let ok = r.get("Ok").ok_or("a recorded response that is an error")?;
            exchange.response.status = ok.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
            exchange.response.headers = headers_of(ok.get("headers").unwrap_or(&Value::Null));
        } else if let Some(d) = action.get("Data") {
            let bytes = data_of(d.get("data").unwrap_or(&Value::Null));
            match d.get("direction").and_then(Value::as_str) {
                Some("Request") => exchange.request.body.push_str(&String::from_utf8_lossy(&bytes)),
                _ => exchange.response.body.extend_from_slice(&bytes),
            }
        }
    }
    by_connection.sort_by_key(|(c, _)| *c);
    Ok(by_connection.into_iter().map(|(_, e)| e).collect())
}

/// Serves `answers` in order on 127.0.0.1, one request a connection. A request past the end
/// gets a 599 (or, with `repeat_last`, the last answer again).
pub(crate) struct ReplayServer {
    pub(crate) base: String,
    received: Arc<Mutex<Vec<Recorded>>>,
    _server: Loopback,
}

impl ReplayServer {
    pub(crate) fn start(answers: Vec<Answer>, repeat_last: bool) -> ReplayServer {
        let received = Arc::new(Mutex::new(Vec::new()));
        let next = AtomicUsize::new(0);
        let server = {
            let received = Arc::clone(&received);
            Loopback::serve_connections(move |stream| {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                keep_alive(stream, |request, out| {
                    received.lock().unwrap_or_else(PoisonError::into_inner).push(recorded(request));
                    let answer = match answers.get(next.fetch_add(1, Ordering::SeqCst)) {
                        Some(a) => a.clone(),
                        None => match answers.last().filter(|_| repeat_last) {
                            Some(last) => last.clone(),
                            None => Answer { status: 599, headers: Vec::new(), body: b"no recorded response".to_vec() },
                        },
                    };
                    let _ = write_answer(out, &answer);
                    false
                });
            })
        };
        ReplayServer { base: server.url.clone(), received, _server: server }
    }

    /// The requests received so far; `uri` is the URL the client meant (`x-replay-url`).
    pub(crate) fn received(&self) -> Vec<Recorded> {
        self.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn recorded(r: &http1::Request) -> Recorded {
    let uri = r.header("x-replay-url").unwrap_or(&r.target).to_owned();
    Recorded {
        method: r.method.clone(),
        uri,
        headers: r.headers.clone(),
        body: String::from_utf8_lossy(&r.body).into_owned(),
    }
}

fn write_answer(stream: &mut TcpStream, answer: &Answer) -> std::io::Result<()> {
    let mut headers: Vec<(&str, &str)> = answer
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "content-length" | "connection" | "transfer-encoding"))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    headers.push(("connection", "close"));
    respond(stream, answer.status, &headers, &answer.body)
}

/// A transport that sends every request to a loopback server instead, the original URL in
/// `x-replay-url`, so that the URLs the crate computes (`https://sts-fips.us-east-1.api.aws/`)
/// are compared whole rather than overridden by configuration.
#[derive(Debug)]
pub(crate) struct Redirect {
    inner: Arc<dyn Transport>,
    base: String,
}

impl Redirect {
    /// `ctx`'s transport, redirected to `base` (`http://127.0.0.1:port`).
    pub(crate) fn install(ctx: &mut super::Context, base: &str) {
        ctx.http = Arc::new(Redirect { inner: Arc::clone(&ctx.http), base: base.to_owned() });
    }
}

impl Transport for Redirect {
    fn send(&self, request: &Request<'_>) -> Result<Response, crate::Error> {
        let path = Url::parse(request.url).map(|u| u.path_and_query()).unwrap_or_else(|_| "/".to_owned());
        let url = format!("{}{path}", self.base);
        let mut redirected = Request { url: &url, ..request.clone() };
        redirected.headers.push(("x-replay-url", request.url.into()));
        self.inner.send(&redirected)
    }
}

/// A context that sends everything to `server`, reads files under `root` (or nowhere), does
/// not sleep, and tells the time from `clock`.
pub(crate) fn context(
    env: &[(&str, &str)],
    server: &ReplayServer,
    root: Option<&std::path::Path>,
    clock: crate::timestamp::Clock,
) -> super::Context {
    let setup = super::Setup {
        env: crate::env::Env::from_pairs(env.iter().copied()),
        fs: root.map_or_else(|| crate::env::Fs::rooted("/nonexistent"), crate::env::Fs::rooted),
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(5),
        ..super::Setup::from_process()
    };
    let mut ctx = super::Context::load(setup).expect("a test context");
    Redirect::install(&mut ctx, &server.base);
    ctx.clock = clock;
    ctx.sleep = Arc::new(|_| {});
    ctx
}

/// An answer with a body and headers.
pub(crate) fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
    Answer {
        status,
        headers: headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
        body: body.as_bytes().to_vec(),
    }
}
