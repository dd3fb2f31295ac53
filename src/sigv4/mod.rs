//! AWS Signature Version 4, by hand and without I/O: give it a request as it
//! will be sent, the credentials and the time, get back the headers to add.
//! It fits any HTTP stack, for any AWS service that takes SigV4 in headers.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html>
//!
//! ```
//! use ec2_lite::sigv4::{self, SignableRequest, SigningParams};
//! use ec2_lite::Credentials;
//!
//! let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
//! let body = "Action=DescribeRegions&Version=2016-11-15";
//! // Host, path and query straight from the URL the request goes to.
//! let request = SignableRequest::from_url("POST", "https://ec2.us-east-1.amazonaws.com/")?
//!     .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
//!     .body(body.as_bytes());
//! // Any clock: `SystemTime` or `time::OffsetDateTime`.
//! let params = SigningParams::new(&credentials, "us-east-1", "ec2", std::time::SystemTime::now());
//! let signed = sigv4::sign(&request, &params);
//! assert_eq!(signed.signed_headers(), "content-type;host;x-amz-date");
//! for (name, value) in signed.headers() {
//!     // Set each one on the request (`x-amz-date`, `authorization`, and
//!     // `x-amz-security-token` with temporary credentials), then send it.
//!     # let _ = (name, value);
//! }
//! # Ok::<(), ec2_lite::Error>(())
//! ```
//!
//! # What is signed
//!
//! - The method, the path (normalized and encoded once more, as every
//!   service but S3 expects), the query, the headers you pass and the SHA-256
//!   of the body.
//! - `host`: from [`SignableRequest::new`]'s `host`, or a `Host` header you
//!   pass. [`host_header`] derives it from a URL as the SDKs do.
//! - Every header you pass except [`UNSIGNED_HEADERS`] (`User-Agent`,
//!   `Authorization`, hop-by-hop and trace headers), which may still be sent.
//!   Headers your HTTP stack adds on its own (`Content-Length`,
//!   `Accept-Encoding`, ...) need not be passed: unsigned headers are allowed.
//! - `x-amz-date`, and `x-amz-security-token` with temporary credentials: the
//!   signer's own values replace any you pass, and come back in
//!   [`SigningOutput::headers`].
//!
//! # The `Date` header
//!
//! As in botocore: when the request has a `Date` header, the signer signs a
//! `date` header holding the signing time (`Sun, 30 Aug 2015 12:36:00 -0000`)
//! in place of `x-amz-date`, and returns it in [`SigningOutput::headers`] to
//! replace yours. Without one, it signs and returns `x-amz-date`.
//!
//! ```
//! # use ec2_lite::sigv4::{self, SignableRequest, SigningParams};
//! # let credentials = ec2_lite::Credentials::new("AKIDEXAMPLE", "secret", None);
//! let request = SignableRequest::new("GET", "example.amazonaws.com", "/").header("Date", "whatever");
//! let time = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
//! let signed = sigv4::sign(&request, &SigningParams::new(&credentials, "us-east-1", "service", time));
//! assert_eq!(signed.signed_headers(), "date;host");
//! assert_eq!(signed.headers()[0], ("date", "Sun, 30 Aug 2015 12:36:00 -0000".to_owned()));
//! ```
//!
//! # The body hash, and streamed bodies
//!
//! The signature covers the SHA-256 of the body, so by default the whole body
//! is given to [`SignableRequest::body`]. To sign a body you stream, hash it
//! beforehand and send that hash, lowercase hex, in an `X-Amz-Content-SHA256`
//! header: when the request has that header, its value is signed as the body
//! hash and the body is not read (botocore does the same; with the header
//! repeated, the first value counts). S3 also accepts `UNSIGNED-PAYLOAD` there.
//!
//! ```
//! # use ec2_lite::sigv4::{self, SignableRequest, SigningParams};
//! # let credentials = ec2_lite::Credentials::new("AKIDEXAMPLE", "secret", None);
//! # let params = SigningParams::new(&credentials, "us-east-1", "service", std::time::SystemTime::now());
//! use sha2::{Digest, Sha256};
//! let mut hasher = Sha256::new();
//! for chunk in [&b"first part, "[..], b"second part"] {
//!     hasher.update(chunk); // e.g. read from a file
//! }
//! let hash = hex::encode(hasher.finalize());
//! let request = SignableRequest::new("PUT", "example.amazonaws.com", "/upload")
//!     .header("X-Amz-Content-SHA256", hash.as_str()); // no `.body(...)`: it is streamed later
//! let signed = sigv4::sign(&request, &params);
//! assert!(signed.canonical_request().ends_with(&hash));
//! assert_eq!(signed.signed_headers(), "host;x-amz-content-sha256;x-amz-date");
//! ```
//!
//! # The query
//!
//! Give it decoded, with [`SignableRequest::query`] (the signer encodes it;
//! put [`query_string`] of the same pairs on the URL), or exactly as it is
//! sent, with [`SignableRequest::raw_query`] or [`SignableRequest::from_url`],
//! which also signs escapes that are not UTF-8 (`?a=%FF`). Either way a `+`
//! is a plus sign: to send a space, write `%20` ([`percent_encode`]).
//!
//! One step of the algorithm per file: `canonical_request.rs`,
//! `string_to_sign.rs` and `signing_key.rs`; `percent.rs` is the crate's one
//! RFC 3986 encoder. The clock is never read here.

