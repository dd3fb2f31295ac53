//! The CLI never prints the secret key, the session token or a signature: not
//! in its output, its errors or its `--debug` lines. (The library's own types
//! are checked in the root's `tests/integration/secrets.rs`.)

use std::process::Command;

use ec2_lite::sigv4;

use crate::support::fault::{FaultServer, Reply};

const AKID: &str = "AKIDSECRETSTEST";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETSECRET";
const TOKEN: &str = "FQoGZXIvYXdzEBEaDTOKENTOKENTOKENTOKEN//////////wEXAMPLE";

/// Fails if `text` holds a secret, the token, or any of `signatures`.
fn assert_clean(what: &str, text: &str, signatures: &[String]) {
    assert!(!text.contains(SECRET), "{what} shows the secret key:\n{text}");
    assert!(!text.contains(TOKEN), "{what} shows the session token:\n{text}");
    for s in signatures {
        assert!(!text.contains(s.as_str()), "{what} shows a signature:\n{text}");
    }
    // Signing keys are derived from the secret; their hex must not leak either.
    let key = hex::encode(sigv4::derive_signing_key(SECRET, "20261125", "us-east-1", "ec2"));
    assert!(!text.contains(&key), "{what} shows a signing key");
}

/// The signatures a server received (the part after `Signature=`).
fn signatures(server: &FaultServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").and_then(|a| a.rsplit_once("Signature=")).map(|(_, s)| s.to_owned()))
        .collect()
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
