//! The credential chain, region and endpoint settings seen from outside: the `ec2-lite` binary
//! run with a controlled environment against loopback servers standing in for EC2, instance
//! metadata, container endpoints and proxies, and against moto for STS AssumeRole.
//! (The cross-SDK suites run in `tests/unit/credentials/suites.rs`, with a fixed clock.)

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::moto::Moto;

const BIN: &str = crate::support::cli::EXE;
const DESCRIBE: &str = "describe-iam-instance-profile-associations";
const EMPTY_PAGE: &str =
    include_str!("../../../tests/fixtures/describe_iam_instance_profile_associations.moto-empty.xml");

/// One request a test server received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// The request target: a path, or `host:port` for CONNECT.
    target: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The access key of a SigV4 `Authorization`.
    fn access_key(&self) -> Option<&str> {
        let auth = self.header("authorization")?;
        auth.split("Credential=").nth(1)?.split('/').next()
    }
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn ok(body: &str) -> Reply {
    Reply { status: 200, headers: Vec::new(), body: body.to_owned() }
}

/// A loopback HTTP/1.1 server: one request per connection, answered by `route`.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(route: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (Arc::clone(&seen), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_head(&mut stream) else { continue };
                seen2.lock().unwrap().push(request.clone());
                let reply = route(&request);
                let _ = write_reply(&mut stream, &reply);
            }
        });
        Server { url, seen, stop }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr());
    }
}

fn read_head(stream: &mut TcpStream) -> Option<Seen> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let r = crate::support::http1::read_request(&mut BufReader::new(stream))?;
    Some(Seen { method: r.method, target: r.target, headers: r.headers })
}

fn write_reply(stream: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
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
fn fake_ec2() -> Server {
    Server::start(|_| ok(EMPTY_PAGE))
}

/// A fake instance metadata service with one role, in region `eu-north-1`.
fn fake_imds() -> Server {
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
struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Home {
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

    fn write(&self, rel: &str, text: &str) -> PathBuf {
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
fn run(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Output {
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

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
}

#[test]
fn the_profile_option_beats_environment_keys_and_aws_profile_does_not() {
    let ec2 = fake_ec2();
    let home = Home::new("profile-option");
    home.write(
        ".aws/credentials",
        "[dev]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret-value\n",
    );
    home.write(".aws/config", "[profile dev]\nregion = eu-west-3\n");
    let env = [("AWS_ACCESS_KEY_ID", "AKIDFROMENV"), ("AWS_SECRET_ACCESS_KEY", "env-secret-value")];
    let args = ["--profile", "dev", "--endpoint-url", &ec2.url, DESCRIBE];
    assert_exit(&run(&home, &args, &env), 0);
    let with_aws_profile: Vec<_> = env.iter().copied().chain([("AWS_PROFILE", "dev")]).collect();
    assert_exit(&run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &with_aws_profile), 0);
    let seen = ec2.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].access_key(), Some("AKIDFROMPROFILE"));
    // The profile's region signs the call.
    assert!(seen[0].header("authorization").unwrap().contains("/eu-west-3/ec2/aws4_request"), "{seen:?}");
    // As in both SDKs, AWS_PROFILE selects the profile but the environment's keys come first.
    assert_eq!(seen[1].access_key(), Some("AKIDFROMENV"));
}

#[test]
fn instance_metadata_gives_credentials_and_region() {
    let (ec2, imds) = (fake_ec2(), fake_imds());
    let home = Home::new("imds");
    let out = run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)]);
    assert_exit(&out, 0);
    let call = &ec2.seen()[0];
    assert_eq!(call.access_key(), Some("ASIAIMDSKEY"));
    assert_eq!(call.header("x-amz-security-token"), Some("imds-session-token"));
    assert!(call.header("authorization").unwrap().contains("/eu-north-1/ec2/"), "{call:?}");
    let paths: Vec<String> = imds.seen().iter().map(|s| format!("{} {}", s.method, s.target)).collect();
    assert_eq!(
        paths,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/placement/region",
            "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/web-role",
        ],
        "one token, reused"
    );
    assert_eq!(imds.seen()[0].header("x-aws-ec2-metadata-token-ttl-seconds"), Some("21600"));
}

