//! The CLI with no EC2: a loopback listener (the shared `loopback` server) that counts the connections it receives (a
//! tripwire, for "refused before any request": it must see none) or answers each request
//! with a canned body and keeps what it received, and `ec2-lite` run against it with
//! credentials and a region.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::cli::{USAGE, assert_exit, run, stderr, stdout};
use super::loopback::Loopback as Server;

pub const AKID: &str = "AKIDOFFLINEEXAMPLE01";
pub const SECRET: &str = "offline/Secret+Key/ShouldNeverBePrinted0";
pub const TOKEN: &str = "offline-session-token-ShouldNeverBePrinted";
pub const ASSOC: &str = "iip-assoc-0123456789abcdef0";
pub const INSTANCE: &str = "i-0123456789abcdef0";

/// A loopback listener that counts connections. With a canned body it answers
/// every request with it (HTTP 200) and keeps what it received; without one it
/// closes each connection at once. It stops when dropped.
pub struct Loopback {
    pub endpoint: String,
    server: Server,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Loopback {
    pub fn tripwire() -> Loopback {
        Loopback::start(None)
    }

    pub fn answering(body: &'static str) -> Loopback {
        Loopback::start(Some(body))
    }

    pub fn start(body: Option<&'static str>) -> Loopback {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let server = Server::serve_connections(move |stream| {
            if let Some(body) = body {
                answer(stream, body, &seen);
            }
        });
        Loopback { endpoint: server.url.clone(), server, requests }
    }

    pub fn connections(&self) -> usize {
        self.server.connections()
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request (head and body) and answers 200 with `body`.
/// The request is recorded before the answer is written: the CLI may exit, and
/// the test read what was recorded, as soon as the answer arrives.
pub fn answer(stream: TcpStream, body: &str, seen: &Mutex<Vec<String>>) -> Option<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut request_body = vec![0; length];
    reader.read_exact(&mut request_body).ok()?;
    let mut stream = stream;
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{head}{}", String::from_utf8_lossy(&request_body)));
    stream.write_all(response.as_bytes()).ok()
}

/// What EC2 answers to a Disassociate (moto's body for it).
pub const DISASSOCIATE_RESPONSE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<DisassociateIamInstanceProfileResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><iamInstanceProfileAssociation><associationId>iip-assoc-0123456789abcdef0</associationId><instanceId>i-0123456789abcdef0</instanceId><iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/prof-a</arn><id>j8rffnqk44dc4wos2lg6</id></iamInstanceProfile><state>disassociating</state></iamInstanceProfileAssociation><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId></DisassociateIamInstanceProfileResponse>"#;

/// A home directory with nothing in it, so no config file is ever found.
/// Credentials and a region, everything a call needs but the endpoint.
pub fn configured() -> Vec<(&'static str, &'static str)> {
    vec![("AWS_ACCESS_KEY_ID", AKID), ("AWS_SECRET_ACCESS_KEY", SECRET), ("AWS_REGION", "us-east-1")]
}

/// `ec2-lite --endpoint-url ENDPOINT ARGS` with credentials and a region.
pub fn run_at(endpoint: &str, args: &[&str]) -> Output {
    let mut all = vec!["--endpoint-url", endpoint];
    all.extend_from_slice(args);
    run(&all, &configured())
}

/// A refused command line: exit 252, nothing on stdout, and the listener
/// never contacted.
#[track_caller]
pub fn assert_refused_offline(args: &[&str], stderr_has: &str) {
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, args);
    assert_exit(&out, USAGE);
    assert_eq!(stdout(&out), "", "{args:?}");
    assert!(stderr(&out).contains(stderr_has), "{args:?}: stderr lacks {stderr_has:?}:\n{}", stderr(&out));
    assert_eq!(wire.connections(), 0, "{args:?} reached the network");
}

/// A config file for one test, in the target's temporary directory.
pub fn config_file(name: &str, text: &str) -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-offline-config");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
