//! RFC 3986 percent-encoding, the only encoding SigV4 accepts.
//!
//! Trap: form encoders (`application/x-www-form-urlencoded`, ureq's `send_form`,
//! Python's `urlencode`) write a space as `+`. SigV4 wants `%20`, and a `+` that
//! reaches a server is decoded as a space, so the signature no longer matches.

/// Whether `b` is an RFC 3986 unreserved character, never encoded.
#[inline]
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `s` to `out`, percent-encoding every byte except the unreserved
/// characters (and `/` when `keep_slash` is set, for paths). Hex is uppercase.
pub(crate) fn encode_into(out: &mut String, s: &str, keep_slash: bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            continue;
        }
        // `start..i` is a run of unreserved ASCII bytes, so both ends are char
        // boundaries; an empty run may sit inside a multi-byte char, so skip it.
        if start < i {
            out.push_str(&s[start..i]);
        }
        out.push('%');
        out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
        out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
        start = i + 1;
    }
    if start < bytes.len() {
        out.push_str(&s[start..]);
    }
}

/// `s` percent-encoded as a query name or value.
#[cfg(test)]
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_into(&mut out, s, false);
    out
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits is kept as it is.
/// Bytes that do not form UTF-8 are replaced, as a server would reject them anyway.
/// `+` is left alone: in a URL query it is a plus sign, not a space.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|&c| char::from(c).to_digit(16));
            if let (Some(hi), Some(lo)) = (hex(i + 1), hex(i + 2)) {
                // Both digits are < 16, so the value fits in a byte.
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The SigV4 canonical URI for every service but S3: dot segments and empty
/// segments removed (RFC 3986 §5.2.4, plus AWS's `//` rule), then the path as it
/// is on the wire encoded once more, so `%3D` becomes `%253D`.
pub(crate) fn canonical_path_into(out: &mut String, path: &str) {
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
    fn space_is_percent_20_and_plus_is_encoded() {
        assert_eq!(encode("a b+c"), "a%20b%2Bc");
        assert_eq!(encode("-_.~AZaz09"), "-_.~AZaz09");
        assert_eq!(encode("arn:aws:iam::1:x/y"), "arn%3Aaws%3Aiam%3A%3A1%3Ax%2Fy");
        assert_eq!(encode("\u{1234}"), "%E1%88%B4");
    }

    #[test]
    fn decode_round_trips_and_tolerates_junk() {
        assert_eq!(percent_decode("%E1%88%B4=x"), "\u{1234}=x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("a+b"), "a+b");
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