#[test]
fn container_credentials_with_a_token_file() {
    let ec2 = fake_ec2();
    let container = Server::start(|r| match r.header("authorization") {
        Some("pod-token") => ok(
            r#"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret-value","Token":"container-token","Expiration":"2199-01-01T00:00:00Z"}"#,
        ),
        _ => Reply { status: 401, headers: Vec::new(), body: r#"{"code":"Unauthorized","message":"no"}"#.into() },
    });
    let home = Home::new("container");
    let token = home.write("token", "pod-token\n");
    let full_uri = format!("{}/v1/credentials", container.url);
    let env = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-token"),
    ];
    assert_exit(&run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &env), 0);
    assert_eq!(ec2.seen()[0].access_key(), Some("ASIACONTAINER"));
    assert_eq!(container.seen()[0].header("accept"), Some("application/json"));
    // A full URI on another host over plain http is refused before any request.
    let env = [("AWS_REGION", "us-east-1"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds")];
    let out = run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &env);
    assert_exit(&out, 253);
    assert!(stderr(&out).contains("container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI"), "{}", stderr(&out));
}

#[test]
fn configuration_failures_exit_253_saying_what_to_fix() {
    let ec2 = fake_ec2();
    let home = Home::new("failures");
    let config = home.write(".aws/config", "[default]\nregion = us-east-1\n[profile broken\n");
    let config = config.display().to_string();
    /// Arguments, environment, what stderr must say.
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, Vec<String>);
    let cases: Vec<Case<'_>> = vec![
        (vec![DESCRIBE], vec![], vec![format!("{config}, line 3")]),
        // v2's words for these two; where the library looked, under --debug.
        (
            vec!["--debug", "--region", "us-east-1", "--endpoint-url", &ec2.url, DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_EC2_METADATA_DISABLED", "true")],
            vec![
                "no credentials found; tried the environment (AWS_ACCESS_KEY_ID is not set)".into(),
                "AWS_EC2_METADATA_DISABLED is true".into(),
            ],
        ),
        (
            vec!["--region", "us-east-1", DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254")],
            vec!["AWS_EC2_METADATA_SERVICE_ENDPOINT: invalid endpoint url".into()],
        ),
        (
            vec!["--debug", DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_EC2_METADATA_DISABLED", "true")],
            vec![
                "You must specify a region. You can also configure your region by running \"aws configure\".".into(),
                "no region: set one with ClientBuilder::region, AWS_REGION or AWS_DEFAULT_REGION, or add `region` to \
                 profile `default`"
                    .into(),
            ],
        ),
        (
            vec!["--region", "us-east-1", DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_ACCESS_KEY_ID", "AKID")],
            vec!["AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".into()],
        ),
    ];
    // An unknown profile is botocore's ProfileNotFound: 255 in v2.
    let out = run(
        &home,
        &["--profile", "nope", "--region", "us-east-1", DESCRIBE],
        &[("AWS_CONFIG_FILE", "/nonexistent/config")],
    );
    assert_exit(&out, 255);
    assert!(stderr(&out).contains("The config profile (nope) could not be found"), "{}", stderr(&out));
    for (args, env, wants) in cases {
        let out = run(&home, &args, &env);
        assert_exit(&out, 253);
        for want in wants {
            assert!(stderr(&out).contains(&want), "{args:?} {env:?}: {}", stderr(&out));
        }
    }
}

#[test]
fn a_failing_credential_process_names_its_program_not_its_arguments() {
    let home = Home::new("process");
    home.write(
        ".aws/config",
        "[default]\nregion = us-east-1\ncredential_process = sh -c 'echo denied >&2; exit 3' --password hunter2-secret\n",
    );
    let out = run(&home, &["--endpoint-url", "http://127.0.0.1:9", DESCRIBE], &[]);
    assert_exit(&out, 253);
    let err = stderr(&out);
    assert!(err.contains("profile `default`: credential_process `sh` exited with code 3: denied"), "{err}");
    assert!(!err.contains("hunter2-secret"), "{err}");
}

#[test]
fn no_instance_metadata_fails_fast() {
    let home = Home::new("fast");
    let started = Instant::now();
    let out = run(&home, &["--debug", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9", DESCRIBE], &[]);
    assert_exit(&out, 253);
    assert!(
        stderr(&out).contains("instance metadata (no instance metadata service at http://127.0.0.1:9"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let (ec2, imds) = (fake_ec2(), fake_imds());
    let home = Home::new("debug");
    let out = run(
        &home,
        &["--debug", "--endpoint-url", &ec2.url, DESCRIBE],
        &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)],
    );
    assert_exit(&out, 0);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("ASIAIMDSKEY"), "{all}");
    for secret in ["imds-secret-value", "imds-session-token", "imds-token"] {
        assert!(!all.contains(secret), "{secret} in\n{all}");
    }
}

/// An HTTP CONNECT proxy that records what it is asked to reach, and refuses.
fn refusing_proxy() -> Server {
    Server::start(|_| Reply { status: 403, headers: Vec::new(), body: String::new() })
}

#[test]
fn https_proxy_is_used_for_ec2_but_not_for_no_proxy_hosts_or_instance_metadata() {
    let (proxy, imds) = (refusing_proxy(), fake_imds());
    let home = Home::new("proxy");
    let env = [
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("HTTP_PROXY", proxy.url.as_str()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url),
    ];
    let out = run(&home, &["--region", "us-east-1", DESCRIBE], &env);
    assert_ne!(out.status.code(), Some(0));
    // The refusal is retried as any connection failure is; every attempt asks the proxy.
    let seen = proxy.seen();
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!((s.method.as_str(), s.target.as_str()), ("CONNECT", "ec2.us-east-1.amazonaws.com:443"));
    }
    assert!(!imds.seen().is_empty(), "instance metadata was asked directly");

    let env = [
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("NO_PROXY", ".invalid"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url),
    ];
    let out = run(&home, &["--region", "us-east-1", "--endpoint-url", "https://ec2.example.invalid", DESCRIBE], &env);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(proxy.seen().len(), seen.len(), "a NO_PROXY host went through the proxy");

    // The credential sources choose their proxy per request too: STS goes through it.
    home.write(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
    home.write(".aws/config", "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n");
    let env = [("HTTPS_PROXY", proxy.url.as_str()), ("AWS_REGION", "eu-west-1")];
    let out = run(&home, &["--profile", "r", "--endpoint-url", "http://127.0.0.1:9", DESCRIBE], &env);
    // STS could not be reached: a general error, as the AWS CLI's, not a configuration one.
    assert_exit(&out, 255);
    let sts: Vec<String> = proxy.seen()[seen.len()..].iter().map(|s| format!("{} {}", s.method, s.target)).collect();
    assert!(!sts.is_empty() && sts.iter().all(|s| s == "CONNECT sts.eu-west-1.amazonaws.com:443"), "{sts:?}");
    assert!(stderr(&out).contains("profile `r`: assuming role arn:aws:iam::123456789012:role/r"), "{}", stderr(&out));
}

/// A TLS server for `localhost` with the test CA's certificate, answering with an empty page.
fn tls_ec2() -> (String, Arc<AtomicUsize>) {
    let (port, served) = tls_server("localhost", "127.0.0.1");
    (format!("https://localhost:{port}"), served)
}

/// A TLS server on `ip` with the certificate `tests/fixtures/tls/{name}.pem` (and its key),
/// answering with an empty page: its port, and how many requests it served.
fn tls_server(name: &str, ip: &str) -> (u16, Arc<AtomicUsize>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = crate::support::python::repo_root().join("tests/fixtures/tls");
    let certs =
        CertificateDer::pem_file_iter(dir.join(format!("{name}.pem"))).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join(format!("{name}.key"))).unwrap();
    // The provider rustls's features name (ring, the only one built).
    let config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let served2 = Arc::clone(&served);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut tcp) = stream else { continue };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else { continue };
            let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
            let mut reader = BufReader::new(&mut tls);
            // A client that refused the certificate closes before sending a request.
            if crate::support::http1::read_request(&mut reader).is_none() {
                continue;
            }
            served2.fetch_add(1, Ordering::SeqCst);
            let _ = write_reply(&mut tls, &ok(EMPTY_PAGE));
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (port, served)
}

/// The CLI's TLS failures in the AWS CLI v2's words: botocore's `SSLError`
/// (`awscli/botocore/exceptions.py`: "SSL validation failed for {endpoint_url} {error}"),
/// raised in `awscli/botocore/httpsession.py` (`send`) from urllib3's, with OpenSSL's reason
/// as Python's `ssl` module words it; a general error, exit 255 (`awscli/errorhandler.py`,
/// `GeneralExceptionHandler`).
#[test]
fn tls_failures_say_ssl_validation_failed_and_why() {
    let home = Home::new("tls-errors");
    let fixtures = crate::support::python::repo_root().join("tests/fixtures/tls");
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let failed = |url: &str, env: &[(&str, &str)], error: &str| {
        let out = run(&home, &["--endpoint-url", url, DESCRIBE], env);
        assert_exit(&out, 255);
        let want = format!("SSL validation failed for {url}/ {error}");
        assert!(stderr(&out).contains(&want), "want {want:?} in {:?}", stderr(&out));
        assert!(!stderr(&out).contains("i/o error"), "{}", stderr(&out));
    };
    let verify_failed =
        |why: &str| format!("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {why} (_ssl.c:1006)");

    // The test CA is not among the bundled roots.
    let (url, served) = tls_ec2();
    failed(&url, &keys, &verify_failed("unable to get local issuer certificate"));

    // The test CA is not in the bundle either: the bundle's verifier finds no anchor.
    let (url, bundle_served) = tls_ec2();
    let expired_ca = fixtures.join("expired-ca.pem");
    let with_other_ca = [keys[0], keys[1], keys[2], ("AWS_CA_BUNDLE", expired_ca.to_str().unwrap())];
    failed(&url, &with_other_ca, &verify_failed("unable to get local issuer certificate"));

    // An expired certificate, its CA trusted.
    let (port, expired_served) = tls_server("expired", "127.0.0.1");
    failed(&format!("https://localhost:{port}"), &with_other_ca, &verify_failed("certificate has expired"));

    // A certificate for localhost and 127.0.0.1, served on 127.0.0.2.
    let (port, other_served) = tls_server("localhost", "127.0.0.2");
    let ca = fixtures.join("ca.pem");
    let with_ca = [keys[0], keys[1], keys[2], ("AWS_CA_BUNDLE", ca.to_str().unwrap())];
    let why = "IP address mismatch, certificate is not valid for '127.0.0.2'.";
    failed(&format!("https://127.0.0.2:{port}"), &with_ca, &verify_failed(why));

    // A server that speaks no TLS version of the client's: it answers the hello with a
    // protocol_version alert, as one limited to TLS 1.0 does.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut tcp) = stream else { continue };
            let mut hello = [0u8; 512];
            let _ = std::io::Read::read(&mut tcp, &mut hello);
            let _ = tcp.write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]);
        }
    });
    failed(
        &format!("https://localhost:{port}"),
        &keys,
        "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1006)",
    );
    for served in [served, bundle_served, expired_served, other_served] {
        assert_eq!(served.load(Ordering::SeqCst), 0);
    }
}

