//! AWS Signature Version 4, by hand and without I/O: give it a request, the
//! credentials and the time, get back the headers to add.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html>
//!
//! One step of the algorithm per file: `canonical_request.rs`,
//! `string_to_sign.rs` and `signing_key.rs`. The clock is never read here.

mod canonical_request;
mod signing_key;
mod string_to_sign;
pub(crate) mod uri;

use std::fmt;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::Credentials;
use canonical_request::Header;
pub use signing_key::derive_signing_key;
pub use uri::percent_decode;

/// SHA-256 of the empty string, the payload hash of a request with no body.
pub const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A request to sign, as it will go on the wire.
///
/// ```
/// use ec2_lite::sigv4::SignableRequest;
/// let body = b"Action=DescribeRegions&Version=2016-11-15";
/// let headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")];
/// let request = SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/")
///     .headers(&headers)
///     .body(body);
/// # let _ = request;
/// ```
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// A request with no query, no headers and an empty body.
    ///
    /// `host` is the `Host` header as sent: the host name, plus `:port` when the
    /// port is not the scheme's default. `path` is the path as it is on the wire
    /// (already percent-encoded); it is normalized and encoded once more, as
    /// every service but S3 expects.
    pub fn new(method: &'a str, host: &'a str, path: &'a str) -> Self {
        SignableRequest { method, host, path, query: &[], headers: &[], body: &[] }
    }

    /// Query parameters, decoded (`a b`, not `a%20b`); repeated names allowed.
    pub fn query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }

    /// Headers to sign, in the order they are sent. `Authorization`,
    /// `User-Agent` and hop-by-hop headers are left out of the signature;
    /// `X-Amz-Date` (and `X-Amz-Security-Token` with temporary credentials) are
    /// replaced by the signer's own.
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The exact body bytes that will be sent.
    pub fn body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }
}

impl fmt::Debug for SignableRequest<'_> {
    // Header values may hold a token; show names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field("header_names", &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Who signs, for which region and service, and when.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    credentials: &'a Credentials,
    region: &'a str,
    service: &'a str,
    time: OffsetDateTime,
    sign_session_token: bool,
}

impl<'a> SigningParams<'a> {
    /// Parameters for signing at `time` (any offset; it is converted to UTC).
    pub fn new(credentials: &'a Credentials, region: &'a str, service: &'a str, time: OffsetDateTime) -> Self {
        SigningParams { credentials, region, service, time, sign_session_token: true }
    }

    /// Whether the session token is part of the signature (the default, and
    /// what EC2 and STS expect). A few services want the token added after
    /// signing; pass `false` for them and send the token header unsigned.
    pub fn sign_session_token(mut self, sign: bool) -> Self {
        self.sign_session_token = sign;
        self
    }
}

/// What the signer produced: the headers to add to the request, and the
/// intermediate strings for debugging a mismatch with a server.
///
/// `Debug` leaves out the signature, the `Authorization` value and the token.
#[derive(Clone)]
pub struct SigningOutput {
    headers: Vec<(&'static str, String)>,
    canonical_request: String,
    string_to_sign: String,
    signature: String,
}

impl SigningOutput {
    /// Headers to set on the request: `x-amz-date`, `x-amz-security-token` (with
    /// temporary credentials, when signed) and `authorization`.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The canonical request (step 1). Holds the session token when it is signed.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The string to sign (step 2).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The hex signature. Anyone holding it can replay the request until it
    /// expires: do not log it.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        self.headers.iter().find(|(n, _)| *n == "authorization").map_or("", |(_, v)| v.as_str())
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("header_names", &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>())
            .field("string_to_sign", &self.string_to_sign)
            .finish_non_exhaustive()
    }
}

/// Signs `request`, deriving the signing key from scratch.
///
/// Use a [`Signer`] to keep the key between calls.
pub fn sign(request: &SignableRequest<'_>, params: &SigningParams<'_>) -> SigningOutput {
    sign_with(request, params, |date| {
        signing_key::hmac_keyed(&derive_signing_key(
            params.credentials.secret_access_key(),
            date,
            params.region,
            params.service,
        ))
    })
}

