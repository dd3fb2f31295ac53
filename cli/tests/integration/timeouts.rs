//! Deadlines: no default configuration hangs. A trickling body, endless `102`s, a stalled call
//! under `--cli-read-timeout`, the operation timeout across retries and the waits between
//! them, credential loading, a hanging `credential_process` (killed with its children) and slow
//! instance metadata each end in bounded time.
//!
//! Helpers: `support::hostile` (the raw loopback servers that trickle or stall) and
//! `support::fault`.

use std::time::{Duration, Instant};

use ec2_lite::{Client, Credentials, Error};

use crate::support::cli::{self, assert_exit, stderr, stdout};
use crate::support::fault::{FaultServer, Reply};
use crate::support::hostile::{
    ID, assert_terminal_safe, chain_client, cli_at, client_at, endless_processing_server, raw_server, trickle,
    trickling_body_server,
};

#[test]
fn a_trickling_body_and_endless_102s_end_at_the_attempt_timeout() {
    for server in [trickling_body_server(), endless_processing_server()] {
        let url = server.url();
        let client = client_at(url).operation_attempt_timeout(Duration::from_secs(1)).build().expect("client");
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
    let server = trickling_body_server();
    let url = server.url();
    let client = client_at(url).operation_timeout(Duration::from_millis(1500)).build().expect("client");
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
        let out = cli_at(url, &all, &env);
        let elapsed = started.elapsed();
        assert_exit(&out, 255);
        assert_terminal_safe(&out.stderr);
        assert!(elapsed < Duration::from_secs(5), "{args:?} {env:?}: {elapsed:?}");
    }
    let out =
        cli_at(url, &["--operation-timeout", "soon", "disassociate-iam-instance-profile", "--association-id", ID], &[]);
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
    let uri = format!("{}/creds", container.url);
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
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url.as_str()),
        ]))
        .sleep(|_| {})
        .build()
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Config(_)) && err.to_string().contains("no region"), "{err}");
    assert!(elapsed < Duration::from_secs(12), "{elapsed:?}");

    // Credentials from it: its request ends at its total timeout (a timeout at IMDS reads as
    // "no IMDS here", as a missing route does), within the 5 s load timeout in any case.
    let client = chain_client(&ec2, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url.as_str())]).expect("client");
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
