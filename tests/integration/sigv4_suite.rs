//! The official SigV4 test suite (`tests/sigv4-test-suite/`, see its `SOURCE.md`):
//! every `.req` is signed and the canonical request, string to sign and
//! `Authorization` are compared with `.creq`, `.sts` and `.authz`, byte for byte.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use ec2_lite::Credentials;
use ec2_lite::sigv4::{self, SignableRequest, Signer, SigningOutput, SigningParams, percent_decode};
use time::OffsetDateTime;
use time::macros::datetime;

/// The suite has 34 cases; a case lost to a bad copy or a walker bug must fail.
const EXPECTED_CASES: usize = 34;

const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "service";
const TIME: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sigv4-test-suite")
}

/// One case: a folder holding `<folder name>.req` and its expected outputs.
struct Case {
    name: String,
    dir: PathBuf,
}

impl Case {
    fn file(&self, ext: &str) -> String {
        let path = self.dir.join(format!("{}.{ext}", self.name));
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

/// Cases can be nested (`normalize-path/get-space`), so walk the whole tree.
fn collect_cases(dir: &Path, out: &mut Vec<Case>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for sub in entries {
        let name = sub.file_name().and_then(|n| n.to_str()).expect("UTF-8 folder name").to_owned();
        if sub.join(format!("{name}.req")).is_file() {
            out.push(Case { name, dir: sub.clone() });
        }
        collect_cases(&sub, out);
    }
}

fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    collect_cases(&suite_dir(), &mut cases);
    assert_eq!(
        cases.len(),
        EXPECTED_CASES,
        "expected {EXPECTED_CASES} cases in the suite, found {}: {:?}",
        cases.len(),
        cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()
    );
    cases
}

/// A `.req` file, parsed.
struct RawRequest {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    /// The query as on the wire, after the `?`.
    raw_query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn parse_req(text: &str) -> RawRequest {
    // The body starts after the first blank line; files may or may not end
    // with a newline, so a trailing "\n" alone is not a blank line.
    let (head, body) = match text.split_once("\n\n") {
        Some((head, body)) => (head, body),
        None => (text.trim_end_matches('\n'), ""),
    };
    let mut lines = head.split('\n');
    let request_line = lines.next().expect("request line");
    // The target is raw (it may hold a literal space), so split at the first
    // space for the method and at the last one for the protocol.
    let (method, rest) = request_line.split_once(' ').expect("method");
    let (target, _protocol) = rest.rsplit_once(' ').expect("protocol");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // A folded line continues the previous value; the signer must
            // collapse the line break and the indentation itself.
            let (_, value) = headers.last_mut().expect("continuation line after a header");
            value.push('\n');
            value.push_str(line);
            continue;
        }
        let (name, value) = line.split_once(':').expect("header line `Name:value`");
        headers.push((name.to_owned(), value.to_owned()));
    }

    RawRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: parse_query(query),
        raw_query: query.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// The signer takes decoded pairs and does the encoding itself, so the
/// suite's encoded query (`%E1%88%B4`) must be decoded first.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// The value of `name:` in a canonical request, if it has that header line.
fn creq_header<'a>(creq: &'a str, name: &str) -> Option<&'a str> {
    creq.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')))
}

/// Signs one case with both `sign` and a shared `Signer` and returns the
/// failures found, as printable messages.
fn check_case(case: &Case, signer: &Signer) -> Vec<String> {
    let req = parse_req(&case.file("req"));
    let creq = case.file("creq");
    let sts = case.file("sts");
    let authz = case.file("authz");

    // The suite does not put the session token in the .req: it is a
    // credential. Take it from the expected canonical request, where signed.
    let mut token = creq_header(&creq, "x-amz-security-token").map(str::to_owned);
    let mut sign_token = true;
    if case.name == "post-sts-header-after" {
        // The token is sent but added after signing: give the signer the
        // token and ask it not to sign it, which must leave no trace of it.
        let before =
            Case { name: "post-sts-header-before".into(), dir: case.dir.with_file_name("post-sts-header-before") };
        token = creq_header(&before.file("creq"), "x-amz-security-token").map(str::to_owned);
        assert!(token.is_some(), "post-sts-header-before.creq has the token");
        sign_token = false;
    }
    let credentials = Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token.clone());

    // The token header is the signer's output, not its input.
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("x-amz-security-token"))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let query: Vec<(&str, &str)> = req.query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let host = req.header("host").expect("every case has a Host header");
    let request = SignableRequest::new(&req.method, host, &req.path).query(&query).headers(&headers).body(&req.body);
    let params = SigningParams::new(&credentials, REGION, SERVICE, TIME).sign_session_token(sign_token);

    let out = sigv4::sign(&request, &params);
    let mut failures = Vec::new();
    let mut check = |what: &str, expected: &str, actual: &str| {
        if expected != actual {
            failures.push(mismatch(&case.name, what, expected, actual));
        }
    };
    check("canonical request (.creq)", &creq, out.canonical_request());
    check("string to sign (.sts)", &sts, out.string_to_sign());
    check("Authorization (.authz)", &authz, out.authorization());

    // The same request with its query given as sent, not decoded.
    let as_sent =
        SignableRequest::new(&req.method, host, &req.path).raw_query(&req.raw_query).headers(&headers).body(&req.body);
    let as_sent = sigv4::sign(&as_sent, &params);
    check("canonical request (.creq), query as sent", &creq, as_sent.canonical_request());
    check("Authorization (.authz), query as sent", &authz, as_sent.authorization());
    let signed_headers = authz.split("SignedHeaders=").nth(1).and_then(|s| s.split(',').next()).unwrap_or("");
    check("signed_headers()", signed_headers, out.signed_headers());
    check("x-amz-date header", "20150830T123600Z", header(&out, "x-amz-date").unwrap_or("<missing>"));
    let expected_token = if sign_token { token.as_deref() } else { None };
    check(
        "x-amz-security-token header",
        expected_token.unwrap_or("<none>"),
        header(&out, "x-amz-security-token").unwrap_or("<none>"),
    );

    // The cached key must not change a byte: compare every output.
    let cached = signer.sign(&request, &params);
    check("Signer canonical request", out.canonical_request(), cached.canonical_request());
    check("Signer string to sign", out.string_to_sign(), cached.string_to_sign());
    check("Signer signature", out.signature(), cached.signature());
    check("Signer headers", &format!("{:?}", out.headers()), &format!("{:?}", cached.headers()));
    failures
}

