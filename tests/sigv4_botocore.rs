//! Differential test against botocore's `SigV4Auth` (the signer behind boto3
//! and the AWS CLI): generated requests are signed by both, and the canonical
//! request, string to sign and `Authorization` must agree byte for byte.
//!
//! The official suite has 34 hand-picked cases; this covers the combinations
//! it does not (repeated query names, reserved characters, odd paths and
//! headers, binary bodies, tokens, other regions and dates). The generator is
//! seeded, so a failure reproduces on every run and machine.
//!
//! Needs the test venv (botocore); without it the test is skipped by name, or
//! fails when `EC2_LITE_REQUIRE_VENV=1` (see `tests/support/python.rs`).

mod support;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use ec2_lite::Credentials;
use ec2_lite::sigv4::{self, SignableRequest, Signer, SigningOutput, SigningParams, percent_encode};
use serde_json::{Value, json};
use time::{OffsetDateTime, UtcOffset};

const TEST_NAME: &str = "sigv4_botocore::botocore_agrees_on_generated_requests";
const REQUESTS: usize = 1500;
const SEED: u64 = 0x5167_7634_2015_0830;
const SHOWN_IN_FULL: usize = 20;

/// splitmix64: a few lines, no dependency, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next_u64() % 100 < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];

// Lowercase, and a port only when it is not the scheme's default: that is the
// `Host` botocore derives from the URL, and what our API asks for.
const HOSTS: &[&str] = &[
    "ec2.us-east-1.amazonaws.com",
    "example.amazonaws.com",
    "iam.amazonaws.com",
    "ec2.cn-north-1.amazonaws.com.cn",
    "localhost:8443",
    "127.0.0.1:5000",
];

// No `?`, `#` or lone `%`: their meaning in a path on the wire is not the
// signer's business. `%3D` and friends are escapes already on the wire, which
// the canonical path must encode a second time.
const PATH_SEGMENTS: &[&str] = &[
    "",
    ".",
    "..",
    "...",
    ".hidden",
    "a.",
    "example",
    "A~b_c-d.e",
    "%3D",
    "%2F",
    "%20",
    "%E2%82%AC",
    "a b",
    "\u{e9}",
    "\u{65e5}\u{672c}",
    "\u{1f980}",
    "@connections",
    "$",
    "!'()*",
    "a:b",
    ",",
    ";",
    "=",
    "+",
    "&",
    "[x]",
];

const QUERY_NAMES: &[&str] = &[
    "Action",
    "action",
    "ACTION",
    "Version",
    "Param",
    "param",
    "Param-3",
    "a",
    "A",
    "",
    "key with space",
    "\u{43a}\u{43b}\u{44e}\u{447}",
    "a+b",
    "a=b",
    "a&b",
    "~tilde",
    "%41",
    "Filter.1.Name",
    "Filter.1.Value.1",
];

const QUERY_VALUES: &[&str] = &[
    "",
    "v",
    "value1",
    "Value1",
    "a b",
    "a+b",
    "x=y",
    "a&b=c",
    "\u{e9}",
    "\u{1f980}",
    "/path/to",
    "%20",
    "*",
    "~",
    "2016-11-15",
    "arn:aws:iam::123456789012:instance-profile/x",
    "  padded  ",
    "tab\there",
];

/// Headers a caller may want signed, in several spellings of the same names.
const HEADER_NAMES: &[&str] = &[
    "Content-Type",
    "content-type",
    "CONTENT-TYPE",
    "X-Amz-Target",
    "x-amz-meta-Foo",
    "X-Custom",
    "x-custom",
    "My-Header1",
    "my-header2",
    "Accept",
    "Accept-Encoding",
    "Content-Encoding",
    "Cache-Control",
    "X-Amz-User-Agent",
];

/// Headers never signed: hop-by-hop, rewritten by proxies, or the signature itself.
const UNSIGNED_HEADER_NAMES: &[&str] = &[
    "User-Agent",
    "Connection",
    "Expect",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "TE",
    "Trailer",
    "Transfer-Encoding",
    "Upgrade",
    "X-Amzn-Trace-Id",
    "Authorization",
    "baggage",
    "traceparent",
    "tracestate",
];

