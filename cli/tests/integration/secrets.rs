//! The CLI never prints the secret key, the session token or a signature: not
//! in its output, its errors or its `--debug` lines. (The library's own types
//! are checked in the root's `tests/integration/secrets.rs`.)

use std::process::Command;

use crate::support::fault::{FaultServer, Reply};
use crate::support::secrets::{AKID, SECRET, TOKEN, assert_clean, signatures};

/// Runs the CLI against `server` with the secret credentials in its environment.
fn cli(server: &FaultServer, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(crate::support::cli::EXE)
        .args(args)
        .args(["--endpoint-url", &server.url, "--region", "us-east-1"])
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run ec2-lite");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn cli_output_never_shows_secrets() {
    let cases: Vec<(Reply, Vec<&str>)> = vec![
        (
            Reply::disassociated(),
            vec!["disassociate-iam-instance-profile", "--association-id", "iip-assoc-0123456789abcdef0"],
        ),
        (
            Reply::disassociated(),
            vec![
                "--output",
                "text",
                "disassociate-iam-instance-profile",
                "--association-id",
                "iip-assoc-0123456789abcdef0",
            ],
        ),
        (
            Reply::ec2_error(401, "AuthFailure", "no"),
            vec!["disassociate-iam-instance-profile", "--association-id", "iip-assoc-0123456789abcdef0"],
        ),
        (Reply::status(500, "<html>boom</html>"), vec!["describe-iam-instance-profile-associations"]),
    ];
    for (reply, args) in cases {
        for debug in [false, true] {
            let server = FaultServer::start(vec![], reply.clone());
            let mut all = args.clone();
            if debug {
                all.push("--debug");
            }
            let (stdout, stderr, code) = cli(&server, &all);
            let sigs = signatures(&server);
            assert!(!sigs.is_empty(), "the CLI made no request for {all:?} (exit {code}): {stderr}");
            assert_clean(&format!("ec2-lite {all:?} stdout"), &stdout, &sigs);
            assert_clean(&format!("ec2-lite {all:?} stderr"), &stderr, &sigs);
            if debug {
                assert!(stderr.contains("x-amz-security-token: ** redacted **"), "{stderr}");
            }
        }
    }
}
