//! Secrets never leave: the secret key, the session token, the signing key
//! and the signatures must not appear in any `Debug` or `Display` of a public
//! type, in any error, or in anything the CLI prints, `--debug` included.

use std::process::Command;

use crate::support::fault::{FaultServer, Reply};
use ec2_lite::sigv4::{self, SignableRequest, Signer, SigningParams};
use ec2_lite::{Client, Credentials, Error};

const AKID: &str = "AKIDSECRETSTEST";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETSECRET";
const TOKEN: &str = "FQoGZXIvYXdzEBEaDTOKENTOKENTOKENTOKEN//////////wEXAMPLE";

fn creds() -> Credentials {
    Credentials::new(AKID, SECRET, Some(TOKEN.to_owned()))
}

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

#[test]
fn public_types_never_show_secrets() {
    let c = creds();
    let headers = [("Content-Type", "text/plain"), ("X-Amz-Security-Token", TOKEN)];
    let request = SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/").headers(headers).body(b"x=1");
    let params = SigningParams::new(&c, "us-east-1", "ec2", time::OffsetDateTime::now_utc());
    let signed = sigv4::sign(&request, &params);
    let signer = Signer::new();
    let _ = signer.sign(&request, &params);
    let client = Client::builder()
        .region("us-east-1")
        .credentials(c.clone())
        .endpoint_url("http://127.0.0.1:9")
        .build()
        .expect("client");
    let builder = Client::builder().credentials(c.clone());
    let sigs = vec![signed.signature().to_owned()];
    for (what, text) in [
        ("Credentials", format!("{c:?} {c:#?}")),
        ("SignableRequest", format!("{request:?}")),
        ("SigningParams", format!("{params:?}")),
        ("SigningOutput", format!("{signed:?} {signed:#?}")),
        ("Signer", format!("{signer:?}")),
        ("Client", format!("{client:?} {client:#?}")),
        ("ClientBuilder", format!("{builder:?}")),
    ] {
        assert_clean(what, &text, &sigs);
    }
}

#[test]
fn errors_never_show_secrets() {
    let server = FaultServer::start(
        vec![],
        Reply::ec2_error(401, "AuthFailure", "AWS was not able to validate the provided access credentials"),
    );
    let client =
        Client::builder().region("us-east-1").credentials(creds()).endpoint_url(&server.url).build().expect("client");
    let err = client.disassociate_iam_instance_profile("iip-assoc-0123456789abcdef0").unwrap_err();
    let sigs = signatures(&server);
    assert!(!sigs.is_empty());
    assert_clean("Error", &format!("{err} {err:?} {err:#?}"), &sigs);
    // Transport errors and their sources too.
    let dead =
        Client::builder().region("us-east-1").credentials(creds()).endpoint_url("http://127.0.0.1:9").build().unwrap();
    let err = dead.disassociate_iam_instance_profile("iip-assoc-0123456789abcdef0").unwrap_err();
    let mut text = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        text.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert_clean("transport Error", &text, &[]);
    assert!(matches!(err, Error::Transport(_)));
}

#[test]
fn debug_hook_lines_never_show_secrets() {
    let server = FaultServer::start(vec![Reply::ec2_error(500, "InternalError", "x")], Reply::disassociated());
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let client = Client::builder()
        .region("us-east-1")
        .credentials(creds())
        .endpoint_url(&server.url)
        .on_debug(move |l| sink.lock().unwrap().push(l.to_owned()))
        .build()
        .unwrap();
    client.disassociate_iam_instance_profile("iip-assoc-0123456789abcdef0").unwrap();
    let text = lines.lock().unwrap().join("\n");
    assert!(text.contains("authorization:") && text.contains("** redacted **"), "{text}");
    assert_clean("debug lines", &text, &signatures(&server));
}

/// Runs the CLI against `server` with the secret credentials in its environment.
fn cli(server: &FaultServer, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_ec2-lite"))
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
