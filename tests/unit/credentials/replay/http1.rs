//! Reading one HTTP/1.1 request off a connection, for the loopback servers the
//! tests run (fault injection, replayed credential traffic, proxies, TLS).
//! Test-only: the library's replay server uses it, and the integration tests
//! include this file (`tests/integration/support/mod.rs`).

use std::io::BufRead;

/// One request: its line, its headers (names lowercased) and its body.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target: a path, a full URL (to a proxy), or `host:port`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the next request; `None` at the end of the connection or on a
/// malformed one. The body is as long as `content-length` says.
pub fn read_request<R: BufRead>(reader: &mut R) -> Option<Request> {
    read_request_capped(reader, usize::MAX)
}

/// [`read_request`], and `None` for a body declared longer than `max_body` bytes, before
/// anything is allocated for it: a server that outlives one test bounds what a client can make
/// it hold.
pub fn read_request_capped<R: BufRead>(reader: &mut R, max_body: usize) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    if length > max_body {
        return None;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, target, headers, body })
}
