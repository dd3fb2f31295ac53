//! Hostile servers, files, environments and arguments: each test scripts a loopback server or
//! a hostile input, then checks the outcome, the exit code (for the CLI), the wall time against
//! the deadline, and that nothing raw from outside reaches the terminal.

use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::cli::{self, assert_exit, stderr, stdout};
use crate::support::fault::{DISASSOCIATE_OK, FaultServer, Reply};
use ec2_lite::{Client, Credentials, Error};

const ID: &str = "iip-assoc-0123456789abcdef0";

fn client(server: &FaultServer) -> Client {
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
fn cli_at(url: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
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

fn disassociate(url: &str, extra: &[&str]) -> Output {
    let mut args = vec!["disassociate-iam-instance-profile", "--association-id", ID];
    args.extend_from_slice(extra);
    cli_at(url, &args, &[])
}

/// No byte below 0x20 but newline and tab, nor 0x7f, nor a byte that is not UTF-8.
#[track_caller]
fn assert_terminal_safe(bytes: &[u8]) {
    assert!(std::str::from_utf8(bytes).is_ok(), "not UTF-8: {}", String::from_utf8_lossy(bytes));
    if let Some(b) = bytes.iter().find(|&&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f) {
        panic!("raw control byte {b:#04x} in: {}", String::from_utf8_lossy(bytes));
    }
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)), "raw C1 control in: {text}");
}

/// What a hostile server puts in a body: clear the screen, retitle the terminal, forge a line.
const HOSTILE: &[u8] = b"\x1b[2J\x1b]0;pwned\x07\rforged: ok\x7f\xff\xfe";

// --- 4: a 2xx that does not parse is its own kind, not retried, exit 255 ---

#[test]
fn malformed_or_empty_2xx_is_a_parse_error_not_retried() {
    for body in ["<DisassociateIamInstanceProfileResponse><unclosed>", "", "not xml at all", "<Other/>"] {
        let server = FaultServer::start(vec![], Reply::status(200, body));
        let started = Instant::now();
        let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
        assert!(matches!(err, Error::MalformedResponse { status: 200, .. }), "{body:?}: {err:?}");
        assert!(!err.is_retryable() && err.code().is_none(), "{err:?}");
        assert_eq!(server.count(), 1, "{body:?}: a parse error is not retried");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(err.to_string().starts_with("unable to parse the response (http 200)"), "{err}");
    }
}

#[test]
fn a_2xx_that_is_not_utf8_is_refused() {
    let mut body = DISASSOCIATE_OK.as_bytes().to_vec();
    let at = body.len() - 40;
    body.insert(at, 0xff);
    let server = FaultServer::start(vec![], Reply::Respond { status: 200, headers: vec![], body });
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    let Error::MalformedResponse { reason, body_start, .. } = &err else { panic!("{err:?}") };
    assert!(reason.contains("not valid UTF-8"), "{reason}");
    assert!(!body_start.contains('\u{fffd}'), "{body_start}");
    assert_eq!(server.count(), 1);
}

#[test]
fn cli_malformed_2xx_exits_255_with_the_aws_cli_words() {
    let server = FaultServer::start(vec![], Reply::status(200, "<DisassociateIamInstanceProfileResponse>"));
    let started = Instant::now();
    let out = disassociate(&server.url, &[]);
    assert_exit(&out, 255);
    let err = stderr(&out);
    assert!(err.contains("Unable to parse response ("), "{err}");
    assert!(err.contains("), invalid XML received. Further retries may succeed:"), "{err}");
    assert!(!err.contains("An error occurred (200)"), "{err}");
    assert_eq!(stdout(&out), "");
    assert_eq!(server.count(), 1);
    assert!(started.elapsed() < Duration::from_secs(30));
}

// --- 2: nothing raw on a terminal ---

