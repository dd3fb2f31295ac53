//! Step 1: the canonical request.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-canonical-request>

use super::percent::{decode_bytes, encode_bytes_into, encode_into};

/// The headers the signer leaves out of the signature, lowercase: hop-by-hop
/// headers a proxy may change, the `User-Agent`, which some clients rewrite,
/// and the trace-context headers (`baggage`, `traceparent`, `tracestate`) that
/// tracing agents add or rewrite after signing. Same list as botocore's
/// `SIGNED_HEADERS_BLACKLIST`, plus `authorization`, which botocore removes
/// before signing. Name case does not matter.
///
/// They may still be sent; the server just does not check them.
///
/// ```
/// use ec2_lite::sigv4::{self, SignableRequest, SigningParams, UNSIGNED_HEADERS};
/// use ec2_lite::Credentials;
///
/// assert!(UNSIGNED_HEADERS.contains(&"user-agent"));
/// let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
/// let request = SignableRequest::new("GET", "example.amazonaws.com", "/")
///     .header("User-Agent", "my-tool/1.0")
///     .header("Connection", "keep-alive")
///     .header("X-Custom", "signed");
/// let params = SigningParams::new(&credentials, "us-east-1", "service", std::time::SystemTime::UNIX_EPOCH);
/// assert_eq!(sigv4::sign(&request, &params).signed_headers(), "host;x-amz-date;x-custom");
/// ```
pub const UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "baggage",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "traceparent",
    "tracestate",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// Whether a lowercased header name is signed.
pub(crate) fn is_signable(lname: &str) -> bool {
    !UNSIGNED_HEADERS.contains(&lname)
}

/// Whitespace as botocore sees it (Python's `str.split()`): Unicode white
/// space plus the four ASCII separators U+001C..U+001F.
#[inline]
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// [`is_space`] for one ASCII byte.
#[inline]
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x1c..=0x1f)
}

/// Appends the header value trimmed, with inner runs of white space (line
/// breaks of folded headers included) collapsed to one space.
fn trim_all_into(out: &mut String, value: &str) {
    if value.is_ascii() {
        // The usual case, and a long one for a session token: byte by byte,
        // copying whole words. Every index is a char boundary in ASCII.
        let bytes = value.as_bytes();
        let (mut i, mut first) = (0, true);
        while i < bytes.len() {
            while i < bytes.len() && is_ascii_space(bytes[i]) {
                i += 1;
            }
            let start = i;
            while i < bytes.len() && !is_ascii_space(bytes[i]) {
                i += 1;
            }
            if start < i {
                if !first {
                    out.push(' ');
                }
                out.push_str(&value[start..i]);
                first = false;
            }
        }
        return;
    }
    let mut first = true;
    for word in value.split(is_space).filter(|w| !w.is_empty()) {
        if !first {
            out.push(' ');
        }
        out.push_str(word);
        first = false;
    }
}

/// One header to sign, its name lowercased.
pub(crate) struct Header<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
}

/// Builds the canonical request and returns it with the signed-headers list.
///
/// `headers` are all the headers to sign, names already lowercased; they are
/// sorted here by name, keeping the order of repeated names, whose values are
/// joined with `,`.
pub(crate) fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &mut [Header<'_>],
    payload_hash: &str,
) -> (String, String) {
    let mut out = String::with_capacity(256 + headers.iter().map(|h| h.name.len() + h.value.len() + 2).sum::<usize>());
    for c in method.chars() {
        out.push(c.to_ascii_uppercase());
    }
    out.push('\n');
    canonical_path_into(&mut out, path);
    out.push('\n');
    canonical_query_into(&mut out, query);
    out.push('\n');

    // A stable sort keeps repeated headers in the order they were given.
    headers.sort_by(|a, b| a.name.cmp(b.name));
    let mut signed = String::with_capacity(64);
    let mut i = 0;
    while i < headers.len() {
        let name = headers[i].name;
        if !signed.is_empty() {
            signed.push(';');
        }
        signed.push_str(name);
        out.push_str(name);
        out.push(':');
        let mut j = i;
        while j < headers.len() && headers[j].name == name {
            if j > i {
                out.push(',');
            }
            trim_all_into(&mut out, headers[j].value);
            j += 1;
        }
        out.push('\n');
        i = j;
    }
    out.push('\n');
    out.push_str(&signed);
    out.push('\n');
    out.push_str(payload_hash);
    (out, signed)
}