// Folding uses a line break followed by white space only: anything else
// would be a second header (or an injection), not a value.
const HEADER_VALUES: &[&str] = &[
    "value",
    "VALUE1",
    "  padded  ",
    "\ttabbed\t",
    "a   b   c",
    "\"a   b   c\"",
    "",
    "   ",
    "line1\n  line2",
    "line1\r\n\tline2\r\n line3",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded; charset=utf-8",
    "a,b",
    "\u{e9} \u{fc}  \u{65e5}\u{672c}",
    "gzip, deflate",
    "*/*",
];

/// URL authorities for requests signed from a URL, with the `Host` botocore
/// derives from each (lowercase, no default port, no userinfo, IPv6 brackets).
const AUTHORITIES: &[(&str, &str)] = &[
    ("EC2.US-East-1.AmazonAWS.com:443", "ec2.us-east-1.amazonaws.com"),
    ("example.amazonaws.com", "example.amazonaws.com"),
    ("localhost:8443", "localhost:8443"),
    ("user:pass@127.0.0.1:5000", "127.0.0.1:5000"),
    ("[::1]:8443", "[::1]:8443"),
    ("[2001:DB8::1]:443", "[2001:db8::1]"),
];

/// Escapes as they may appear in a query on the wire, some of them bytes
/// that are not UTF-8, which decoded pairs cannot carry.
const RAW_QUERY_PARTS: &[&str] = &["%FF", "%00", "%C3%28", "a%80b", "%E9", "%F0%9F%A6%80", "%25FF", "%2B%20"];

