//! The AWS CLI's pagination tokens: `--starting-token` / the `NextToken` it
//! prints when `--max-items` cut a listing short. They are botocore's: a
//! base64-encoded JSON object, `{"NextToken": "...", "boto_truncate_amount": N}`,
//! so a token printed by one tool resumes in the other.

use tinyjson::JsonValue;

/// Where to resume: the service token of the page to fetch (`None` for the
/// first page) and how many items of that page were already printed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Resume {
    pub(crate) token: Option<String>,
    pub(crate) skip: usize,
}

/// Encodes a resume point as botocore does (`json.dumps`, then base64).
pub(crate) fn encode(resume: &Resume, truncated: bool) -> String {
    let token = match &resume.token {
        Some(t) => json_ascii_string(t),
        None => "null".to_owned(),
    };
    let json = if truncated {
        format!("{{\"NextToken\": {token}, \"boto_truncate_amount\": {}}}", resume.skip)
    } else {
        format!("{{\"NextToken\": {token}}}")
    };
    base64_encode(json.as_bytes())
}

/// Decodes a `--starting-token`. Like botocore, a token that is not base64
/// JSON is taken in the old `TOKEN___N` form, or as a plain service token; one
/// that is base64 JSON but not a token of this operation is refused.
pub(crate) fn decode(s: &str) -> Result<Resume, String> {
    if let Some(json) = decode_json(s) {
        return json;
    }
    Ok(decode_plain(s))
}

/// The largest skip kept: botocore takes any int, and no page holds this many
/// items, so a larger one skips as much; a whole number this size is exact in
/// the JSON number a token carries (an f64), and sums with a page size never
/// overflow.
const MAX_SKIP: usize = 1 << 53;

fn decode_plain(s: &str) -> Resume {
    if let Some((token, n)) = s.rsplit_once("___")
        && let digits = n.strip_prefix('+').unwrap_or(n)
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let skip = digits.parse::<usize>().map_or(MAX_SKIP, |n| n.min(MAX_SKIP));
        return Resume { token: (token != "None").then(|| token.to_owned()), skip };
    }
    Resume { token: Some(s.to_owned()), skip: 0 }
}

/// `None` when `s` is not base64 of a JSON object; else the token, or why it
/// is not one.
fn decode_json(s: &str) -> Option<Result<Resume, String>> {
    let bytes = base64_decode(s)?;
    let text = String::from_utf8(bytes).ok()?;
    if crate::shorthand::too_deep(&text) {
        return Some(Err("invalid --starting-token: nested too deep".to_owned()));
    }
    let JsonValue::Object(map) = text.parse::<JsonValue>().ok()? else {
        return None;
    };
    let bad = |why: &str| Some(Err(format!("invalid --starting-token: {why}")));
    if let Some(k) = map.keys().find(|k| !matches!(k.as_str(), "NextToken" | "boto_truncate_amount")) {
        return bad(&format!("unknown key {k:?}"));
    }
    let token = match map.get("NextToken") {
        Some(JsonValue::String(t)) => Some(t.clone()),
        Some(JsonValue::Null) | None => None,
        Some(_) => return bad("NextToken must be a string"),
    };
    let skip = match map.get("boto_truncate_amount") {
        None => 0,
        // `as` saturates: no overflow however large.
        Some(JsonValue::Number(n)) if *n >= 0.0 && n.fract() == 0.0 => (*n as usize).min(MAX_SKIP),
        Some(_) => return bad("boto_truncate_amount must be a whole number"),
    };
    Some(Ok(Resume { token, skip }))
}

/// A JSON string as Python's `json.dumps` writes it (ASCII only).
fn json_ascii_string(s: &str) -> String {
    let mut out = String::new();
    crate::output::write_json_string(&mut out, s, true);
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_botocore() {
        // base64(json.dumps({"NextToken": "100"})) and with a truncation.
        assert_eq!(encode(&Resume { token: Some("100".into()), skip: 0 }, false), "eyJOZXh0VG9rZW4iOiAiMTAwIn0=");
        assert_eq!(
            encode(&Resume { token: None, skip: 2 }, true),
            "eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="
        );
        assert_eq!(decode("eyJOZXh0VG9rZW4iOiAiMTAwIn0="), Ok(Resume { token: Some("100".into()), skip: 0 }));
        assert_eq!(
            decode("eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="),
            Ok(Resume { token: None, skip: 2 })
        );
        // base64 JSON that is not a token of this operation is refused.
        assert!(decode(&base64_encode(br#"{"foo": 1}"#)).is_err());
        assert!(decode(&base64_encode(br#"{"NextToken": 100}"#)).is_err());
    }

    #[test]
    fn old_and_plain_tokens() {
        assert_eq!(decode("100___3"), Ok(Resume { token: Some("100".into()), skip: 3 }));
        assert_eq!(decode("None___3"), Ok(Resume { token: None, skip: 3 }));
        assert_eq!(decode("100"), Ok(Resume { token: Some("100".into()), skip: 0 }));
        assert_eq!(decode("!!!"), Ok(Resume { token: Some("!!!".into()), skip: 0 }));
    }

    #[test]
    fn large_skips_decode_as_they_encode() {
        // Found by fuzzing: a skip the old form took was refused once encoded.
        for text in ["40___0400000000044", "4___99999999999999999999999999", "t___+7", "t___9007199254740993"] {
            let resume = decode(text).unwrap();
            assert_eq!(decode(&encode(&resume, resume.skip > 0)), Ok(resume.clone()), "{text}");
        }
        assert_eq!(decode("40___0400000000044").unwrap().skip, 400_000_000_044);
        assert_eq!(decode("4___99999999999999999999999999").unwrap().skip, MAX_SKIP);
        assert_eq!(decode("t___+7").unwrap().skip, 7);
        // botocore takes any int: 1e12 too, saturated past any page's size.
        let big = base64_encode(br#"{"NextToken": "t", "boto_truncate_amount": 1000000000000}"#);
        assert_eq!(decode(&big), Ok(Resume { token: Some("t".into()), skip: 1_000_000_000_000 }));
        let huge = base64_encode(br#"{"NextToken": "t", "boto_truncate_amount": 1e300}"#);
        assert_eq!(decode(&huge).unwrap().skip, MAX_SKIP);
        assert!(decode(&base64_encode(br#"{"NextToken": "t", "boto_truncate_amount": 1.5}"#)).is_err());
    }

    #[test]
    fn base64_round_trip() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(base64_decode(&base64_encode(data)).unwrap(), data);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }
}