/// The `X-Amz-Date` value, `YYYYMMDD'T'HHMMSS'Z'` in UTC.
pub fn amz_date(time: OffsetDateTime) -> String {
    let t = time.to_offset(time::UtcOffset::UTC);
    let mut s = String::with_capacity(16);
    push_padded(&mut s, t.year().clamp(0, 9999).unsigned_abs(), 4);
    push_padded(&mut s, u32::from(u8::from(t.month())), 2);
    push_padded(&mut s, u32::from(t.day()), 2);
    s.push('T');
    push_padded(&mut s, u32::from(t.hour()), 2);
    push_padded(&mut s, u32::from(t.minute()), 2);
    push_padded(&mut s, u32::from(t.second()), 2);
    s.push('Z');
    s
}

/// Appends `bytes` as lowercase hex: what `hex::encode` gives, without its
/// char-by-char `String` building (three times per signature).
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX_LOWER[usize::from(b >> 4)]));
        out.push(char::from(HEX_LOWER[usize::from(b & 0x0f)]));
    }
}

fn push_padded(s: &mut String, n: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        s.push(char::from(b'0' + ((n / div) % 10) as u8));
        div /= 10;
    }
}

fn sign_with(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    keyed_mac_for: impl FnOnce(&str) -> Hmac<Sha256>,
) -> SigningOutput {
    let amz_date = amz_date(params.time);
    let date = &amz_date[..8];
    let token = params.credentials.session_token().filter(|_| params.sign_session_token);

    let mut headers: Vec<Header<'_>> = Vec::with_capacity(request.headers.len() + 3);
    let mut has_host = false;
    let mut payload_hash: Option<&str> = None;
    for &(name, value) in request.headers {
        let lname = name.to_ascii_lowercase();
        if !canonical_request::is_signable(&lname) || lname == "x-amz-date" {
            continue;
        }
        if lname == "x-amz-security-token" && token.is_some() {
            continue;
        }
        if lname == "x-amz-content-sha256" {
            // botocore signs this header's value in place of the body hash;
            // the first one when it is repeated.
            payload_hash.get_or_insert(value);
        }
        has_host |= lname == "host";
        headers.push(Header { name: lname, value });
    }
    if !has_host {
        headers.push(Header { name: "host".to_owned(), value: request.host });
    }
    headers.push(Header { name: "x-amz-date".to_owned(), value: &amz_date });
    if let Some(token) = token {
        headers.push(Header { name: "x-amz-security-token".to_owned(), value: token });
    }

    let body_hash;
    let payload_hash = match payload_hash {
        Some(h) => h,
        None if request.body.is_empty() => EMPTY_PAYLOAD_SHA256,
        None => {
            let mut hash = String::with_capacity(64);
            push_hex(&mut hash, &Sha256::digest(request.body));
            body_hash = hash;
            &body_hash
        }
    };

    let (canonical_request, signed_headers) =
        canonical_request::canonical_request(request.method, request.path, request.query, &mut headers, payload_hash);
    let scope = string_to_sign::scope(date, params.region, params.service);
    let string_to_sign = string_to_sign::string_to_sign(&amz_date, &scope, &canonical_request);
    let mut mac = keyed_mac_for(date);
    mac.update(string_to_sign.as_bytes());
    let mut signature = String::with_capacity(64);
    push_hex(&mut signature, &mac.finalize().into_bytes());

    let access_key_id = params.credentials.access_key_id();
    let mut authorization = String::with_capacity(
        string_to_sign::ALGORITHM.len() + access_key_id.len() + scope.len() + signed_headers.len() + 100,
    );
    authorization.push_str(string_to_sign::ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(access_key_id);
    authorization.push('/');
    authorization.push_str(&scope);
    authorization.push_str(", SignedHeaders=");
    authorization.push_str(&signed_headers);
    authorization.push_str(", Signature=");
    authorization.push_str(&signature);

    let mut out_headers = Vec::with_capacity(3);
    if let Some(token) = token {
        out_headers.push(("x-amz-security-token", token.to_owned()));
    }
    out_headers.push(("x-amz-date", amz_date.clone()));
    out_headers.push(("authorization", authorization));
    SigningOutput { headers: out_headers, canonical_request, string_to_sign, signature }
}

/// A signer that keeps the last derived signing key, so a steady stream of
/// calls does not redo four HMACs each time. Safe to share between threads.
#[derive(Default)]
pub struct Signer {
    cache: Mutex<Option<CachedKey>>,
}

struct CachedKey {
    date: String,
    region: String,
    service: String,
    secret_fingerprint: [u8; 32],
    /// HMAC-SHA256 keyed with the signing key, its key blocks already hashed.
    mac: Hmac<Sha256>,
}

impl Signer {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Signer::default()
    }

    /// Signs `request`, reusing the signing key when the day, region, service
    /// and secret are those of the previous call.
    pub fn sign(&self, request: &SignableRequest<'_>, params: &SigningParams<'_>) -> SigningOutput {
        sign_with(request, params, |date| {
            let secret = params.credentials.secret_access_key();
            // The cache holds a digest of the secret, never the secret itself.
            let fingerprint: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
            // A poisoned lock only means another thread panicked mid-update of a
            // plain cache; its content is still a valid key or nothing.
            let mut slot = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = slot.as_ref()
                && c.date == date
                && c.region == params.region
                && c.service == params.service
                && c.secret_fingerprint == fingerprint
            {
                return c.mac.clone();
            }
            let mac = signing_key::hmac_keyed(&derive_signing_key(secret, date, params.region, params.service));
            *slot = Some(CachedKey {
                date: date.to_owned(),
                region: params.region.to_owned(),
                service: params.service.to_owned(),
                secret_fingerprint: fingerprint,
                mac: mac.clone(),
            });
            mac
        })
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn creds() -> Credentials {
        Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)
    }

    #[test]
    fn amz_date_is_utc_compact() {
        assert_eq!(amz_date(datetime!(2015-08-30 12:36:00 UTC)), "20150830T123600Z");
        assert_eq!(amz_date(datetime!(2015-08-30 14:36:00 +02:00)), "20150830T123600Z");
    }

    #[test]
    fn ec2_disassociate_post_matches_botocore() {
        // Reference vector computed with botocore's SigV4Auth (see tests/sigv4_botocore.rs).
        let body =
            b"Action=DisassociateIamInstanceProfile&AssociationId=iip-assoc-0123456789abcdef0&Version=2016-11-15";
        let headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")];
        let req = SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/").headers(&headers).body(body);
        let c = creds();
        let params = SigningParams::new(&c, "us-east-1", "ec2", datetime!(2015-08-30 12:36:00 UTC));
        let out = sign(&req, &params);
        assert!(out.canonical_request().ends_with("5732b516dc48bff83391b28f8cbfb92b29fdbe90fffd55adbac0062cc1bfb5d5"));
        assert_eq!(out.signature(), "51cd4bf7c17326490a2068282a2876e85bac4790c0a2f2fe793c6595757eb60d");
        assert!(out.authorization().contains("SignedHeaders=content-type;host;x-amz-date, Signature="));
        // A cached key gives the same signature, on the first call and the next.
        let signer = Signer::new();
        assert_eq!(signer.sign(&req, &params).signature(), out.signature());
        assert_eq!(signer.sign(&req, &params).signature(), out.signature());
    }

    #[test]
    fn cache_notices_a_new_secret_region_and_day() {
        let signer = Signer::new();
        let req = SignableRequest::new("GET", "example.amazonaws.com", "/");
        let a = creds();
        let b = Credentials::new("AKIDEXAMPLE", "another-secret", None);
        let t = datetime!(2015-08-30 12:36:00 UTC);
        for (c, region, time) in [
            (&a, "us-east-1", t),
            (&b, "us-east-1", t),
            (&b, "eu-west-1", t),
            (&b, "eu-west-1", t + time::Duration::days(1)),
        ] {
            let p = SigningParams::new(c, region, "ec2", time);
            assert_eq!(signer.sign(&req, &p).signature(), sign(&req, &p).signature());
        }
    }

    #[test]
    fn debug_hides_signature_and_token() {
        let c = Credentials::new("AKIDEXAMPLE", "SECRETSECRET", Some("TOKENTOKEN".into()));
        let headers = [("X-Custom", "v")];
        let req = SignableRequest::new("GET", "h", "/").headers(&headers);
        let out = sign(&req, &SigningParams::new(&c, "r", "s", datetime!(2015-08-30 12:36:00 UTC)));
        let dbg = format!("{out:?} {req:?} {:?}", Signer::new());
        assert!(!dbg.contains(out.signature()));
        assert!(!dbg.contains("TOKENTOKEN"));
        assert!(!dbg.contains("SECRETSECRET"));
    }
}
