//! A scripted loopback HTTP server that misbehaves on purpose: error statuses,
//! connections reset before or during the body, stalls, truncated and huge
//! bodies. Each request it receives is recorded, so a test can assert how many
//! attempts the client made and what they carried.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::loopback::{Loopback, keep_alive, reason, respond};

/// What to do with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response.
    Respond { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Read the request, then close the connection without answering.
    Reset,
    /// Send the status line and headers announcing `declared` bytes, then
    /// `partial` bytes of body, then close.
    ResetDuringBody { status: u16, declared: usize, partial: Vec<u8> },
    /// Send headers and `partial` body, then say nothing more until the
    /// client gives up (bounded: the connection is dropped after `hold`).
    StallDuringBody { partial: Vec<u8>, hold: Duration },
    /// Never answer (bounded by `hold`).
    Stall { hold: Duration },
    /// A 200 whose body is `size` bytes, streamed.
    Huge { size: usize },
}

impl Reply {
    /// A response with a body and the given headers.
    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Respond { status, headers: Vec::new(), body: body.as_bytes().to_vec() }
    }

    /// The same reply with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// An EC2 error document.
    pub fn ec2_error(status: u16, code: &str, message: &str) -> Reply {
        Reply::status(
            status,
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>req-{code}</RequestID></Response>"
            ),
        )
    }

    /// A successful DisassociateIamInstanceProfile answer.
    pub fn disassociated() -> Reply {
        Reply::status(200, DISASSOCIATE_OK)
    }
}

/// A valid DisassociateIamInstanceProfile response body.
pub const DISASSOCIATE_OK: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DisassociateIamInstanceProfileResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-ok</requestId><iamInstanceProfileAssociation><associationId>iip-assoc-0123456789abcdef0</associationId><instanceId>i-0123456789abcdef0</instanceId><iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/p</arn><id>AIPAEXAMPLE</id></iamInstanceProfile><state>disassociating</state></iamInstanceProfileAssociation></DisassociateIamInstanceProfileResponse>";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The server. Replies are taken from the script in order; once it is used
/// up, `fallback` answers every further request. Dropping it stops it.
pub struct FaultServer {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    count: Arc<AtomicUsize>,
    /// Ends the stalls early when the server is dropped.
    stop: Arc<AtomicBool>,
    _server: Loopback,
}

/// Requests kept for inspection; beyond this only the count grows, so a load
/// test measures the client's memory, not the server's log.
const KEEP: usize = 1000;

impl FaultServer {
    /// Serves `script`, then `fallback` for ever.
    pub fn start(script: Vec<Reply>, fallback: Reply) -> FaultServer {
        Self::start_with(move |n| script.get(n).cloned().unwrap_or_else(|| fallback.clone()))
    }

    /// Serves the reply `choose(n)` to the n-th request (from 0), which lets a
    /// test decide by count (every tenth request throttled, say).
    pub fn start_with(choose: impl Fn(usize) -> Reply + Send + Sync + 'static) -> FaultServer {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let server = {
            let (requests, stop, count) = (requests.clone(), stop.clone(), count.clone());
            Loopback::serve_connections(move |stream| serve(stream, &requests, &stop, &choose, &count))
        };
        FaultServer { url: server.url.clone(), requests, count, stop, _server: server }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many requests were received.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(
    stream: TcpStream,
    requests: &Mutex<Vec<Recorded>>,
    stop: &AtomicBool,
    choose: &(dyn Fn(usize) -> Reply + Send + Sync),
    counter: &AtomicUsize,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    // Small writes must not wait for the client's delayed ACK (Nagle).
    let _ = stream.set_nodelay(true);
    // Keep-alive: several requests may come on one connection.
    keep_alive(stream, |req, out| {
        if let Ok(mut r) = requests.lock()
            && r.len() < KEEP
        {
            r.push(Recorded {
                method: req.method.clone(),
                path: req.target.clone(),
                headers: req.headers.clone(),
                body: req.body.clone(),
                at: Instant::now(),
            });
        }
        let n = counter.fetch_add(1, Ordering::SeqCst);
        match choose(n) {
            Reply::Respond { status, headers, body } => {
                let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                respond(out, status, &headers, &body).is_ok()
            }
            Reply::Reset => false,
            Reply::ResetDuringBody { status, declared, partial } => {
                let head = format!("HTTP/1.1 {status} {}\r\ncontent-length: {declared}\r\n\r\n", reason(status));
                let _ = out.write_all(head.as_bytes()).and_then(|()| out.write_all(&partial));
                false
            }
            Reply::StallDuringBody { partial, hold } => {
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", partial.len() + 1_000_000);
                let _ = out.write_all(head.as_bytes()).and_then(|()| out.write_all(&partial));
                let _ = out.flush();
                sleep_unless_stopped(hold, stop);
                false
            }
            Reply::Stall { hold } => {
                sleep_unless_stopped(hold, stop);
                false
            }
            Reply::Huge { size } => {
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n");
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                let mut ok = out.write_all(head.as_bytes()).is_ok();
                while ok && sent < size {
                    let n = chunk.len().min(size - sent);
                    ok = out.write_all(&chunk[..n]).is_ok();
                    sent += n;
                }
                false
            }
        }
    });
}

fn sleep_unless_stopped(hold: Duration, stop: &AtomicBool) {
    let end = Instant::now() + hold;
    while Instant::now() < end && !stop.load(Ordering::Relaxed) {
        thread::sleep(Duration::from_millis(10));
    }
}