/// Appends `name` and `value` RFC 3986-encoded to `pairs`.
pub(crate) fn push_encoded_pair(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    let (mut n, mut v) = (String::with_capacity(name.len()), String::with_capacity(value.len()));
    encode_into(&mut n, name, false);
    encode_into(&mut v, value, false);
    pairs.push((n, v));
}

/// Appends the pairs of a query as it is sent (after the `?`), each part
/// decoded and encoded again, so that every escape, valid UTF-8 or not, ends
/// up as the uppercase `%XX` the server computes. Split as botocore splits a
/// URL's query: on every `&` (an empty piece is an empty name and value),
/// then at the first `=`.
pub(crate) fn push_raw_query(pairs: &mut Vec<(String, String)>, raw: &[u8]) {
    if raw.is_empty() {
        return;
    }
    for piece in raw.split(|&b| b == b'&') {
        let (name, value) = match piece.iter().position(|&b| b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &[][..]),
        };
        let (mut n, mut v) = (String::with_capacity(name.len()), String::with_capacity(value.len()));
        encode_bytes_into(&mut n, &decode_bytes(name));
        encode_bytes_into(&mut v, &decode_bytes(value));
        pairs.push((n, v));
    }
}

/// Encoded query pairs sorted by name and then value (sorting before
/// encoding is a classic SigV4 bug), joined as `name=value&...`.
fn canonical_query_into(out: &mut String, query: &[(String, String)]) {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
}

/// The SigV4 canonical URI for every service but S3: dot segments and empty
/// segments removed (RFC 3986 §5.2.4, plus AWS's `//` rule), then the path as it
/// is on the wire encoded once more, so `%3D` becomes `%253D`.
fn canonical_path_into(out: &mut String, path: &str) {
    if path.is_empty() || path == "/" {
        out.push('/');
        return;
    }
    // Same algorithm as botocore's `remove_dot_segments`.
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    if path.starts_with('/') {
        out.push('/');
    }
    for (i, seg) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_into(out, seg, false);
    }
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_folded() {
        let mut s = String::new();
        trim_all_into(&mut s, "  value1\n  value2\t\t value3  ");
        assert_eq!(s, "value1 value2 value3");
        // The ASCII fast path and the general one agree.
        for v in ["", "   ", "a", " a ", "a\x0bb\x0cc\x1cd\x1fe\r\nf", "x\u{a0}y \u{2003} z", "\u{85}q\u{85}"] {
            let (mut fast, mut slow) = (String::new(), String::new());
            trim_all_into(&mut fast, v);
            let words: Vec<&str> = v.split(is_space).filter(|w| !w.is_empty()).collect();
            slow.push_str(&words.join(" "));
            assert_eq!(fast, slow, "{v:?}");
        }
    }

    fn canonical_query(pairs: &[(String, String)]) -> String {
        let mut s = String::new();
        canonical_query_into(&mut s, pairs);
        s
    }

    #[test]
    fn query_sorts_encoded_pairs_not_joined_strings() {
        let mut pairs = Vec::new();
        for (n, v) in [("Param", "b"), ("Param-3", "x"), ("Param", "a"), ("a b", "+")] {
            push_encoded_pair(&mut pairs, n, v);
        }
        assert_eq!(canonical_query(&pairs), "Param=a&Param=b&Param-3=x&a%20b=%2B");
    }

    #[test]
    fn raw_query_is_signed_as_sent() {
        let mut pairs = Vec::new();
        push_raw_query(&mut pairs, b"b=%FF&a=%e9%41&c&=x&d=e=f&&g=%zz+");
        assert_eq!(canonical_query(&pairs), "=&=x&a=%E9A&b=%FF&c=&d=e%3Df&g=%25zz%2B");
        let mut none = Vec::new();
        push_raw_query(&mut none, b"");
        assert!(none.is_empty());
    }

    fn canon(p: &str) -> String {
        let mut s = String::new();
        canonical_path_into(&mut s, p);
        s
    }

    #[test]
    fn paths_are_normalized_then_encoded_again() {
        assert_eq!(canon(""), "/");
        assert_eq!(canon("/example/.."), "/");
        assert_eq!(canon("//example//"), "/example/");
        assert_eq!(canon("/./example"), "/example");
        assert_eq!(canon("/a/b/../../c/"), "/c/");
        assert_eq!(canon("/test/@connections/JBDvjfGEIAMCERw%3D"), "/test/%40connections/JBDvjfGEIAMCERw%253D");
        assert_eq!(canon("/example space/"), "/example%20space/");
    }
}