#[test]
fn error_display_escapes_what_the_server_sent() {
    let mut body = b"<html>".to_vec();
    body.extend_from_slice(HOSTILE);
    let server = FaultServer::start(vec![], Reply::Respond { status: 403, headers: vec![], body });
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { status: 403, .. }), "{err:?}");
    let shown = err.to_string();
    assert_terminal_safe(shown.as_bytes());
    assert!(!shown.contains('\n'));
    assert!(shown.contains("\\x1b[2J") && shown.contains("\\xff"), "{shown}");

    // XML cannot hold C0 controls but for newline and tab; C1 controls and bidi overrides it can.
    let code = "Bad\u{202e}Code";
    let message = "line one\nforged: line\u{9b}2J";
    let server = FaultServer::start(vec![], Reply::ec2_error(400, code, message));
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert_eq!(err.code(), Some(code), "the field keeps the value as received");
    let shown = err.to_string();
    assert_terminal_safe(shown.as_bytes());
    assert!(!shown.contains('\n') && shown.contains("line one\\nforged"), "{shown}");
}

#[test]
fn cli_debug_and_errors_escape_bodies_headers_and_codes() {
    let mut body = b"<Response><Errors><Error><Code>Evil\x1b]0;t\x07</Code><Message>m\r\x1b[2J".to_vec();
    body.extend_from_slice(HOSTILE);
    body.extend_from_slice(b"</Message></Error></Errors></Response>");
    let server = FaultServer::start(vec![], Reply::Respond { status: 400, headers: vec![], body });
    let started = Instant::now();
    let out = disassociate(&server.url, &["--debug"]);
    assert_exit(&out, 254);
    assert_terminal_safe(&out.stderr);
    let err = stderr(&out);
    assert!(err.contains("debug: ") && err.contains("\\x1b"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));

    // A 2xx with control bytes and invalid UTF-8: the parse error quotes it escaped.
    let mut body = b"<DisassociateIamInstanceProfileResponse>".to_vec();
    body.extend_from_slice(HOSTILE);
    let server = FaultServer::start(vec![], Reply::Respond { status: 200, headers: vec![], body });
    let out = disassociate(&server.url, &["--debug"]);
    assert_exit(&out, 255);
    assert_terminal_safe(&out.stderr);
    assert!(stderr(&out).contains("\\x1b]0;pwned\\x07"), "{}", stderr(&out));
}

// --- 5: an IMDS token without its TTL header is accepted; an absurd TTL is clamped ---

/// Credentials as IMDS and the container endpoints serve them, expiring at `expiration`.
fn credentials_json(expiration: &str) -> String {
    format!(
        r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDSEXAMPLE","SecretAccessKey":"imds-secret","Token":"imds-token","Expiration":"{expiration}"}}"#
    )
}

/// An IMDS on loopback: the token (with these headers), the role, its credentials, in turn.
fn imds(token_headers: Vec<(String, String)>) -> FaultServer {
    FaultServer::start_with(move |n| match n % 3 {
        0 => Reply::Respond { status: 200, headers: token_headers.clone(), body: b"imds-session-token".to_vec() },
        1 => Reply::status(200, "role"),
        _ => Reply::status(200, &credentials_json("2099-01-01T00:00:00Z")),
    })
}

