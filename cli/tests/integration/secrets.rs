//! The CLI never prints the secret key, the session token or a signature: not in its output,
//! its errors or its `--debug` lines, whether the call succeeded, failed to connect, was
//! signed for moto or took its credentials from a profile. (The library's own types are
//! checked in the root's `tests/integration/secrets.rs`.)
//!
//! Helpers: `support::secrets` (the secrets and the clean check), `support::fault`,
//! `support::offline`, `support::on_moto` and `support::chain`.
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use std::process::Command;

use crate::support::chain::{Home, fake_ec2, fake_imds};
use crate::support::cli::{DESCRIBE, OTHER, assert_exit, run, stderr, stdout};
use crate::support::fault::{FaultServer, Reply};
use crate::support::loopback::closed_port_url;
use crate::support::offline::{ASSOC, DISASSOCIATE_RESPONSE, Loopback, configured};
use crate::support::on_moto::{association_ids, json, moto};
use crate::support::secrets::{AKID, SECRET, TOKEN, assert_clean, signatures};
use crate::support::{chain, offline, on_moto};

#[test]
fn debug_trace_never_shows_the_secret_the_token_or_the_signature() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let mut env = configured();
    env.push(("AWS_SESSION_TOKEN", offline::TOKEN));
    let out = run(
        &["--debug", "--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC],
        &env,
    );
    assert_exit(&out, 0);
    let trace = stderr(&out);
    let requests = wire.requests();
    let [request] = requests.as_slice() else { panic!("expected one request, got {requests:?}") };

    // What was really sent: the token, and a signature over it.
    assert!(request.contains(offline::TOKEN), "the token was not sent: {request}");
    let signature = request.split("Signature=").nth(1).and_then(|s| s.split("\r\n").next()).expect("a signature");
    assert_eq!(signature.len(), 64, "{request}");

    assert!(trace.contains("debug:"), "no trace with --debug: {trace}");
    assert!(trace.contains(ASSOC), "the trace should show the request body: {trace}");
    assert!(trace.contains("iip-assoc-0123456789abcdef0</associationId>"), "and the response: {trace}");
    assert!(trace.contains(&format!("Credential={}/", offline::AKID)), "the access key id is not secret: {trace}");
    for secret in [offline::SECRET, offline::TOKEN, signature] {
        assert!(!trace.contains(secret), "--debug printed {secret:?}:\n{trace}");
        assert!(!stdout(&out).contains(secret), "stdout has {secret:?}");
    }
    // Not even URL-encoded.
    assert!(!trace.contains("offline%2FSecret"), "{trace}");
}

#[test]
fn debug_trace_of_a_failed_call_never_shows_the_secret() {
    let mut env = configured();
    env.push(("AWS_SESSION_TOKEN", offline::TOKEN));
    let endpoint = closed_port_url();
    let out = run(
        &["--debug", "--endpoint-url", &endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC],
        &env,
    );
    assert_exit(&out, OTHER);
    let trace = stderr(&out);
    assert!(trace.contains("Signature=** redacted **"), "{trace}");
    assert!(!trace.contains(offline::SECRET) && !trace.contains(offline::TOKEN), "{trace}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn debug_trace_of_a_signed_call_hides_the_secret_and_the_token() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let (akid, secret, token) = moto.assume_role();
    let env = [("AWS_ACCESS_KEY_ID", akid.as_str()), ("AWS_SECRET_ACCESS_KEY", &secret), ("AWS_SESSION_TOKEN", &token)];
    let out = on_moto::lite_with_env(moto, &["--debug", DESCRIBE, "--association-ids", &seeded.association_id], &env);
    assert_eq!(association_ids(&json(&out)), [seeded.association_id.as_str()]);
    let trace = stderr(&out);
    assert!(trace.contains("response: http 200"), "{trace}");
    assert!(trace.contains("x-amz-security-token: ** redacted **"), "{trace}");
    assert!(trace.contains("Signature=** redacted **"), "{trace}");
    assert!(!trace.contains(&secret), "the secret is in the trace");
    assert!(!trace.contains(&token), "the session token is in the trace");
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let (ec2, imds) = (fake_ec2(), fake_imds());
    let home = Home::new("debug");
    let out = chain::run(
        &home,
        &["--debug", "--endpoint-url", &ec2.url, DESCRIBE],
        &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)],
    );
    chain::assert_exit(&out, 0);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), chain::stderr(&out));
    assert!(all.contains("ASIAIMDSKEY"), "{all}");
    for secret in ["imds-secret-value", "imds-session-token", "imds-token"] {
        assert!(!all.contains(secret), "{secret} in\n{all}");
    }
}

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