mod canonical_request;
pub(crate) mod percent;
mod signing_key;
mod string_to_sign;
mod url;

use std::borrow::Cow;
use std::fmt;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Credentials, Error};
use canonical_request::Header;
pub use canonical_request::UNSIGNED_HEADERS;
pub use percent::{percent_decode, percent_encode, query_string};
pub use signing_key::derive_signing_key;
pub use url::host_header;

/// SHA-256 of the empty string, the payload hash of a request with no body.
pub const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A name and a value, for headers and query parameters: a tuple `(K, V)`, or
/// a reference to one, whose parts are `AsRef<str>` (`&str`, `String`,
/// `&String`, `Cow<str>`...). So `[("a", "b")]`, `&[("a", "b")]`,
/// `Vec<(String, String)>` and a `HashMap<String, String>`'s `.iter()` all
/// fit where an `IntoIterator<Item = impl Pair>` is asked for.
pub trait Pair {
    /// The name.
    fn name(&self) -> &str;
    /// The value.
    fn value(&self) -> &str;
}

impl<K: AsRef<str>, V: AsRef<str>> Pair for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl<T: Pair + ?Sized> Pair for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn value(&self) -> &str {
        (**self).value()
    }
}

/// A request to sign, as it will go on the wire.
///
/// Built from a URL, or from its host and path; then the query, headers and
/// body are added. Each adding method appends to what is there.
///
/// ```
/// use ec2_lite::sigv4::SignableRequest;
/// let body = b"Action=DescribeRegions&Version=2016-11-15";
/// let request = SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/")
///     .headers([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
///     .body(body);
///
/// // Owned data needs no borrowing dance:
/// let headers: Vec<(String, String)> = vec![("X-Custom".into(), "v".into())];
/// let request = SignableRequest::new("GET".to_owned(), String::from("example.com"), "/".to_owned())
///     .query(vec![("a".to_owned(), "b c".to_owned())])
///     .headers(&headers);
/// # let _ = request;
/// ```
#[derive(Clone)]
pub struct SignableRequest<'a> {
    method: Cow<'a, str>,
    host: Cow<'a, str>,
    path: Cow<'a, str>,
    /// Already RFC 3986-encoded, in the order given.
    query: Vec<(String, String)>,
    /// Names lowercased, values as given, in the order given.
    headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// A request with no query, no headers and an empty body.
    ///
    /// `host` is the `Host` header as sent: the host name, plus `:port` when the
    /// port is not the scheme's default ([`host_header`] derives it from a
    /// URL). `path` is the path as it is on the wire (already percent-encoded);
    /// it is normalized and encoded once more, as every service but S3 expects.
    pub fn new(method: impl Into<Cow<'a, str>>, host: impl Into<Cow<'a, str>>, path: impl Into<Cow<'a, str>>) -> Self {
        SignableRequest {
            method: method.into(),
            host: host.into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: &[],
        }
    }

    /// A request to `url`: the `Host` from its authority ([`host_header`]), its
    /// path as it is (`/` when it has none), and its query exactly as sent
    /// ([`raw_query`](Self::raw_query)). A `#fragment` is ignored.
    ///
    /// ```
    /// use ec2_lite::sigv4::SignableRequest;
    /// let request = SignableRequest::from_url("GET", "http://127.0.0.1:5000/?Action=DescribeRegions&Version=2016-11-15")?;
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a URL without `scheme://` or host, or with a
    /// malformed port.
    pub fn from_url(method: impl Into<Cow<'a, str>>, url: &str) -> Result<Self, Error> {
        let host = host_header(url)?;
        let parts = url::split_url(url)?;
        let path = if parts.path.is_empty() { "/" } else { parts.path };
        let request = SignableRequest::new(method, host, path.to_owned());
        Ok(match parts.query {
            Some(query) => request.raw_query(query),
            None => request,
        })
    }

    /// Adds query parameters, decoded (`a b`, not `a%20b`); repeated names
    /// allowed. The signer encodes them per RFC 3986: send the query that
    /// [`query_string`] makes of the same pairs.
    pub fn query<P: Pair>(mut self, pairs: impl IntoIterator<Item = P>) -> Self {
        for pair in pairs {
            canonical_request::push_encoded_pair(&mut self.query, pair.name(), pair.value());
        }
        self
    }

    /// Adds the query exactly as it is sent, after the `?`: raw bytes, escapes
    /// included, even those that decode to bytes that are not UTF-8 (`a=%FF`).
    ///
    /// It is split on `&` and at the first `=` of each piece, and each part is
    /// decoded and encoded again as the server does, so `%e9` is signed as
    /// `%E9` and a literal `+` as `%2B` (a plus sign, not a space).
    ///
    /// ```
    /// # use ec2_lite::sigv4::{self, SignableRequest, SigningParams};
    /// # let credentials = ec2_lite::Credentials::new("AKIDEXAMPLE", "secret", None);
    /// # let params = SigningParams::new(&credentials, "us-east-1", "service", std::time::SystemTime::now());
    /// let request = SignableRequest::new("GET", "example.amazonaws.com", "/").raw_query("b=%FF&a=%e9");
    /// let signed = sigv4::sign(&request, &params);
    /// assert_eq!(signed.canonical_request().lines().nth(2), Some("a=%E9&b=%FF"));
    /// ```
    pub fn raw_query(mut self, query: impl AsRef<[u8]>) -> Self {
        canonical_request::push_raw_query(&mut self.query, query.as_ref());
        self
    }

    /// Adds one header to sign. See [`headers`](Self::headers).
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers.push((name.as_ref().to_ascii_lowercase().into(), value.as_ref().to_owned().into()));
        self
    }

    /// Adds headers to sign, in the order they are sent. Names are compared
    /// without case; values of a repeated name are signed joined with `,`.
    ///
    /// [`UNSIGNED_HEADERS`] are left out of the signature. `X-Amz-Date` (and
    /// `X-Amz-Security-Token` with temporary credentials) are replaced by the
    /// signer's own, and so is the value of a `Date` header (see the
    /// [module docs](self#the-date-header)). An `X-Amz-Content-SHA256` header
    /// stands for the body hash (see
    /// [streamed bodies](self#the-body-hash-and-streamed-bodies)).
    pub fn headers<P: Pair>(mut self, headers: impl IntoIterator<Item = P>) -> Self {
        for pair in headers {
            self.headers.push((pair.name().to_ascii_lowercase().into(), pair.value().to_owned().into()));
        }
        self
    }

    /// [`header`](Self::header), borrowing the name and the value: a request built by the
    /// client copies nothing (a name that is not lowercase is still lowercased).
    pub(crate) fn borrowed_header(mut self, name: &'a str, value: &'a str) -> Self {
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        self.headers.push((name, value.into()));
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
            .field("header_names", &self.headers.iter().map(|(n, _)| n.as_ref()).collect::<Vec<&str>>())
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
    /// Parameters for signing at `time`: a [`std::time::SystemTime`] (e.g.
    /// `SystemTime::now()`) or a [`time::OffsetDateTime`] in any offset (it is
    /// converted to UTC). `service` is the signing name, e.g. `ec2`, `sts`.
    ///
    /// ```
    /// use ec2_lite::sigv4::SigningParams;
    /// let credentials = ec2_lite::Credentials::new("AKIDEXAMPLE", "secret", None);
    /// let now = SigningParams::new(&credentials, "eu-west-1", "ec2", std::time::SystemTime::now());
    /// let fixed = SigningParams::new(&credentials, "eu-west-1", "ec2", ec2_lite::time::OffsetDateTime::UNIX_EPOCH);
    /// # let _ = (now, fixed);
    /// ```
    pub fn new(
        credentials: &'a Credentials,
        region: &'a str,
        service: &'a str,
        time: impl Into<OffsetDateTime>,
    ) -> Self {
        SigningParams { credentials, region, service, time: time.into(), sign_session_token: true }
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
    signed_headers: String,
    signature: String,
}

impl SigningOutput {
    /// Headers to set on the request, replacing any of the same name:
    /// `x-amz-security-token` (with temporary credentials, when signed),
    /// `x-amz-date` (or `date`, when the request has a `Date` header) and
    /// `authorization`, in that order.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The names of the signed headers, lowercase, sorted, joined by `;`:
    /// `content-type;host;x-amz-date`. Send every one of them with the value
    /// that was signed.
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
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
///
/// ```
/// let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
/// assert_eq!(ec2_lite::sigv4::amz_date(t), "20150830T123600Z");
/// ```
pub fn amz_date(time: impl Into<OffsetDateTime>) -> String {
    let t = time.into().to_offset(time::UtcOffset::UTC);
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
    // Two digits at a time, a chunk at a time: pushing them one `char` at a time was
    // a tenth of the signer's own work.
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        out.push_str(hex_into(&mut buf, chunk));
    }
}

/// `bytes` (at most 32) as lowercase hex, written into `buf`.
fn hex_into<'b>(buf: &'b mut [u8; 64], bytes: &[u8]) -> &'b str {
    const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
    for (pair, &b) in buf.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX_LOWER[usize::from(b >> 4)];
        pair[1] = HEX_LOWER[usize::from(b & 0x0f)];
    }
    let digits = buf.get(..bytes.len() * 2).unwrap_or_default();
    // ASCII digits and letters only: always UTF-8.
    std::str::from_utf8(digits).unwrap_or_default()
}