/// A client whose only credential source is the chain, with this environment.
fn chain_client(ec2: &FaultServer, env: &[(&str, &str)]) -> Result<Client, Error> {
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

#[test]
fn imds_token_without_ttl_header_is_used_with_the_ttl_asked_for() {
    for headers in
        [vec![], vec![("x-aws-ec2-metadata-token-ttl-seconds".to_owned(), "18446744073709551615".to_owned())]]
    {
        let metadata = imds(headers.clone());
        let ec2 = FaultServer::start(vec![], Reply::disassociated());
        let started = Instant::now();
        let client = chain_client(&ec2, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &metadata.url)]).expect("client");
        let out = client.disassociate_iam_instance_profile(ID);
        assert!(out.is_ok(), "{headers:?}: {out:?}");
        let signed = ec2.requests();
        let auth = signed[0].header("authorization").unwrap_or_default().to_owned();
        assert!(auth.contains("Credential=ASIAIMDSEXAMPLE/"), "{auth}");
        assert_eq!(signed[0].header("x-amz-security-token"), Some("imds-token"));
        // The token is asked with six hours, and a second call reuses it.
        let token_request = &metadata.requests()[0];
        assert_eq!(token_request.header("x-aws-ec2-metadata-token-ttl-seconds"), Some("21600"));
        assert!(client.disassociate_iam_instance_profile(ID).is_ok());
        assert_eq!(metadata.requests().iter().filter(|r| r.method == "PUT").count(), 1, "{headers:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

// --- 7: a variable that is not UTF-8 is a configuration error naming it ---

/// Runs the CLI as `cli::run` does, with one more variable whose value is not UTF-8.
fn cli_with_raw_env(args: &[&str], env: &[(&str, &str)], raw: (&str, &[u8])) -> Output {
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = cli::command(args, env);
    cmd.env(raw.0, std::ffi::OsStr::from_bytes(raw.1));
    cli::finish(cmd, args)
}

#[test]
fn non_utf8_environment_values_are_errors_naming_the_variable() {
    let server = FaultServer::start(vec![], Reply::disassociated());
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "SECRETEXAMPLEKEY"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", server.url.as_str()),
    ];
    let args = ["disassociate-iam-instance-profile", "--association-id", ID];
    for (name, value) in [
        ("AWS_PROFILE", &b"prod\xff"[..]),
        ("AWS_ENDPOINT_URL", &b"http://127.0.0.1:1/\xff"[..]),
        ("AWS_SECRET_ACCESS_KEY", &b"secret\xfe"[..]),
        ("AWS_REGION", &b"us-east-1\xff"[..]),
    ] {
        let env: Vec<(&str, &str)> = keys.iter().copied().filter(|(k, _)| *k != name).collect();
        let started = Instant::now();
        let out = cli_with_raw_env(&args, &env, (name, value));
        assert_exit(&out, 253);
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains("not valid UTF-8"), "{name}: {err}");
        assert!(!err.contains("secret"), "{err}");
        assert_terminal_safe(&out.stderr);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    assert_eq!(server.count(), 0, "nothing is sent with a half-read environment");
    // The library says the same, from the environment it is handed.
    let env = ec2_lite::Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKID")]).with_non_utf8("AWS_SECRET_ACCESS_KEY");
    let err = Client::builder().region("us-east-1").env(env).build().unwrap_err();
    assert!(matches!(err, Error::Config(_)) && err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
}

// --- 8: expired container credentials, a waiter with no delay, profile loops, huge files ---

#[test]
fn container_credentials_expired_on_arrival_are_refused_clearly() {
    let container = FaultServer::start(vec![], Reply::status(200, &credentials_json("2020-01-01T00:00:00Z")));
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let uri = format!("{}/creds", container.url);
    let started = Instant::now();
    let client = chain_client(&ec2, &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]).expect("client");
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(err, Error::Credentials(_)), "{err:?}");
    assert!(err.to_string().contains("had already expired (at 2020-01-01T00:00:00"), "{err}");
    assert_eq!(ec2.count(), 0, "expired credentials are never sent");
    assert!(started.elapsed() < Duration::from_secs(10));

    // The CLI: a credentials error, exit 253, nothing sent.
    let out = cli::run(
        &["--endpoint-url", &ec2.url, "disassociate-iam-instance-profile", "--association-id", ID],
        &[("AWS_REGION", "us-east-1"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)],
    );
    assert_exit(&out, 253);
    assert!(stderr(&out).contains("already expired"), "{}", stderr(&out));
    assert_eq!(ec2.count(), 0);
}

const DESCRIBE_EMPTY: &str = "<DescribeIamInstanceProfileAssociationsResponse><requestId>r</requestId><iamInstanceProfileAssociationSet/></DescribeIamInstanceProfileAssociationsResponse>";

