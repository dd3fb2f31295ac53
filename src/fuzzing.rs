//! Entry points for the fuzz targets in `fuzz/` (feature `_fuzzing`, not part
//! of the public API): every parser of outside input, fed arbitrary bytes.

use crate::Credentials;
use crate::sigv4::{SignableRequest, SigningParams};

/// Every EC2 response parser and the error-document parser.
pub fn responses(data: &str) {
    let _ = crate::ops::disassociate_iam_instance_profile::parse(data);
    let _ = crate::ops::associate_iam_instance_profile::parse(data);
    let _ = crate::ops::replace_iam_instance_profile_association::parse(data);
    let _ = crate::ops::describe_iam_instance_profile_associations::parse(data);
    let _ = crate::xml::service_error(400, data, Some("header-id"));
    let _ = crate::timestamp::parse_timestamp(data);
    let _ = crate::timestamp::parse_http_date(data);
}

/// SigV4 canonicalization of an arbitrary request: the input's lines are the
/// method, host, path, query pairs (`k=v`), headers (`k: v`), then the body.
pub fn sigv4(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or("");
    let host = lines.next().unwrap_or("");
    let path = lines.next().unwrap_or("");
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut body = String::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(": ") {
            headers.push((k, v));
        } else if let Some((k, v)) = line.split_once('=') {
            query.push((k, v));
        } else {
            body.push_str(line);
        }
    }
    let credentials = Credentials::new("AKIDEXAMPLE", "secret", Some("token".into()));
    let request = SignableRequest::new(method, host, path).query(&query).headers(&headers).body(body.as_bytes());
    let time = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let params = SigningParams::new(&credentials, "us-east-1", "ec2", time);
    let out = crate::sigv4::sign(&request, &params);
    assert_eq!(out.signature().len(), 64);
}

/// The shared config and credentials file parser, and profile resolution.
pub fn profile(data: &str) {
    if let Ok(set) = crate::profile::ProfileSet::parse(Some(data), Some(data)) {
        for name in ["default", "a", "b"].into_iter().chain(set.profiles().map(|s| s.name())) {
            let _ = crate::profile::resolve_chain(&set, name);
        }
    }
}

/// What the credential sources answer: IMDS and container JSON,
/// `credential_process` output, the SSO token cache and portal, STS XML.
pub fn credentials(data: &str) {
    crate::credentials::fuzz_parsers(data);
}