/// The `Date` value botocore signs in place of `X-Amz-Date` (Python's
/// `email.utils.formatdate`): `Sun, 30 Aug 2015 12:36:00 -0000`.
fn http_date(time: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let t = time.to_offset(time::UtcOffset::UTC);
    let day = DAYS.get(usize::from(t.weekday().number_days_from_monday())).copied().unwrap_or("Mon");
    let month = MONTHS.get(usize::from(u8::from(t.month()) - 1)).copied().unwrap_or("Jan");
    let mut s = String::with_capacity(31);
    s.push_str(day);
    s.push_str(", ");
    push_padded(&mut s, u32::from(t.day()), 2);
    s.push(' ');
    s.push_str(month);
    s.push(' ');
    push_padded(&mut s, t.year().clamp(0, 9999).unsigned_abs(), 4);
    s.push(' ');
    push_padded(&mut s, u32::from(t.hour()), 2);
    s.push(':');
    push_padded(&mut s, u32::from(t.minute()), 2);
    s.push(':');
    push_padded(&mut s, u32::from(t.second()), 2);
    s.push_str(" -0000");
    s
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
    let mut has_date = false;
    let mut payload_hash: Option<&str> = None;
    for (name, value) in &request.headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        if !canonical_request::is_signable(name) || name == "x-amz-date" {
            continue;
        }
        if name == "x-amz-security-token" && token.is_some() {
            continue;
        }
        if name == "date" {
            // Signed below with the signing time, as botocore does.
            has_date = true;
            continue;
        }
        if name == "x-amz-content-sha256" {
            // botocore signs this header's value in place of the body hash;
            // the first one when it is repeated.
            payload_hash.get_or_insert(value);
        }
        has_host |= name == "host";
        headers.push(Header { name, value });
    }
    if !has_host {
        headers.push(Header { name: "host", value: &request.host });
    }
    // `X-Amz-Date` is `amz_date` itself, moved into the output at the end.
    let date_value = has_date.then(|| http_date(params.time));
    match &date_value {
        Some(value) => headers.push(Header { name: "date", value }),
        None => headers.push(Header { name: "x-amz-date", value: &amz_date }),
    }
    if let Some(token) = token {
        headers.push(Header { name: "x-amz-security-token", value: token });
    }

    let mut body_hash = [0u8; 64];
    let payload_hash = match payload_hash {
        Some(h) => h,
        None if request.body.is_empty() => EMPTY_PAYLOAD_SHA256,
        None => hex_into(&mut body_hash, &Sha256::digest(request.body)),
    };

    let (canonical_request, signed_headers) = canonical_request::canonical_request(
        &request.method,
        &request.path,
        &request.query,
        &mut headers,
        payload_hash,
    );
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
    out_headers.push(match date_value {
        Some(value) => ("date", value),
        None => ("x-amz-date", amz_date),
    });
    out_headers.push(("authorization", authorization));
    SigningOutput { headers: out_headers, canonical_request, string_to_sign, signed_headers, signature }
}