#[test]
fn a_waiter_with_no_delay_does_not_spin() {
    let server = FaultServer::start(vec![], Reply::status(200, DESCRIBE_EMPTY));
    let started = Instant::now();
    let options = ec2_lite::WaitOptions::new(Duration::ZERO, Duration::from_secs(1));
    // On the real clock: the waiter sleeps through the client's sleep, which `client` cuts.
    let real_clock = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(&server.url)
        .read_timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let err = real_clock
        .wait_until_associated(&ec2_lite::WaitTarget::InstanceId("i-0123456789abcdef0".into()), &options)
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::WaitFailed { timed_out: true, .. }), "{err:?}");
    assert!((2..=12).contains(&server.count()), "{} polls in a second", server.count());
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5), "{elapsed:?}");

    // The CLI's --delay 0 too.
    let started = Instant::now();
    let out = cli_at(
        &server.url,
        &[
            "wait",
            "iam-instance-profile-associated",
            "--instance-id",
            "i-0123456789abcdef0",
            "--delay",
            "0",
            "--timeout",
            "1",
        ],
        &[],
    );
    assert_exit(&out, 255);
    let polls = server.count();
    assert!(polls <= 12 + 12, "{polls} polls in two seconds of waiting");
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A home with this config file, for the CLI.
fn home_with_config(name: &str, config: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ec2-lite-hardening-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("home");
    std::fs::write(dir.join("config"), config).expect("config");
    dir
}