fn header<'a>(out: &'a SigningOutput, name: &str) -> Option<&'a str> {
    out.headers().iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
}

/// Both texts line by line, the first differing line marked with `>`; control
/// characters are escaped and each line ends in `$` (as `cat -A` does), so
/// stray whitespace shows.
fn mismatch(case: &str, what: &str, expected: &str, actual: &str) -> String {
    let mut s = format!("--- {case}: {what} differs\n");
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.split('\n').collect(), actual.split('\n').collect());
    let first = (0..e.len().max(a.len())).find(|&i| e.get(i) != a.get(i)).unwrap_or(0);
    for (label, lines) in [("expected", &e), ("actual  ", &a)] {
        let _ = writeln!(s, "  {label}:");
        for (i, line) in lines.iter().enumerate() {
            let marker = if i == first { '>' } else { ' ' };
            let _ = writeln!(s, "   {marker}{i:>2} {}$", visible(line));
        }
    }
    s
}

fn visible(line: &str) -> String {
    line.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

#[test]
fn official_suite_all_cases() {
    let signer = Signer::new();
    let cases = all_cases();
    let failures: Vec<String> = cases.iter().flat_map(|case| check_case(case, &signer)).collect();
    for failure in &failures {
        eprintln!("{failure}");
    }
    assert!(failures.is_empty(), "{} mismatches over {} suite cases (printed above)", failures.len(), cases.len());
}

#[test]
fn request_parser_handles_the_suite_quirks() {
    // Guards the harness itself: a parser bug could otherwise make the
    // signer look right or wrong for the wrong reason.
    let multiline = parse_req("GET / HTTP/1.1\nHost:h\nMy-Header1:value1\n  value2\n     value3\nX-Amz-Date:d");
    assert_eq!(multiline.header("my-header1"), Some("value1\n  value2\n     value3"));
    assert_eq!(multiline.headers.len(), 3);

    let space = parse_req("GET /example space/ HTTP/1.1\nHost:h");
    assert_eq!((space.method.as_str(), space.path.as_str()), ("GET", "/example space/"));

    let trailing = parse_req("GET /?Param-3=Value3&%E1%88%B4=Value1 HTTP/1.1\nHost:h\nX-Amz-Date:d\n");
    assert_eq!(trailing.query, [("Param-3".into(), "Value3".into()), ("\u{1234}".into(), "Value1".into())]);
    assert!(trailing.body.is_empty());

    let form = parse_req("POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:h\n\nParam1=value1");
    assert_eq!(form.body, b"Param1=value1");
}

/// AWS's worked example for IAM `ListUsers` (General Reference, "Create a
/// canonical request"): the one vector with a real service and a signed
/// `Content-Type`.
#[test]
fn aws_iam_list_users_example() {
    let credentials = Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None);
    let headers =
        [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("X-Amz-Date", "20150830T123600Z")];
    let query = [("Action", "ListUsers"), ("Version", "2010-05-08")];
    let request = SignableRequest::new("GET", "iam.amazonaws.com", "/").query(query).headers(headers);
    let params = SigningParams::new(&credentials, REGION, "iam", TIME);
    let out = sigv4::sign(&request, &params);

    assert_eq!(
        out.canonical_request(),
        "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
         content-type:application/x-www-form-urlencoded; charset=utf-8\n\
         host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
         content-type;host;x-amz-date\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        out.string_to_sign(),
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
         f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    assert_eq!(out.signature(), "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    assert_eq!(
        out.authorization(),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, \
         Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    );
    assert_eq!(Signer::new().sign(&request, &params).signature(), out.signature());
}
