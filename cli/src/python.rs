//! Python's behaviour where the AWS CLI's words depend on it: `repr()` of a
//! string and of a float, `datetime.isoformat()`, and difflib's close matches.

use std::fmt::Write as _;

use time::{OffsetDateTime, UtcOffset};

/// Python's `repr` of a string, as argparse quotes values in its messages.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `datetime.isoformat()` of an aware UTC datetime: microseconds
/// only when there are some, the offset as `+00:00`.
pub(crate) fn iso8601(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.microsecond() != 0 {
        let _ = write!(s, ".{:06}", t.microsecond());
    }
    s.push_str("+00:00");
    s
}

/// Python's `difflib.get_close_matches(word, possibilities, n=3, cutoff)`:
/// the best (at most three) by `SequenceMatcher.ratio()`, best first.
pub(crate) fn close_matches<'a>(word: &str, choices: &[&'a str], cutoff: f64) -> Vec<&'a str> {
    let w: Vec<char> = word.chars().collect();
    let mut scored: Vec<(f64, &str)> = choices
        .iter()
        .filter_map(|c| {
            let cc: Vec<char> = c.chars().collect();
            let r = ratio(&cc, &w);
            (r >= cutoff).then_some((r, *c))
        })
        .collect();
    // heapq.nlargest on (score, word): ties broken by the larger word.
    crate::output::sort::sort_by(&mut scored, |a, b| b.0.total_cmp(&a.0).then_with(|| b.1.cmp(a.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// `SequenceMatcher(None, a, b).ratio()`: 2 * matches / total, the matches
/// found as difflib finds them (longest block first, then either side).
fn ratio(a: &[char], b: &[char]) -> f64 {
    fn matches(a: &[char], b: &[char]) -> usize {
        let (mut best, mut at_a, mut at_b) = (0, 0, 0);
        for i in 0..a.len() {
            for j in 0..b.len() {
                let mut k = 0;
                while i + k < a.len() && j + k < b.len() && a[i + k] == b[j + k] {
                    k += 1;
                }
                if k > best {
                    (best, at_a, at_b) = (k, i, j);
                }
            }
        }
        if best == 0 {
            return 0;
        }
        best + matches(&a[..at_a], &b[..at_b]) + matches(&a[at_a + best..], &b[at_b + best..])
    }
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    2.0 * matches(a, b) as f64 / total as f64
}

/// Python's `repr(float)`: the shortest digits that read back the same,
/// positional from 1e-4 to 1e16, else `1e+16` / `1.5e-05`; `.0` on whole
/// numbers.
pub(crate) fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".to_owned() } else { "-Infinity".to_owned() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".to_owned() } else { "0.0".to_owned() };
    }
    // Rust's `{:e}` is the shortest round-trip form too: "1.5e-5".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    let point = exp + 1; // digits before the decimal point
    if -4 < point && point <= 16 {
        let n = digits.len() as i32;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point >= n {
            format!("{digits}{}.0", "0".repeat((point - n) as usize))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        for (f, want) in [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (1.2, "1.2"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (-0.0, "-0.0"),
            (1e300, "1e+300"),
        ] {
            assert_eq!(py_float(f), want, "{f:e}");
        }
    }

    #[test]
    fn close_matches_as_difflib() {
        let c = ["disassociate-iam-instance-profile", "associate-iam-instance-profile", "wait"];
        // As Python's difflib answers (checked with it).
        assert_eq!(
            close_matches("disassociate-instance-profile", &c, 0.8),
            ["disassociate-iam-instance-profile", "associate-iam-instance-profile"]
        );
        assert!(close_matches("xyz", &c, 0.8).is_empty());
        // difflib.get_close_matches('', ['', 'json']) == ['']: two empty
        // sequences are alike (ratio 1.0).
        assert_eq!(close_matches("", &["", "json"], 0.8), [""]);
        assert!(close_matches("", &["json"], 0.8).is_empty());
        assert!(close_matches("j", &[""], 0.8).is_empty());
        assert_eq!(py_repr("it's"), "\"it's\"");
    }
}
