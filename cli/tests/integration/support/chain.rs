//! The credential chain's stand-ins: servers on the shared `loopback` server playing EC2, instance metadata,
//! container endpoints, proxies and TLS endpoints, a home directory of its own per test, and
//! the binary run with exactly the environment a test gives it.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::loopback::Loopback;

pub const BIN: &str = crate::support::cli::EXE;
pub const EMPTY_PAGE: &str =
    include_str!("../../../../tests/fixtures/describe_iam_instance_profile_associations.moto-empty.xml");

/// One request a test server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The request target: a path, or `host:port` for CONNECT.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The access key of a SigV4 `Authorization`.
    pub fn access_key(&self) -> Option<&str> {
        let auth = self.header("authorization")?;
        auth.split("Credential=").nth(1)?.split('/').next()
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

pub fn ok(body: &str) -> Reply {
    Reply { status: 200, headers: Vec::new(), body: body.to_owned() }
}

/// A loopback HTTP/1.1 server: one request per connection, answered by `route`. It stops
/// when dropped.
pub struct Server {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    server: Loopback,
}

impl Server {
    pub fn start(route: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&seen);
        let server = Loopback::serve_connections(move |mut stream| {
            let Some(request) = read_head(&mut stream) else { return };
            recorded.lock().unwrap().push(request.clone());
            let reply = route(&request);
            let _ = write_reply(&mut stream, &reply);
        });
        Server { url: server.url.clone(), seen, server }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

pub fn read_head(stream: &mut TcpStream) -> Option<Seen> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let r = crate::support::http1::read_request(&mut BufReader::new(stream))?;
    Some(Seen { method: r.method, target: r.target, headers: r.headers })
}

pub fn write_reply(stream: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} X\r\n", reply.status);
    for (n, v) in &reply.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", reply.body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(reply.body.as_bytes())?;
    stream.flush()
}

/// A fake EC2 answering every call with an empty page.
pub fn fake_ec2() -> Server {
    Server::start(|_| ok(EMPTY_PAGE))
}

/// A fake instance metadata service with one role, in region `eu-north-1`.
pub fn fake_imds() -> Server {
    Server::start(|r| match (r.method.as_str(), r.target.as_str(), r.header("x-aws-ec2-metadata-token")) {
        ("PUT", "/latest/api/token", _) => Reply {
            status: 200,
            headers: vec![("x-aws-ec2-metadata-token-ttl-seconds", "21600".into())],
            body: "imds-token".into(),
        },
        (_, _, Some(t)) if t != "imds-token" => Reply { status: 401, headers: Vec::new(), body: String::new() },
        ("GET", "/latest/meta-data/iam/security-credentials/", Some(_)) => ok("web-role"),
        ("GET", "/latest/meta-data/iam/security-credentials/web-role", Some(_)) => ok(
            r#"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDSKEY","SecretAccessKey":"imds-secret-value","Token":"imds-session-token","Expiration":"2199-01-01T00:00:00Z"}"#,
        ),
        ("GET", "/latest/meta-data/placement/region", Some(_)) => ok("eu-north-1"),
        _ => Reply { status: 404, headers: Vec::new(), body: String::new() },
    })
}

/// A directory for one test's `HOME` and files.
pub struct Home(pub PathBuf);

impl Home {
    pub fn new(name: &str) -> Home {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "chain-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        Home(dir)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `ec2-lite` with only `env` (and `PATH`, and `HOME`); instance metadata points at a
/// closed port unless `env` says otherwise.
pub fn run(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear().env("HOME", &home.0);
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
}

/// An HTTP CONNECT proxy that records what it is asked to reach, and refuses.
pub fn refusing_proxy() -> Server {
    Server::start(|_| Reply { status: 403, headers: Vec::new(), body: String::new() })
}

/// A TLS server for `localhost` with the test CA's certificate, answering with an empty page:
/// the server (it stops when dropped), its URL, and how many requests it served.
pub fn tls_ec2() -> (Loopback, String, Arc<AtomicUsize>) {
    let (server, served) = tls_server("localhost", "127.0.0.1");
    let url = format!("https://localhost:{}", server.port());
    (server, url, served)
}

/// A TLS server on `ip` with the certificate `tests/fixtures/tls/{name}.pem` (and its key),
/// answering with an empty page: the server, and how many requests it served.
pub fn tls_server(name: &str, ip: &str) -> (Loopback, Arc<AtomicUsize>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = crate::support::python::repo_root().join("tests/fixtures/tls");
    let certs =
        CertificateDer::pem_file_iter(dir.join(format!("{name}.pem"))).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join(format!("{name}.key"))).unwrap();
    // The provider rustls's features name (ring, the only one built).
    let config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).unwrap();
    let config = Arc::new(config);
    let served = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&served);
    let ip: std::net::IpAddr = ip.parse().expect("a loopback address");
    let server = Loopback::serve_connections_on(ip, move |mut tcp| {
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
        let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else { return };
        let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
        let mut reader = BufReader::new(&mut tls);
        // A client that refused the certificate closes before sending a request.
        if crate::support::http1::read_request(&mut reader).is_none() {
            return;
        }
        counted.fetch_add(1, Ordering::SeqCst);
        let _ = write_reply(&mut tls, &ok(EMPTY_PAGE));
        tls.conn.send_close_notify();
        let _ = tls.flush();
    });
    (server, served)
}
