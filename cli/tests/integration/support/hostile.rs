//! Hostile servers, files and environments: the helpers that script a loopback server (the
//! fault server, or a raw one that trickles, stalls or floods headers) or a hostile input, and
//! check that nothing raw from outside reaches the terminal and that the wall time stays
//! within the deadline.

use std::process::Output;
use std::time::{Duration, Instant};

use ec2_lite::{Client, Credentials, Error};

use super::cli;
use super::fault::{FaultServer, Reply};
use super::loopback::Loopback;

pub const ID: &str = "iip-assoc-0123456789abcdef0";

pub fn client(server: &FaultServer) -> Client {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(&server.url)
        .read_timeout(Duration::from_secs(2))
        .sleep(|_| {})
        .build()
        .expect("client")
}

/// `ec2-lite --endpoint-url URL ARGS` with credentials and a region.
pub fn cli_at(url: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut all = vec!["--endpoint-url", url];
    all.extend_from_slice(args);
    let mut env = vec![
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "SECRETEXAMPLEKEY"),
        ("AWS_REGION", "us-east-1"),
    ];
    env.extend_from_slice(extra_env);
    cli::run(&all, &env)
}

pub fn disassociate(url: &str, extra: &[&str]) -> Output {
    let mut args = vec!["disassociate-iam-instance-profile", "--association-id", ID];
    args.extend_from_slice(extra);
    cli_at(url, &args, &[])
}

/// No byte below 0x20 but newline and tab, nor 0x7f, nor a byte that is not UTF-8.
#[track_caller]
pub fn assert_terminal_safe(bytes: &[u8]) {
    assert!(std::str::from_utf8(bytes).is_ok(), "not UTF-8: {}", String::from_utf8_lossy(bytes));
    if let Some(b) = bytes.iter().find(|&&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f) {
        panic!("raw control byte {b:#04x} in: {}", String::from_utf8_lossy(bytes));
    }
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)), "raw C1 control in: {text}");
}

/// What a hostile server puts in a body: clear the screen, retitle the terminal, forge a line.
pub const HOSTILE: &[u8] = b"\x1b[2J\x1b]0;pwned\x07\rforged: ok\x7f\xff\xfe";

/// Credentials as IMDS and the container endpoints serve them, expiring at `expiration`.
pub fn credentials_json(expiration: &str) -> String {
    format!(
        r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDSEXAMPLE","SecretAccessKey":"imds-secret","Token":"imds-token","Expiration":"{expiration}"}}"#
    )
}

/// An IMDS on loopback: the token (with these headers), the role, its credentials, in turn.
pub fn imds(token_headers: Vec<(String, String)>) -> FaultServer {
    FaultServer::start_with(move |n| match n % 3 {
        0 => Reply::Respond { status: 200, headers: token_headers.clone(), body: b"imds-session-token".to_vec() },
        1 => Reply::status(200, "role"),
        _ => Reply::status(200, &credentials_json("2099-01-01T00:00:00Z")),
    })
}