/// A signer that keeps the last derived signing key, so a steady stream of
/// calls does not redo four HMACs each time. Safe to share between threads.
///
/// Its signatures are those of [`sign`], byte for byte; only the key is kept
/// (for the same UTC day, region, service and secret).
///
/// ```
/// use ec2_lite::sigv4::{SignableRequest, Signer, SigningParams};
/// use ec2_lite::Credentials;
///
/// let signer = Signer::new();
/// let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
/// for id in ["iip-assoc-1", "iip-assoc-2"] {
///     let body = format!("Action=DisassociateIamInstanceProfile&AssociationId={id}&Version=2016-11-15");
///     let request = SignableRequest::from_url("POST", "https://ec2.us-east-1.amazonaws.com/")?
///         .header("content-type", ec2_lite::wire::CONTENT_TYPE)
///         .body(body.as_bytes());
///     let params = SigningParams::new(&credentials, "us-east-1", "ec2", std::time::SystemTime::now());
///     let signed = signer.sign(&request, &params); // the second call reuses the key
///     assert!(signed.authorization().starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
/// }
/// # Ok::<(), ec2_lite::Error>(())
/// ```
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
            let fingerprint = params.credentials.secret_fingerprint();
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
    fn date_header_is_in_python_formatdate_form() {
        // Values from Python's `email.utils.formatdate(t)`.
        assert_eq!(http_date(datetime!(2015-08-30 12:36:00 UTC)), "Sun, 30 Aug 2015 12:36:00 -0000");
        assert_eq!(http_date(datetime!(2000-01-03 00:00:09 +01:00)), "Sun, 02 Jan 2000 23:00:09 -0000");
        assert_eq!(http_date(datetime!(2099-12-31 23:59:59 UTC)), "Thu, 31 Dec 2099 23:59:59 -0000");
    }

    #[test]
    fn ec2_disassociate_post_matches_botocore() {
        // Reference vector computed with botocore's SigV4Auth (see tests/integration/sigv4_botocore.rs).
        let body =
            b"Action=DisassociateIamInstanceProfile&AssociationId=iip-assoc-0123456789abcdef0&Version=2016-11-15";
        let headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")];
        let req = SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/").headers(headers).body(body);
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
        let req = SignableRequest::new("GET", "h", "/").headers(headers);
        let out = sign(&req, &SigningParams::new(&c, "r", "s", datetime!(2015-08-30 12:36:00 UTC)));
        let dbg = format!("{out:?} {req:?} {:?}", Signer::new());
        assert!(!dbg.contains(out.signature()));
        assert!(!dbg.contains("TOKENTOKEN"));
        assert!(!dbg.contains("SECRETSECRET"));
    }
}