/// An `AWS_CA_BUNDLE`, `ca_bundle` or `--ca-bundle` set but blank is refused before any
/// request, plain HTTP included, with exit 255: botocore's `InvalidConfigError` from
/// `_validate_verify_value` (`awscli/botocore/endpoint.py`), which `awscli/errorhandler.py`
/// leaves to its general handler.
#[test]
fn a_blank_ca_bundle_is_refused_as_the_aws_cli_refuses_it() {
    let ec2 = fake_ec2();
    let home = Home::new("blank-ca");
    let want = "Invalid CA bundle: the configured value (ca_bundle, AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, or verify) \
                resolved to an empty or whitespace-only string. Provide a valid path to a CA bundle file.";
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let refused = |args: &[&str], env: &[(&str, &str)]| {
        let out = run(&home, args, env);
        assert_exit(&out, 255);
        assert!(stderr(&out).contains(want), "{}", stderr(&out));
    };
    let args = ["--endpoint-url", ec2.url.as_str(), DESCRIBE];
    for blank in ["", "  "] {
        refused(&args, &[keys[0], keys[1], keys[2], ("AWS_CA_BUNDLE", blank)]);
    }
    home.write(".aws/config", "[default]\nca_bundle =\n");
    refused(&args, &keys);
    // `--ca-bundle ''` is the same `verify` value to botocore.
    home.write(".aws/config", "");
    refused(&["--ca-bundle", "", "--endpoint-url", &ec2.url, DESCRIBE], &keys);
    assert_eq!(ec2.seen().len(), 0);
}

