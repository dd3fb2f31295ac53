//! The secrets the secrets tests hand out, and the check that none of them shows: used by the
//! library's `secrets.rs` and the CLI's.

use ec2_lite::sigv4;

use super::fault::FaultServer;

pub const AKID: &str = "AKIDSECRETSTEST";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETSECRET";
pub const TOKEN: &str = "FQoGZXIvYXdzEBEaDTOKENTOKENTOKENTOKEN//////////wEXAMPLE";

/// Fails if `text` holds a secret, the token, or any of `signatures`.
pub fn assert_clean(what: &str, text: &str, signatures: &[String]) {
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
pub fn signatures(server: &FaultServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").and_then(|a| a.rsplit_once("Signature=")).map(|(_, s)| s.to_owned()))
        .collect()
}