/// Held by the tests that time or measure a large run, so that they do not run at once: each
/// would slow the other past its limit on a small machine.
fn one_large_run_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LARGE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LARGE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn a_loop_among_100000_profiles_is_found_fast_and_said_briefly() {
    let _alone = one_large_run_at_a_time();
    let n = 100_000;
    let mut config = String::from("[default]\nrole_arn = r\nsource_profile = p0\n");
    for i in 0..n {
        let next = if i + 1 == n { "p0".to_owned() } else { format!("p{}", i + 1) };
        config.push_str(&format!("[profile p{i}]\nrole_arn = r\nsource_profile = {next}\n"));
    }
    let home = home_with_config("loop", config.as_bytes());
    let cfg = home.join("config");
    let started = Instant::now();
    let (out, max_rss_kib) = run_measured(
        &["disassociate-iam-instance-profile", "--association-id", ID],
        &[("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default())],
    );
    let elapsed = started.elapsed();
    if let Some(kib) = max_rss_kib {
        eprintln!("100,000 profiles: {elapsed:?}, {kib} KiB peak");
    }
    let _ = std::fs::remove_dir_all(&home);
    assert_exit(&out, 253);
    let err = stderr(&out);
    assert!(err.contains("infinite loop") && err.contains("more)"), "{}", &err[..err.len().min(2000)]);
    assert!(err.len() < 2000, "a {}-byte message", err.len());
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

/// A large organisation's generated SSO config: one profile an account and role.
fn sso_config(bytes: usize) -> Vec<u8> {
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

#[test]
fn a_50_mib_config_file_is_read_whole_in_less_than_three_times_its_size() {
    let _alone = one_large_run_at_a_time();
    // The AWS CLI reads such a file; the profile that holds the keys is the last one in it.
    let last = b"[profile last]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = SECRETEXAMPLEKEY\n";
    let mut config = sso_config(50 * 1024 * 1024);
    config.extend_from_slice(last);
    let size = config.len() as u64;
    let run = |config: &[u8], name: &str| {
        let server = FaultServer::start(vec![], Reply::disassociated());
        let home = home_with_config(name, config);
        let cfg = home.join("config");
        let started = Instant::now();
        let (out, max_rss_kib) = run_measured(
            &["--endpoint-url", server.url.as_str(), "disassociate-iam-instance-profile", "--association-id", ID],
            &[("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default()), ("AWS_PROFILE", "last")],
        );
        let elapsed = started.elapsed();
        let _ = std::fs::remove_dir_all(&home);
        (out, max_rss_kib, elapsed, server.count())
    };
    let (out, big, elapsed, calls) = run(&config, "huge");
    assert_exit(&out, 0);
    assert_eq!(calls, 1, "{}", stderr(&out));
    assert!(elapsed < Duration::from_secs(120), "{elapsed:?}");
    let (small_out, small, _, _) = run(last, "small");
    assert_exit(&small_out, 0);
    if let (Some(big), Some(small)) = (big, small) {
        let grew = big.saturating_sub(small) * 1024;
        eprintln!("a {size}-byte config: {grew} bytes more at peak than a tiny one, in {elapsed:?}");
        assert!(grew < 3 * size, "{grew} bytes for a {size}-byte file");
    }
}

#[test]
fn endless_and_special_files_are_refused_at_once() {
    let dir = std::env::temp_dir().join(format!("ec2-lite-hardening-special-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a-directory")).expect("dir");
    let fifo = dir.join("a-fifo");
    let mut files = vec![dir.join("a-directory")];
    if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        files.push(fifo);
    }
    if std::path::Path::new("/dev/zero").exists() {
        files.push("/dev/zero".into());
    }
    for file in files {
        let started = Instant::now();
        let out = cli::run(
            &["disassociate-iam-instance-profile", "--association-id", ID],
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "SECRETEXAMPLEKEY"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_CONFIG_FILE", file.to_str().unwrap_or_default()),
            ],
        );
        assert_exit(&out, 253);
        assert!(stderr(&out).contains("not a regular file"), "{file:?}: {}", stderr(&out));
        assert!(started.elapsed() < Duration::from_secs(10), "{file:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the CLI like `cli::run`, and reports its peak resident memory (Linux `getrusage` of
/// children, read from `/proc/self/status` is not possible for a child: use `wait4` through
/// `/usr/bin/time` when present).
fn run_measured(args: &[&str], env: &[(&str, &str)]) -> (Output, Option<u64>) {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return (cli::run(args, env), None);
    }
    let home = std::env::temp_dir().join("ec2-lite-hardening-empty-home");
    // One report a run: tests run at once.
    static RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let report = std::env::temp_dir().join(format!("ec2-lite-hardening-rss-{}-{run}", std::process::id()));
    let mut cmd = std::process::Command::new(time);
    cmd.arg("-f").arg("%M").arg("-o").arg(&report).arg(cli::EXE).args(args).env_clear();
    cmd.env("HOME", &home).env("AWS_EC2_METADATA_DISABLED", "true").env("AWS_REGION", "us-east-1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run ec2-lite under /usr/bin/time");
    let kib = std::fs::read_to_string(&report).ok().and_then(|s| s.trim().lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&report);
    (out, kib)
}

#[test]
fn json_error_documents_and_process_output_reach_the_terminal_escaped() {
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let hostile_json = r#"{"Code":"Evil\u001b]0;pwned\u0007","Message":"clear\u001b[2J\rforged: line\u009b"}"#;
    let container = FaultServer::start(vec![], Reply::status(400, hostile_json));
    let uri = format!("{}/creds", container.url);
    let args = ["--endpoint-url", ec2.url.as_str(), "disassociate-iam-instance-profile", "--association-id", ID];
    let started = Instant::now();
    let out = cli::run(&args, &[("AWS_REGION", "us-east-1"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]);
    assert_exit(&out, 253);
    assert_terminal_safe(&out.stderr);
    assert!(stderr(&out).contains("Evil\\x1b]0;pwned\\x07"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));

    // A 200 from IMDS with a JSON error document.
    let metadata = FaultServer::start_with(move |n| match n % 3 {
        0 => Reply::status(200, "tok").header("x-aws-ec2-metadata-token-ttl-seconds", "21600"),
        1 => Reply::status(200, "role"),
        _ => Reply::status(200, r#"{"Code":"Failed\u001b[31m","Message":"no\u0007"}"#),
    });
    let out = cli::run(
        &args,
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "false"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &metadata.url),
        ],
    );
    assert_exit(&out, 253);
    assert_terminal_safe(&out.stderr);

    // credential_process writing control bytes and invalid UTF-8 instead of JSON.
    let script = std::env::temp_dir().join(format!("ec2-lite-hardening-process-{}.sh", std::process::id()));
    std::fs::write(&script, "#!/bin/sh\nprintf '\\033]0;pwned\\007\\377not json'\nprintf 'oops\\033[2J' >&2\nexit 1\n")
        .expect("script");
    let config = format!("[default]\ncredential_process = sh {}\n", script.display());
    let home = home_with_config("process", config.as_bytes());
    let cfg = home.join("config");
    let out = cli::run(&args, &[("AWS_REGION", "us-east-1"), ("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default())]);
    let _ = std::fs::remove_dir_all(&home);
    let _ = std::fs::remove_file(&script);
    assert_exit(&out, 253);
    assert_terminal_safe(&out.stderr);
    assert_eq!(ec2.count(), 0);
}

// --- 6: plain HTTP with credentials only to a loopback address, or `localhost` itself ---

#[test]
fn plain_http_goes_only_to_loopback_literals_or_localhost_itself() {
    let build = |url: &str| {
        Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
            .endpoint_url(url)
            .build()
    };
    for ok in [
        "http://localhost:1",
        "http://LOCALHOST:1",
        "http://127.0.0.2:1",
        "http://[::1]:1",
        "http://[::ffff:127.0.0.1]:1",
    ] {
        assert!(build(ok).is_ok(), "{ok}: {:?}", build(ok).err());
    }
    for refused in ["http://evil.localhost:1", "http://localhost.evil.example:1", "http://10.0.0.1:1", "http://[::2]:1"]
    {
        let err = build(refused).unwrap_err();
        assert!(matches!(err, Error::Config(_)) && err.to_string().contains("plain http"), "{refused}: {err}");
    }
    let server = FaultServer::start(vec![], Reply::disassociated());
    let out = disassociate("http://evil.localhost:9", &[]);
    assert_exit(&out, 253);
    assert!(stderr(&out).contains("plain http"), "{}", stderr(&out));
    assert_eq!(server.count(), 0);
}

// --- 1: deadlines: no default configuration hangs ---

/// A loopback server that hands each connection, once its request head is read, to `serve`.
fn raw_server(serve: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let serve = std::sync::Arc::new(serve);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let serve = serve.clone();
            std::thread::spawn(move || {
                let Ok(read_half) = stream.try_clone() else { return };
                let mut reader = BufReader::new(read_half);
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                serve(stream);
            });
        }
    });
    url
}

/// Sends `bytes` a few at a time, `every` apart, for at most `for_at_most`.
fn trickle(mut stream: std::net::TcpStream, head: &[u8], every: Duration, for_at_most: Duration) {
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

fn trickling_body_server() -> String {
    raw_server(|s| {
        trickle(
            s,
            b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n",
            Duration::from_millis(500),
            Duration::from_secs(60),
        )
    })
}

fn endless_processing_server() -> String {
    raw_server(|mut s| {
        use std::io::Write;
        let end = Instant::now() + Duration::from_secs(60);
        while Instant::now() < end && s.write_all(b"HTTP/1.1 102 Processing\r\n\r\n").is_ok() {
            std::thread::sleep(Duration::from_millis(200));
        }
    })
}

/// Answers with 20 KB of headers, then holds the connection open for a minute.
fn huge_headers_server() -> String {
    raw_server(|mut s| {
        use std::io::Write;
        let head = format!("HTTP/1.1 200 OK\r\nx-filler: {}\r\ncontent-length: 0\r\n\r\n", "a".repeat(20_000));
        let _ = s.write_all(head.as_bytes());
        std::thread::sleep(Duration::from_secs(60));
    })
}

#[test]
fn headers_too_large_are_refused_at_once_and_not_retried() {
    let url = huge_headers_server();
    let client = client_at(&url).build().expect("client");
    let started = Instant::now();
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind() == ec2_lite::TransportErrorKind::BodyTooLarge), "{err:?}");
    assert!(err.to_string().contains("response headers larger than"), "{err}");
    assert!(!err.is_retryable() && err.attempts() == 1, "{err}");
    // Refused as soon as the limit is passed, not when the server gives up.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

fn client_at(url: &str) -> ec2_lite::ClientBuilder {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(url)
        .sleep(|_| {})
}

#[test]
fn a_trickling_body_and_endless_102s_end_at_the_attempt_timeout() {
    for url in [trickling_body_server(), endless_processing_server()] {
        let client = client_at(&url).operation_attempt_timeout(Duration::from_secs(1)).build().expect("client");
        let started = Instant::now();
        let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(&err, Error::Transport(t) if t.kind() == ec2_lite::TransportErrorKind::Timeout), "{err:?}");
        assert_eq!(err.attempts(), 3, "{err}");
        // Three attempts of one second each, with slack for a loaded machine.
        assert!(elapsed >= Duration::from_millis(2900) && elapsed < Duration::from_secs(6), "{url}: {elapsed:?}");
    }
    assert_eq!(ec2_lite::DEFAULT_ATTEMPT_TIMEOUT, Duration::from_secs(60), "a finite total per attempt by default");
}

#[test]
fn the_operation_timeout_ends_the_call_retries_included() {
    let url = trickling_body_server();
    let client = client_at(&url).operation_timeout(Duration::from_millis(1500)).build().expect("client");
    let started = Instant::now();
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(&err, Error::Transport(t) if t.kind() == ec2_lite::TransportErrorKind::Timeout), "{err:?}");
    assert!(err.to_string().contains("within its timeout of 1.5s"), "{err}");
    assert!(!err.is_retryable() || err.attempts() == 1, "{err}");
    assert!(elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_secs(4), "{elapsed:?}");

    // The CLI: the option and the variable (an extension), exit 255.
    for (args, env) in
        [(vec!["--operation-timeout", "1.5"], vec![]), (vec![], vec![("EC2_LITE_OPERATION_TIMEOUT", "1.5")])]
    {
        let mut all = args.clone();
        all.extend(["disassociate-iam-instance-profile", "--association-id", ID]);
        let started = Instant::now();
        let out = cli_at(&url, &all, &env);
        let elapsed = started.elapsed();
        assert_exit(&out, 255);
        assert_terminal_safe(&out.stderr);
        assert!(elapsed < Duration::from_secs(5), "{args:?} {env:?}: {elapsed:?}");
    }
    let out = cli_at(
        &url,
        &["--operation-timeout", "soon", "disassociate-iam-instance-profile", "--association-id", ID],
        &[],
    );
    assert_exit(&out, 252);
    let help = cli::run(&["help"], &[]);
    assert!(stdout(&help).contains("--operation-timeout") && stdout(&help).contains("extension"), "{}", stdout(&help));
}

#[test]
fn credential_loading_ends_at_its_timeout() {
    // A container endpoint that trickles its answer: each read is quick, the whole never ends.
    let container = raw_server(|s| {
        trickle(
            s,
            b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n",
            Duration::from_millis(200),
            Duration::from_secs(60),
        )
    });
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let uri = format!("{container}/creds");
    let started = Instant::now();
    let out = cli::run(
        &["--endpoint-url", &ec2.url, "disassociate-iam-instance-profile", "--association-id", ID],
        &[("AWS_REGION", "us-east-1"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)],
    );
    let elapsed = started.elapsed();
    assert_exit(&out, 255);
    assert!(stderr(&out).contains("took longer than 5.0s"), "{}", stderr(&out));
    assert!(elapsed >= Duration::from_millis(4900) && elapsed < Duration::from_secs(9), "{elapsed:?}");
    assert_eq!(ec2.count(), 0);
}

#[test]
fn a_credential_process_that_hangs_is_killed_with_its_children() {
    let dir = std::env::temp_dir().join(format!("ec2-lite-hardening-hang-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let pids = dir.join("pids");
    let script = dir.join("hang.sh");
    std::fs::write(&script, format!("#!/bin/sh\nsleep 300 &\necho $! > {}\nread answer\nsleep 300\n", pids.display()))
        .expect("script");
    let config = format!("[default]\ncredential_process = sh {}\n", script.display());
    std::fs::write(dir.join("config"), config).expect("config");
    let cfg = dir.join("config");
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url("http://127.0.0.1:9")
        .env(ec2_lite::Env::from_pairs([
            ("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default()),
            ("HOME", "/nonexistent"),
        ]))
        .credentials_load_timeout(Duration::from_secs(1))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Credentials(_)), "{err:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // The process is stopped at its deadline, with the `sleep` it started.
    std::thread::sleep(Duration::from_millis(500));
    let grandchild = std::fs::read_to_string(&pids).expect("the script wrote its child's pid");
    // Gone, or a zombie waiting for a reaper: either way no longer running.
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", grandchild.trim())).unwrap_or_default();
    let state = stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().next()).unwrap_or("gone");
    let alive = !matches!(state, "gone" | "Z" | "X");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!alive, "the credential_process's child {} outlived the timeout", grandchild.trim());
}

#[test]
fn a_malformed_2xx_from_sts_is_a_parse_error_exit_255() {
    let sts = FaultServer::start(vec![], Reply::status(200, "<AssumeRoleResponse><unclosed"));
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let config = "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
                  [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n";
    let home = home_with_config("sts", config.as_bytes());
    let cfg = home.join("config");
    let started = Instant::now();
    let out = cli::run(
        &["--endpoint-url", &ec2.url, "disassociate-iam-instance-profile", "--association-id", ID],
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default()),
            ("AWS_ENDPOINT_URL_STS", &sts.url),
        ],
    );
    let _ = std::fs::remove_dir_all(&home);
    assert_exit(&out, 255);
    assert!(stderr(&out).contains("unreadable response"), "{}", stderr(&out));
    assert_terminal_safe(&out.stderr);
    assert_eq!(sts.count(), 1, "a parse error is not retried");
    assert_eq!(ec2.count(), 0);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn slow_imds_headers_end_in_seconds_for_the_region_and_the_credentials() {
    let imds =
        raw_server(|s| trickle(s, b"HTTP/1.1 200 OK\r\nx-slow: ", Duration::from_millis(200), Duration::from_secs(60)));
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let started = Instant::now();
    // No region anywhere: the builder asks IMDS, which sends its headers a byte at a time.
    let err = Client::builder()
        .endpoint_url(&ec2.url)
        .env(ec2_lite::Env::from_pairs([
            ("HOME", "/nonexistent"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "SECRETEXAMPLEKEY"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str()),
        ]))
        .sleep(|_| {})
        .build()
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Config(_)) && err.to_string().contains("no region"), "{err}");
    assert!(elapsed < Duration::from_secs(12), "{elapsed:?}");

    // Credentials from it: its request ends at its total timeout (a timeout at IMDS reads as
    // "no IMDS here", as a missing route does), within the 5 s load timeout in any case.
    let client = chain_client(&ec2, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds)]).expect("client");
    let started = Instant::now();
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.to_string().contains("timed out") || err.to_string().contains("took longer"), "{err}");
    assert!(elapsed < Duration::from_millis(5900), "{elapsed:?}");
    assert_eq!(ec2.count(), 0);
}