#[test]
fn aws_ca_bundle_and_profile_ca_bundle_are_trusted() {
    let (url, served) = tls_ec2();
    let home = Home::new("ca");
    let ca = crate::support::python::repo_root().join("tests/fixtures/tls/ca.pem");
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let args = ["--endpoint-url", url.as_str(), DESCRIBE];

    // The test CA is not among the bundled roots: the handshake fails.
    assert_exit(&run(&home, &args, &keys), 255);
    assert_eq!(served.load(Ordering::SeqCst), 0);

    let with_env: Vec<_> = keys.iter().copied().chain([("AWS_CA_BUNDLE", ca.to_str().unwrap())]).collect();
    assert_exit(&run(&home, &args, &with_env), 0);

    home.write(".aws/config", &format!("[default]\nca_bundle = {}\n", ca.display()));
    assert_exit(&run(&home, &args, &keys), 0);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

/// The CA bundle is read by the first HTTPS connection, not before: a plain-HTTP call works
/// with a bundle that is no bundle at all, and an HTTPS call fails on it, naming the setting.
#[test]
fn the_ca_bundle_is_read_only_when_https_needs_it() {
    let ec2 = fake_ec2();
    let (tls_url, served) = tls_ec2();
    let home = Home::new("lazy-ca");
    let not_a_bundle = home.write("not-a-bundle.txt", "this file holds no certificate\n");
    let not_a_bundle = not_a_bundle.to_str().unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "secret-value"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_CA_BUNDLE", not_a_bundle),
    ];

    let out = run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &env);
    assert_exit(&out, 0);
    assert_eq!(ec2.seen().len(), 1);

    let out = run(&home, &["--endpoint-url", &tls_url, DESCRIBE], &env);
    assert_exit(&out, 253);
    let want = format!("AWS_CA_BUNDLE: the CA bundle {not_a_bundle} holds no PEM certificates");
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
    assert_eq!(served.load(Ordering::SeqCst), 0);

    // The same from the profile's `ca_bundle`, and for a file that cannot be read.
    home.write(".aws/config", "[default]\nca_bundle = /nonexistent/ca.pem\n");
    let keys = &env[..3];
    assert_exit(&run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], keys), 0);
    let out = run(&home, &["--endpoint-url", &tls_url, DESCRIBE], keys);
    assert_exit(&out, 253);
    let want = "Ca_bundle of profile `default`: could not read the CA bundle /nonexistent/ca.pem";
    assert!(stderr(&out).contains(want), "{}", stderr(&out));
    assert_eq!(served.load(Ordering::SeqCst), 0);

    // The CA among other certificates is found; a bundle without it trusts nothing here.
    let tls = crate::support::python::repo_root().join("tests/fixtures/tls");
    let leaf = std::fs::read_to_string(tls.join("localhost.pem")).unwrap();
    let ca = std::fs::read_to_string(tls.join("ca.pem")).unwrap();
    let mixed = home.write("mixed.pem", &format!("{leaf}{ca}"));
    let leaf_only = home.write("leaf.pem", &leaf);
    let (mixed, leaf_only) = (mixed.to_str().unwrap(), leaf_only.to_str().unwrap());
    let with_mixed = [env[0], env[1], env[2], ("AWS_CA_BUNDLE", mixed)];
    assert_exit(&run(&home, &["--endpoint-url", &tls_url, DESCRIBE], &with_mixed), 0);
    assert_eq!(served.load(Ordering::SeqCst), 1);
    let with_leaf = [env[0], env[1], env[2], ("AWS_CA_BUNDLE", leaf_only)];
    assert_exit(&run(&home, &["--endpoint-url", &tls_url, DESCRIBE], &with_leaf), 255);
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
#[ignore = "needs scripts/venv"]
fn moto_assume_role_from_a_profile_then_ec2_with_the_session() {
    let moto = Moto::shared();
    let seeded = moto.seed_association();
    let home = Home::new("moto");
    home.write(
        ".aws/credentials",
        &format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            moto.access_key_id, moto.secret_access_key
        ),
    );
    home.write(
        ".aws/config",
        &format!("[profile ec2-role]\nrole_arn = {}\nsource_profile = base\nrole_session_name = ec2-lite-test\nregion = {}\n", moto.role_arn, moto.region),
    );
    let args = ["--profile", "ec2-role", "--debug", DESCRIBE, "--association-ids", &seeded.association_id];
    let env = [
        ("AWS_ENDPOINT_URL_STS", moto.endpoint.as_str()),
        ("AWS_ENDPOINT_URL_EC2", moto.endpoint.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let out = run(&home, &args, &env);
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&seeded.association_id) && stdout.contains(&seeded.instance_id), "{stdout}");
    // The EC2 call was signed with the session from STS, not with the user's key.
    let err = stderr(&out);
    let credential = err.lines().find(|l| l.contains("authorization:")).unwrap_or_default();
    assert!(credential.contains("Credential=ASIA") && !credential.contains(&moto.access_key_id), "{err}");
    assert!(err.contains("x-amz-security-token: ** redacted **"), "{err}");
    assert!(!err.contains(&moto.secret_access_key), "{err}");
}