/// A client whose only credential source is the chain, with this environment.
pub fn chain_client(ec2: &FaultServer, env: &[(&str, &str)]) -> Result<Client, Error> {
    let dir = std::env::temp_dir().join("ec2-lite-hardening-empty-home");
    let mut vars = vec![
        ("HOME", dir.to_str().unwrap_or("/nonexistent")),
        ("AWS_CONFIG_FILE", "/nonexistent/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
    ];
    vars.extend_from_slice(env);
    Client::builder()
        .region("us-east-1")
        .endpoint_url(&ec2.url)
        .env(ec2_lite::Env::from_pairs(vars))
        .sleep(|_| {})
        .build()
}

/// Runs the CLI as `cli::run` does, with one more variable whose value is not UTF-8.
pub fn cli_with_raw_env(args: &[&str], env: &[(&str, &str)], raw: (&str, &[u8])) -> Output {
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = cli::command(args, env);
    cmd.env(raw.0, std::ffi::OsStr::from_bytes(raw.1));
    cli::finish(cmd, args)
}

pub const DESCRIBE_EMPTY: &str = "<DescribeIamInstanceProfileAssociationsResponse><requestId>r</requestId><iamInstanceProfileAssociationSet/></DescribeIamInstanceProfileAssociationsResponse>";

/// A home with this config file, for the CLI.
pub fn home_with_config(name: &str, config: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ec2-lite-hardening-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("home");
    std::fs::write(dir.join("config"), config).expect("config");
    dir
}

/// Held by the tests that time or measure a large run, so that they do not run at once: each
/// would slow the other past its limit on a small machine.
pub fn one_large_run_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LARGE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LARGE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A large organisation's generated SSO config: one profile an account and role.
pub fn sso_config(bytes: usize) -> Vec<u8> {
    let mut config =
        b"[sso-session org]\nsso_start_url = https://org.awsapps.com/start\nsso_region = us-east-1\n".to_vec();
    let mut account = 100_000_000_000u64;
    while config.len() < bytes {
        account += 1;
        config.extend_from_slice(
            format!(
                "[profile {account}-AdministratorAccess]\nsso_session = org\nsso_account_id = {account}\n\
                 sso_role_name = AdministratorAccess\nregion = us-east-1\noutput = json\n\n"
            )
            .as_bytes(),
        );
    }
    config
}

/// Runs the CLI like `cli::run`, and reports its peak resident memory in KiB: the
/// `getrusage` of a waited-for child, through GNU time (`/usr/bin/time`) where it is installed,
/// else through Python's `resource` module (Python is what the test venv is built with). `None`
/// only when neither can run.
pub fn run_measured(args: &[&str], env: &[(&str, &str)]) -> (Output, Option<u64>) {
    let home = std::env::temp_dir().join("ec2-lite-hardening-empty-home");
    // One report a run: tests run at once.
    static RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let report = std::env::temp_dir().join(format!("ec2-lite-hardening-rss-{}-{run}", std::process::id()));
    let time = std::path::Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut cmd = std::process::Command::new(time);
        cmd.arg("-f").arg("%M").arg("-o").arg(&report);
        cmd
    } else {
        // ru_maxrss of the children is in KiB on Linux, as GNU time's %M.
        const MEASURE: &str = "import resource, subprocess, sys\n\
            code = subprocess.run(sys.argv[2:]).returncode\n\
            open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n\
            sys.exit(code if code >= 0 else 128 - code)\n";
        let mut cmd = std::process::Command::new("python3");
        cmd.arg("-c").arg(MEASURE).arg(&report);
        cmd
    };
    cmd.arg(cli::EXE).args(args).env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.env("HOME", &home).env("AWS_EC2_METADATA_DISABLED", "true").env("AWS_REGION", "us-east-1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run ec2-lite under /usr/bin/time or python3");
    let kib = std::fs::read_to_string(&report).ok().and_then(|s| s.trim().lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&report);
    (out, kib)
}

/// A config file of `bytes` or more of nothing but profile headers, in a shuffled order, so
/// that reading it sorts them: the most sections a file of its size can hold in `config`.
pub fn headers_config(bytes: usize) -> Vec<u8> {
    let mut headers: Vec<String> = Vec::new();
    let (mut n, mut len) = (0u64, 0);
    while len < bytes {
        n += 1;
        let header = format!("[profile p{n:07}]\n");
        len += header.len();
        headers.push(header);
    }
    // A fixed shuffle (a multiplicative step through the indices), the same on every run.
    let count = headers.len();
    let step = (0..).map(|k| 7_919 + k).find(|s| gcd(*s, count) == 1).unwrap_or(1);
    (0..count).flat_map(|i| headers[(i * step) % count].clone().into_bytes()).collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A loopback server that hands each connection, once its request (head and body) is read,
/// to `serve`. It stops when dropped.
pub fn raw_server(serve: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> Loopback {
    Loopback::serve_requests(move |_, out| {
        if let Ok(stream) = out.try_clone() {
            serve(stream);
        }
        false
    })
}

/// Sends `bytes` a few at a time, `every` apart, for at most `for_at_most`.
pub fn trickle(mut stream: std::net::TcpStream, head: &[u8], every: Duration, for_at_most: Duration) {
    use std::io::Write;
    let _ = stream.write_all(head);
    let end = Instant::now() + for_at_most;
    while Instant::now() < end {
        if stream.write_all(b"<x").is_err() {
            return;
        }
        std::thread::sleep(every);
    }
}

pub fn trickling_body_server() -> Loopback {
    raw_server(|s| {
        trickle(
            s,
            b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n",
            Duration::from_millis(500),
            Duration::from_secs(60),
        )
    })
}

pub fn endless_processing_server() -> Loopback {
    raw_server(|mut s| {
        use std::io::Write;
        let end = Instant::now() + Duration::from_secs(60);
        while Instant::now() < end && s.write_all(b"HTTP/1.1 102 Processing\r\n\r\n").is_ok() {
            std::thread::sleep(Duration::from_millis(200));
        }
    })
}

/// Answers with 20 KB of headers, then holds the connection open for a minute.
pub fn huge_headers_server() -> Loopback {
    raw_server(|mut s| {
        use std::io::Write;
        let head = format!("HTTP/1.1 200 OK\r\nx-filler: {}\r\ncontent-length: 0\r\n\r\n", "a".repeat(20_000));
        let _ = s.write_all(head.as_bytes());
        std::thread::sleep(Duration::from_secs(60));
    })
}

pub fn client_at(url: &str) -> ec2_lite::ClientBuilder {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(url)
        .sleep(|_| {})
}