#[test]
fn the_operation_timeout_cuts_the_wait_between_attempts_too() {
    let server = FaultServer::start(vec![], Reply::ec2_error(503, "RequestLimitExceeded", "slow down"));
    // Real sleeps, the longest jitter: the throttling backoff alone would wait seconds.
    let client = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(&server.url)
        .max_attempts(10)
        .random(|| 1.0)
        .operation_timeout(Duration::from_millis(1200))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.to_string().contains("within its timeout of 1.2s"), "{err}");
    assert!(elapsed >= Duration::from_millis(1100) && elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert!(server.count() >= 1 && server.count() <= 3, "{}", server.count());
}

#[test]
fn the_cli_read_timeout_option_bounds_a_stalled_call() {
    let server = FaultServer::start(vec![], Reply::Stall { hold: Duration::from_secs(30) });
    let start = Instant::now();
    let out = std::process::Command::new(cli::EXE)
        .args(["disassociate-iam-instance-profile", "--association-id", ID])
        // Whole seconds: v2 reads the option with int() (awscli/customizations/globalargs.py).
        .args(["--endpoint-url", &server.url, "--region", "us-east-1", "--cli-read-timeout", "1"])
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "SECRETEXAMPLEKEY")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "2")
        .output()
        .expect("run ec2-lite");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{stderr}");
    assert!(stderr.contains("Read timeout on endpoint URL"), "{stderr}");
    assert_eq!(server.count(), 2, "AWS_MAX_ATTEMPTS=2");
    assert!(start.elapsed() < Duration::from_secs(8), "{:?}", start.elapsed());
}
