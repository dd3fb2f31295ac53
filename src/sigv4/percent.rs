//! RFC 3986 percent-encoding, the only encoding SigV4 accepts, and the one
//! encoder of the crate: the canonical request, the EC2 Query body and the SSO
//! URL all use it.
//! <https://www.rfc-editor.org/rfc/rfc3986#section-2.1>
//!
//! Trap: form encoders (`application/x-www-form-urlencoded`, ureq's `send_form`,
//! Python's `urlencode`) write a space as `+`. SigV4 wants `%20`, and a `+` that
//! reaches a server may be decoded as a space, so the signature no longer matches.

/// Whether `b` is an RFC 3986 unreserved character, never encoded.
#[inline]
fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// [`is_unreserved`] for every byte: one load per byte where the tests took a dozen
/// instructions, on every name and value of every request body.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < table.len() {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        i += 1;
    }
    table
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn push_escape(out: &mut String, b: u8) {
    out.push('%');
    out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
    out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
}

/// Appends `s` to `out`, percent-encoding every byte except the unreserved
/// characters (and `/` when `keep_slash` is set, for paths). Hex is uppercase.
pub(crate) fn encode_into(out: &mut String, s: &str, keep_slash: bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) || (b == b'/' && keep_slash) {
            continue;
        }
        // `start..i` is a run of unreserved ASCII bytes, so both ends are char
        // boundaries; an empty run may sit inside a multi-byte char, so skip it.
        if start < i {
            out.push_str(&s[start..i]);
        }
        push_escape(out, b);
        start = i + 1;
    }
    if start < bytes.len() {
        out.push_str(&s[start..]);
    }
}

/// [`encode_into`] for bytes that need not be UTF-8.
pub(crate) fn encode_bytes_into(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            push_escape(out, b);
        }
    }
}

/// `input` percent-encoded as SigV4 wants a query name or value, or one path
/// segment: every byte but `A-Z a-z 0-9 - _ . ~` becomes `%XX`, uppercase hex.
///
/// A space is `%20` (never `+`), `+` is `%2B`, `/` is `%2F`. Bytes that are not
/// UTF-8 are encoded like any other.
///
/// ```
/// use ec2_lite::sigv4::percent_encode;
/// assert_eq!(percent_encode("a b+c/d~"), "a%20b%2Bc%2Fd~");
/// assert_eq!(percent_encode("é"), "%C3%A9");
/// assert_eq!(percent_encode([0xff_u8]), "%FF");
/// ```
pub fn percent_encode(input: impl AsRef<[u8]>) -> String {
    let bytes = input.as_ref();
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    encode_bytes_into(&mut out, bytes);
    out
}

/// A query string to send, `name=value` pairs in the given order joined by `&`,
/// each part encoded with [`percent_encode`]: the query that
/// [`SignableRequest::query`](super::SignableRequest::query) signs for the same
/// pairs. Put it after the `?` of the URL.
///
/// ```
/// use ec2_lite::sigv4::query_string;
/// let pairs = [("Action", "DescribeRegions"), ("RegionName.1", "eu west")];
/// assert_eq!(query_string(pairs), "Action=DescribeRegions&RegionName.1=eu%20west");
/// ```
pub fn query_string<P: super::Pair>(pairs: impl IntoIterator<Item = P>) -> String {
    let mut out = String::new();
    for (i, pair) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, pair.name(), false);
        out.push('=');
        encode_into(&mut out, pair.value(), false);
    }
    out
}

/// Decodes `%XX` escapes to bytes; a `%` not followed by two hex digits is kept
/// as it is. `+` is left alone: in a URL query it is a plus sign, not a space.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Vec<u8> {
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
    out
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits is kept as it is.
/// Bytes that do not form UTF-8 are replaced by U+FFFD: to sign a query with
/// such escapes as it is sent, use
/// [`SignableRequest::raw_query`](super::SignableRequest::raw_query).
/// `+` is left alone: in a URL query it is a plus sign, not a space.
///
/// ```
/// use ec2_lite::sigv4::percent_decode;
/// assert_eq!(percent_decode("a%20b+c%2F"), "a b+c/");
/// ```
pub fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&decode_bytes(s.as_bytes())).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        encode_into(&mut out, s, false);
        out
    }

    #[test]
    fn space_is_percent_20_and_plus_is_encoded() {
        assert_eq!(encode("a b+c"), "a%20b%2Bc");
        assert_eq!(encode("-_.~AZaz09"), "-_.~AZaz09");
        assert_eq!(encode("arn:aws:iam::1:x/y"), "arn%3Aaws%3Aiam%3A%3A1%3Ax%2Fy");
        assert_eq!(encode("\u{1234}"), "%E1%88%B4");
        let mut path = String::new();
        encode_into(&mut path, "/a b/c", true);
        assert_eq!(path, "/a%20b/c");
    }

    #[test]
    fn the_str_and_byte_encoders_agree() {
        for s in ["", "a b+c", "-_.~AZaz09", "\u{1234}/\u{1f980}", "%41&=?#[]"] {
            assert_eq!(encode(s), percent_encode(s), "{s:?}");
        }
        assert_eq!(percent_encode([0x00, 0x7f, 0x80, 0xff]), "%00%7F%80%FF");
    }

    #[test]
    fn the_table_is_rfc_3986s_unreserved_set() {
        let unreserved: Vec<u8> = (0..=255u8).filter(|&b| is_unreserved(b)).collect();
        let rfc: Vec<u8> = (b'0'..=b'9').chain(b'A'..=b'Z').chain(b'a'..=b'z').chain(*b"-._~").collect();
        let mut rfc_sorted = rfc.clone();
        rfc_sorted.sort_unstable();
        assert_eq!(unreserved, rfc_sorted);
    }

    #[test]
    fn decode_round_trips_and_tolerates_junk() {
        assert_eq!(percent_decode("%E1%88%B4=x"), "\u{1234}=x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("a+b"), "a+b");
        assert_eq!(decode_bytes(b"%ff%FF%e9"), [0xff, 0xff, 0xe9]);
        assert_eq!(percent_decode("%FF"), "\u{fffd}");
    }
}