/// The CLI's `--ca-bundle` trusts a bundle for EC2; `--no-verify-ssl` trusts
/// anything, with urllib3's warning as the AWS CLI prints it.
#[test]
fn cli_ca_bundle_and_no_verify_ssl() {
    let (url, served) = tls_ec2();
    let home = Home::new("cli-tls");
    let ca = crate::support::python::repo_root().join("tests/fixtures/tls/ca.pem");
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let out = run(&home, &["--endpoint-url", url.as_str(), DESCRIBE, "--ca-bundle", ca.to_str().unwrap()], &keys);
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let out = run(&home, &["--no-verify-ssl", "--endpoint-url", url.as_str(), DESCRIBE], &keys);
    assert_exit(&out, 0);
    assert_eq!(
        stderr(&out),
        "urllib3/connectionpool.py:1129: InsecureRequestWarning: Unverified HTTPS request is being made to host \
         'localhost'. Adding certificate verification is strongly advised. See: \
         https://urllib3.readthedocs.io/en/latest/advanced-usage.html#tls-warnings\n  warnings.warn(\n"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
    // A bundle that cannot be read is a configuration error naming it.
    let out = run(&home, &["--ca-bundle", "/no/such.pem", "--endpoint-url", url.as_str(), DESCRIBE], &keys);
    assert_exit(&out, 253);
    assert!(stderr(&out).contains("/no/such.pem"), "{}", stderr(&out));
}