const REGIONS: &[&str] = &["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "me-central-1"];
const SERVICES: &[&str] = &["ec2", "iam", "sts", "service", "execute-api", "monitoring"];
const ACCESS_KEYS: &[&str] = &["AKIDEXAMPLE", "ASIAEXAMPLE123456789", "AKIAIOSFODNN7EXAMPLE"];

// The last one makes "AWS4" + secret longer than an HMAC block (64 bytes),
// which HMAC must hash first.
const SECRETS: &[&str] = &[
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "s",
    "9drTJvcXLB89EXAMPLELB8923FB892xMFI/+=9drTJvcXLB89EXAMPLELB8923FB892xMFI/+=",
];

const TOKENS: &[&str] = &[
    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflf+/=",
    "token  with   inner spaces",
    " padded-token ",
];

#[derive(Debug)]
struct Generated {
    method: &'static str,
    host: &'static str,
    path: String,
    query: Vec<(String, String)>,
    /// When set, the request is signed from this URL (authority, path and the
    /// query as sent, encoded from `query` plus raw escapes), not from parts.
    url: Option<(&'static str, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    access_key: &'static str,
    secret: &'static str,
    token: Option<&'static str>,
    sign_token: bool,
    region: &'static str,
    service: &'static str,
    time: OffsetDateTime,
}

fn generate(rng: &mut Rng) -> Generated {
    let method = rng.pick(METHODS);
    let from_url = rng.percent(40);
    let (authority, host) = if from_url { AUTHORITIES[rng.below(AUTHORITIES.len())] } else { ("", rng.pick(HOSTS)) };

    let mut path = String::new();
    if rng.percent(10) {
        path.push('/');
    }
    let segments = rng.below(6);
    for _ in 0..segments {
        path.push('/');
        path.push_str(rng.pick(PATH_SEGMENTS));
    }
    if segments == 0 || rng.percent(25) {
        path.push('/');
    }
    if segments == 0 && rng.percent(10) {
        // An empty path goes on the wire as `/`.
        path.clear();
    }

    let mut query: Vec<(String, String)> = Vec::new();
    for _ in 0..rng.below(8) {
        let pair = if !query.is_empty() && rng.percent(15) {
            // A repeat of an earlier name, with the same or another value.
            let name = query[rng.below(query.len())].0.clone();
            (name, rng.pick(QUERY_VALUES).to_owned())
        } else {
            (rng.pick(QUERY_NAMES).to_owned(), rng.pick(QUERY_VALUES).to_owned())
        };
        query.push(pair);
    }

    let url = from_url.then(|| {
        // The query as sent: encoded pairs, with raw escapes mixed in, and now
        // and then an empty piece or one without `=`.
        let mut pieces: Vec<String> = query
            .iter()
            .map(|(n, v)| {
                let mut value = percent_encode(v);
                if rng.percent(40) {
                    value.push_str(rng.pick(RAW_QUERY_PARTS));
                }
                format!("{}={value}", percent_encode(n))
            })
            .collect();
        if rng.percent(15) {
            pieces.push(rng.pick(&["", "flag", "%FF"]).to_owned());
        }
        let raw = pieces.join("&");
        let url = if raw.is_empty() && rng.percent(50) {
            format!("https://{authority}{path}")
        } else {
            format!("https://{authority}{path}?{raw}")
        };
        (authority, url)
    });

    let body: Vec<u8> = match rng.below(3) {
        0 => Vec::new(),
        1 => format!("Action=DescribeRegions&Version=2016-11-15&Note={}", rng.pick(QUERY_VALUES)).into_bytes(),
        _ => (0..1 + rng.below(512)).map(|_| rng.next_u64() as u8).collect(),
    };

    let mut headers: Vec<(String, String)> = Vec::new();
    for _ in 0..rng.below(9) {
        let header = match rng.below(10) {
            0 if !headers.is_empty() => {
                // The same name again, maybe spelled differently: values join with `,`.
                let name = headers[rng.below(headers.len())].0.clone();
                let name = if rng.percent(50) { name.to_ascii_uppercase() } else { name };
                (name, rng.pick(HEADER_VALUES).to_owned())
            }
            1 => (rng.pick(UNSIGNED_HEADER_NAMES).to_owned(), rng.pick(HEADER_VALUES).to_owned()),
            2 => special_header(rng, host, &body),
            _ => (rng.pick(HEADER_NAMES).to_owned(), rng.pick(HEADER_VALUES).to_owned()),
        };
        headers.push(header);
    }

    let token = rng.percent(50).then(|| rng.pick(TOKENS));
    let sign_token = rng.percent(80);

    Generated {
        method,
        host,
        path,
        query,
        url,
        headers,
        body,
        access_key: rng.pick(ACCESS_KEYS),
        secret: rng.pick(SECRETS),
        token,
        sign_token,
        region: rng.pick(REGIONS),
        service: rng.pick(SERVICES),
        time: random_time(rng),
    }
}

/// Headers whose value must fit the request, or that the signer itself has a
/// say in: `Host`, `Content-Length`, and the ones it replaces or reads
/// (`X-Amz-Date`, `X-Amz-Security-Token`, `X-Amz-Content-SHA256`).
/// `Date`: botocore signs the signing time in it instead of `X-Amz-Date`.
fn special_header(rng: &mut Rng, host: &str, body: &[u8]) -> (String, String) {
    let (name, value) = match rng.below(7) {
        6 => (rng.pick(&["Date", "date"]), "Tue, 15 Nov 1994 08:12:31 GMT".to_owned()),
        0 => (rng.pick(&["Host", "host", "HOST"]), host.to_owned()),
        1 => ("Host", format!("  {}  ", host.to_ascii_uppercase())),
        2 => (rng.pick(&["X-Amz-Date", "x-amz-date"]), "20000101T000000Z".to_owned()),
        3 => (rng.pick(&["X-Amz-Security-Token", "x-amz-security-token"]), rng.pick(TOKENS).to_owned()),
        4 => ("Content-Length", body.len().to_string()),
        _ => {
            use sha2::{Digest, Sha256};
            let value = match rng.below(3) {
                0 => hex::encode(Sha256::digest(body)),
                1 => "UNSIGNED-PAYLOAD".to_owned(),
                _ => " STREAMING-AWS4-HMAC-SHA256-PAYLOAD ".to_owned(),
            };
            (rng.pick(&["X-Amz-Content-SHA256", "x-amz-content-sha256"]), value)
        }
    };
    (name.to_owned(), value)
}

/// Any second from 2000 to 2099, seen from a zone that is often on another
/// calendar day than UTC, so the scope date must come from the UTC time.
fn random_time(rng: &mut Rng) -> OffsetDateTime {
    const Y2000: i64 = 946_684_800;
    const Y2100: i64 = 4_102_444_800;
    let secs = Y2000 + (rng.next_u64() % (Y2100 - Y2000) as u64) as i64;
    let offset_minutes = *[0i16, 0, 120, -420, 345, 840, -720].get(rng.below(7)).unwrap_or(&0);
    let offset = UtcOffset::from_whole_seconds(i32::from(offset_minutes) * 60).expect("offset in range");
    OffsetDateTime::from_unix_timestamp(secs).expect("time in range").to_offset(offset)
}

impl Generated {
    fn to_json(&self, id: usize) -> Value {
        json!({
            "id": id,
            "method": self.method,
            "scheme": "https",
            "host": self.host,
            "path": self.path,
            "query": self.query,
            "url": self.url.as_ref().map(|(_, url)| url),
            "headers": self.headers,
            "body_hex": hex::encode(&self.body),
            "access_key": self.access_key,
            "secret_key": self.secret,
            // botocore has no "sign later" mode: an unsigned token is no token.
            "token": if self.sign_token { self.token } else { None },
            "region": self.region,
            "service": self.service,
            "unix_time": self.time.unix_timestamp(),
        })
    }

    fn sign(&self, signer: Option<&Signer>) -> SigningOutput {
        let credentials = Credentials::new(self.access_key, self.secret, self.token.map(str::to_owned));
        let query: Vec<(&str, &str)> = self.query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let request = match &self.url {
            Some((_, url)) => SignableRequest::from_url(self.method, url).expect("generated URLs are valid"),
            None => SignableRequest::new(self.method, self.host, &self.path).query(&query),
        };
        let request = request.headers(&headers).body(&self.body);
        let params =
            SigningParams::new(&credentials, self.region, self.service, self.time).sign_session_token(self.sign_token);
        match signer {
            Some(signer) => signer.sign(&request, &params),
            None => sigv4::sign(&request, &params),
        }
    }
}

/// Runs botocore once over all requests: one JSON line in, one out, same order.
fn sign_with_botocore(python: &std::path::Path, requests: &[Value]) -> Vec<Value> {
    let script = support::python::repo_root().join("tests/support/botocore_sign.py");
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{TEST_NAME}: cannot start {}: {e}", python.display()));

    // Feed stdin from another thread: writing everything before reading would
    // deadlock once the output pipe fills up.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));

    let stdout = child.stdout.take().expect("piped stdout");
    let results: Vec<Value> = BufReader::new(stdout)
        .lines()
        .map(|line| serde_json::from_str(&line.expect("utf-8 line from python")).expect("JSON line from python"))
        .collect();
    writer.join().expect("writer thread").expect("writing requests to python");
    let status = child.wait().expect("python exit status");
    assert!(status.success(), "{TEST_NAME}: botocore_sign.py failed ({status}); its stderr is above");
    assert_eq!(
        results.len(),
        requests.len(),
        "botocore_sign.py answered {} of {} requests",
        results.len(),
        requests.len()
    );
    results
}

/// How often the generator hit each feature; a generator change that stops
/// producing one of them must fail rather than quietly test less.
fn coverage(requests: &[Generated]) -> Vec<(&'static str, usize)> {
    let count = |f: &dyn Fn(&Generated) -> bool| requests.iter().filter(|r| f(r)).count();
    let has_header =
        |r: &Generated, names: &[&str]| r.headers.iter().any(|(n, _)| names.iter().any(|x| x.eq_ignore_ascii_case(n)));
    vec![
        ("dot segment in path", count(&|r| r.path.split('/').any(|s| s == "." || s == ".."))),
        ("`//` in path", count(&|r| r.path.contains("//"))),
        ("escape in path", count(&|r| r.path.contains('%'))),
        ("non-ASCII path", count(&|r| !r.path.is_ascii())),
        (
            "repeated query name",
            count(&|r| (1..r.query.len()).any(|i| r.query[..i].iter().any(|p| p.0 == r.query[i].0))),
        ),
        ("empty query name", count(&|r| r.query.iter().any(|(n, _)| n.is_empty()))),
        ("empty query value", count(&|r| r.query.iter().any(|(_, v)| v.is_empty()))),
        ("`+`/`=`/`&` in query value", count(&|r| r.query.iter().any(|(_, v)| v.contains(['+', '=', '&'])))),
        ("non-ASCII query", count(&|r| r.query.iter().any(|(n, v)| !n.is_ascii() || !v.is_ascii()))),
        (
            "repeated header name",
            count(&|r| {
                (1..r.headers.len()).any(|i| r.headers[..i].iter().any(|h| h.0.eq_ignore_ascii_case(&r.headers[i].0)))
            }),
        ),
        ("folded header value", count(&|r| r.headers.iter().any(|(_, v)| v.contains('\n')))),
        ("padded header value", count(&|r| r.headers.iter().any(|(_, v)| v.starts_with([' ', '\t'])))),
        ("empty header value", count(&|r| r.headers.iter().any(|(_, v)| v.is_empty()))),
        ("unsigned header", count(&|r| has_header(r, UNSIGNED_HEADER_NAMES))),
        ("Host header", count(&|r| has_header(r, &["host"]))),
        ("X-Amz-Date header", count(&|r| has_header(r, &["x-amz-date"]))),
        ("Date header", count(&|r| has_header(r, &["date"]))),
        ("signed from a URL", count(&|r| r.url.is_some())),
        ("URL host not as sent", count(&|r| r.url.as_ref().is_some_and(|(a, _)| *a != r.host))),
        ("IPv6 host", count(&|r| r.host.starts_with('['))),
        (
            "query escape that is not UTF-8",
            count(&|r| r.url.as_ref().is_some_and(|(_, u)| u.contains("%FF") || u.contains("%80"))),
        ),
        ("X-Amz-Security-Token header", count(&|r| has_header(r, &["x-amz-security-token"]))),
        ("X-Amz-Content-SHA256 header", count(&|r| has_header(r, &["x-amz-content-sha256"]))),
        ("Content-Length header", count(&|r| has_header(r, &["content-length"]))),
        ("empty body", count(&|r| r.body.is_empty())),
        ("text body", count(&|r| !r.body.is_empty() && std::str::from_utf8(&r.body).is_ok())),
        ("binary body", count(&|r| std::str::from_utf8(&r.body).is_err())),
        ("signed session token", count(&|r| r.token.is_some() && r.sign_token)),
        ("unsigned session token", count(&|r| r.token.is_some() && !r.sign_token)),
        ("no session token", count(&|r| r.token.is_none())),
        ("non-UTC time", count(&|r| !r.time.offset().is_utc())),
    ]
}

/// The fields where ours and botocore's differ, as printable blocks.
fn differences(ours: &SigningOutput, theirs: &Value) -> Vec<String> {
    if let Some(error) = theirs.get("error").and_then(Value::as_str) {
        return vec![format!("  botocore raised:\n{error}")];
    }
    let header = |name: &str| ours.headers().iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
    let fields = [
        ("canonical request", Some(ours.canonical_request()), "canonical_request"),
        ("string to sign", Some(ours.string_to_sign()), "string_to_sign"),
        ("Authorization", Some(ours.authorization()), "authorization"),
        ("x-amz-date header", header("x-amz-date"), "x_amz_date"),
        ("date header", header("date"), "date"),
        ("x-amz-security-token header", header("x-amz-security-token"), "security_token"),
    ];
    let mut out = Vec::new();
    for (what, ours, key) in fields {
        let theirs = theirs.get(key).and_then(Value::as_str);
        if ours != theirs {
            let mut s = format!("  {what}:\n");
            let _ = writeln!(s, "    botocore: {}", show(theirs));
            let _ = writeln!(s, "    ours:     {}", show(ours));
            out.push(s);
        }
    }
    out
}

/// Quoted with escapes, so line breaks and stray spaces are visible on one line.
fn show(s: Option<&str>) -> String {
    s.map_or_else(|| "<none>".to_owned(), |s| format!("{s:?}"))
}

#[test]
fn botocore_agrees_on_generated_requests() {
    let Some(python) = support::python::python_or_skip(TEST_NAME) else { return };

    let mut rng = Rng(SEED);
    let requests: Vec<Generated> = (0..REQUESTS).map(|_| generate(&mut rng)).collect();

    let tally = coverage(&requests);
    eprintln!("coverage over {REQUESTS} generated requests:");
    for (feature, n) in &tally {
        eprintln!("  {n:>5}  {feature}");
    }
    let thin: Vec<_> = tally.iter().filter(|(_, n)| *n < 20).collect();
    assert!(thin.is_empty(), "the generator no longer covers: {thin:?}");

    let json: Vec<Value> = requests.iter().enumerate().map(|(i, r)| r.to_json(i)).collect();
    let results = sign_with_botocore(&python, &json);

    // One signer for the whole run: its cached key must follow every change
    // of secret, day, region and service.
    let signer = Signer::new();
    let mut mismatches = 0;
    for (i, (request, theirs)) in requests.iter().zip(&results).enumerate() {
        assert_eq!(theirs.get("id").and_then(Value::as_u64), Some(i as u64), "botocore_sign.py answers in order");
        let ours = request.sign(None);
        let mut diffs = differences(&ours, theirs);
        let cached = request.sign(Some(&signer));
        if cached.authorization() != ours.authorization() || cached.canonical_request() != ours.canonical_request() {
            diffs.push(format!(
                "  Signer differs from sign: {:?} vs {:?}\n",
                cached.authorization(),
                ours.authorization()
            ));
        }
        if diffs.is_empty() {
            continue;
        }
        mismatches += 1;
        if mismatches <= SHOWN_IN_FULL {
            eprintln!("--- mismatch {mismatches}, request #{i}\n  request: {}\n{}", json[i], diffs.concat());
        } else {
            let what: Vec<&str> = diffs.iter().filter_map(|d| d.trim_start().split(':').next()).collect();
            eprintln!("--- mismatch {mismatches}, request #{i}: {}", what.join(", "));
        }
    }
    eprintln!("sigv4 botocore differential: {REQUESTS} requests, {mismatches} mismatches");
    assert_eq!(mismatches, 0, "ours and botocore disagree on {mismatches} of {REQUESTS} requests (printed above)");
}

/// The disagreements the differential test found, pinned with botocore's
/// answers so that plain `cargo test`, without the venv, still guards them.
mod found_by_botocore {
    use super::*;
    use time::macros::datetime;

    fn sign_at_suite_time(service: &str, method: &str, host: &str, q: &[(&str, &str)], h: &[(&str, &str)]) -> String {
        let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
        let request = SignableRequest::new(method, host, "/").query(q).headers(h);
        let params = SigningParams::new(&credentials, "us-east-1", service, datetime!(2015-08-30 12:36:00 UTC));
        sigv4::sign(&request, &params).authorization().to_owned()
    }

    /// Tracing agents add or rewrite W3C trace-context headers after signing;
    /// botocore leaves them out of the signature, and so must we.
    #[test]
    fn trace_context_headers_are_not_signed() {
        let headers = [
            ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            ("tracestate", "vendor=value"),
            ("baggage", "userId=alice"),
        ];
        let query = [("Action", "DescribeRegions"), ("Version", "2016-11-15")];
        assert_eq!(
            sign_at_suite_time("ec2", "GET", "ec2.us-east-1.amazonaws.com", &query, &headers),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=d0c4ace45ea35956553234f0cf61bd531eb34410c76976a32592410ed553c7ab"
        );
    }

    /// A URL with an IPv6 host on the default port and query escapes that are
    /// not UTF-8, signed as sent.
    #[test]
    fn url_with_ipv6_host_and_non_utf8_escapes() {
        let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
        let request = SignableRequest::from_url("GET", "https://[2001:DB8::1]:443/?b=%FF&a=%C3%28").expect("a URL");
        let params = SigningParams::new(&credentials, "us-east-1", "service", datetime!(2015-08-30 12:36:00 UTC));
        let out = sigv4::sign(&request, &params);
        assert_eq!(
            out.canonical_request(),
            "GET\n/\na=%C3%28&b=%FF\nhost:[2001:db8::1]\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(out.authorization().ends_with("8e280cdcca1303dcc4d189465a99f53555be568ebc45f0cf33f3c32c551216f9"));
    }

    /// A `Date` header: botocore signs the signing time in it, in Python's
    /// `formatdate` form, and drops `X-Amz-Date`.
    #[test]
    fn date_header_replaces_x_amz_date() {
        let headers = [("Date", "Tue, 15 Nov 1994 08:12:31 GMT"), ("X-Amz-Date", "20000101T000000Z")];
        assert_eq!(
            sign_at_suite_time("service", "GET", "example.amazonaws.com", &[], &headers),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=date;host, \
             Signature=7680771e48fa28c7db272da980f990fa8ee39dee61905c4203f5da9d3d48ac86"
        );
    }

    /// With `X-Amz-Content-SHA256` repeated, botocore takes the first value as
    /// the payload hash (and signs both values in the header line).
    #[test]
    fn first_content_sha256_header_is_the_payload_hash() {
        let headers = [
            ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ];
        assert_eq!(
            sign_at_suite_time("service", "POST", "example.amazonaws.com", &[], &headers),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-content-sha256;x-amz-date, \
             Signature=4c5fb2546715dedf7ac55dee6069f7a995cf61170de451f5b65b42d1ea7e92a0"
        );
    }
}
