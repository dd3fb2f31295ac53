//! Step 2: the string to sign.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-string-to-sign>

use sha2::{Digest, Sha256};

/// The algorithm name, first line of the string to sign and of `Authorization`.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// `AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hex(sha256(canonical_request))}`.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let hash = Sha256::digest(canonical_request.as_bytes());
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 67);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    out.push_str(scope);
    out.push('\n');
    super::push_hex(&mut out, &hash);
    out
}

/// The credential scope: `{YYYYMMDD}/{region}/{service}/aws4_request`.
pub(crate) fn scope(date: &str, region: &str, service: &str) -> String {
    let mut s = String::with_capacity(date.len() + region.len() + service.len() + 15);
    s.push_str(date);
    s.push('/');
    s.push_str(region);
    s.push('/');
    s.push_str(service);
    s.push_str("/aws4_request");
    s
}
