//! Secrets never leave: the secret key, the session token, the signing key
//! and the signatures must not appear in any `Debug` or `Display` of a public
//! type, in any error, or in any debug line. (What the CLI prints is checked in
//! `cli/tests/integration/secrets.rs`.)

use crate::support::fault::{FaultServer, Reply};
use crate::support::secrets::{AKID, SECRET, TOKEN, assert_clean, signatures};
use ec2_lite::sigv4::{self, SignableRequest, Signer, SigningParams};
use ec2_lite::{Client, Credentials, Error};

fn creds() -> Credentials {
    Credentials::new(AKID, SECRET, Some(TOKEN.to_owned()))
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
