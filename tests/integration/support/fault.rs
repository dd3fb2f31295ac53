//! A scripted loopback HTTP server that misbehaves on purpose: error statuses,
//! connections reset before or during the body, stalls, truncated and huge
//! bodies. Each request it receives is recorded, so a test can assert how many
//! attempts the client made and what they carried.

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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
    stop: Arc<AtomicBool>,
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
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        listener.set_nonblocking(true).expect("nonblocking listener");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let choose = Arc::new(choose);
        let counter = Arc::new(AtomicUsize::new(0));
        {
            let (requests, stop, counter) = (requests.clone(), stop.clone(), counter.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (requests, stop, choose, counter) =
                                (requests.clone(), stop.clone(), choose.clone(), counter.clone());
                            thread::spawn(move || serve(stream, &requests, &stop, &*choose, &counter));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(2)),
                    }
                }
            });
        }
        FaultServer { url, requests, count: counter, stop }
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
    let Ok(write_half) = stream.try_clone() else { return };
    let mut out = write_half;
    let mut reader = BufReader::new(stream);
    // Keep-alive: several requests may come on one connection.
    while !stop.load(Ordering::Relaxed) {
        let Some(req) = read_request(&mut reader) else { return };
        if let Ok(mut r) = requests.lock()
            && r.len() < KEEP
        {
            r.push(req);
        }
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let keep = match choose(n) {
            Reply::Respond { status, headers, body } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\ncontent-length: {}\r\n", reason(status), body.len());
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let mut whole = head.into_bytes();
                whole.extend_from_slice(&body);
                out.write_all(&whole).is_ok()
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
        };
        let _ = out.flush();
        if !keep {
            let _ = out.shutdown(Shutdown::Both);
            return;
        }
    }
}

fn sleep_unless_stopped(hold: Duration, stop: &AtomicBool) {
    let end = Instant::now() + hold;
    while Instant::now() < end && !stop.load(Ordering::Relaxed) {
        thread::sleep(Duration::from_millis(10));
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let r = super::http1::read_request(reader)?;
    Some(Recorded { method: r.method, path: r.target, headers: r.headers, body: r.body, at: Instant::now() })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Other",
    }
}
