//! Step 1: the canonical request.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-canonical-request>

use super::uri::{canonical_path_into, encode_into};

/// Headers never signed: hop-by-hop headers a proxy may change, the
/// `User-Agent`, which some clients rewrite, and the trace-context headers
/// (`baggage`, `traceparent`, `tracestate`) that tracing agents add or rewrite
/// after signing. Same list as botocore's `SIGNED_HEADERS_BLACKLIST`, plus
/// `authorization`, which botocore removes before signing.
const UNSIGNED_HEADERS: &[&str] = &[
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
    pub(crate) name: String,
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
    query: &[(&str, &str)],
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
    headers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut signed = String::with_capacity(64);
    let mut i = 0;
    while i < headers.len() {
        let name = headers[i].name.as_str();
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

/// Query pairs, each name and value RFC 3986-encoded, sorted by encoded name
/// and then encoded value (sorting before encoding is a classic SigV4 bug).
fn canonical_query_into(out: &mut String, query: &[(&str, &str)]) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| {
            let (mut ek, mut ev) = (String::new(), String::new());
            encode_into(&mut ek, k, false);
            encode_into(&mut ev, v, false);
            (ek, ev)
        })
        .collect();
    pairs.sort();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
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

    #[test]
    fn query_sorts_encoded_pairs_not_joined_strings() {
        let mut s = String::new();
        canonical_query_into(&mut s, &[("Param", "b"), ("Param-3", "x"), ("Param", "a"), ("a b", "+")]);
        assert_eq!(s, "Param=a&Param=b&Param-3=x&a%20b=%2B");
    }
}
