//! Bytes from outside the process (response bodies, headers, error codes and messages, JSON
//! error documents, process output) made safe to print on a terminal: a server or a proxy must
//! not be able to clear the screen, retitle the window or forge a log line through an error
//! message or a `--debug` trace.

use std::borrow::Cow;

/// `bytes` as text safe for a terminal: control characters (C0, DEL, C1, the bidirectional
/// overrides, the line and paragraph separators) and bytes that are not UTF-8 are written as
/// escapes (`\n`, `\t`, `\r`, `\x1b`, `\u{202e}`); everything else is kept as it is. Newlines
/// and tabs are escaped too: the result is one line.
///
/// The output has no control character, so escaping it again changes nothing.
///
/// ```
/// assert_eq!(ec2_lite::escape(b"ok\x1b]0;owned\x07\xff"), "ok\\x1b]0;owned\\x07\\xff");
/// ```
pub fn escape(bytes: &[u8]) -> Cow<'_, str> {
    escape_with(bytes, false)
}

/// [`escape`], keeping newlines and tabs: for a message made of several lines.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_with(text.as_bytes(), true)
}

fn escape_with(bytes: &[u8], keep_lines: bool) -> Cow<'_, str> {
    let clean = |c: char| !needs_escape(c) || (keep_lines && (c == '\n' || c == '\t'));
    if let Ok(s) = std::str::from_utf8(bytes)
        && s.chars().all(clean)
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if clean(c) {
                out.push(c);
            } else {
                push_escaped(&mut out, c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_invalid_bytes_become_escapes() {
        assert_eq!(escape(b"plain text, \xc3\xa9t\xc3\xa9"), "plain text, \u{e9}t\u{e9}");
        assert!(matches!(escape(b"plain"), Cow::Borrowed(_)));
        assert_eq!(escape(b"a\nb\tc\rd\x1b[2J\x7f"), "a\\nb\\tc\\rd\\x1b[2J\\x7f");
        assert_eq!(escape("x\u{85}\u{202e}y".as_bytes()), "x\\u{85}\\u{202e}y");
        assert_eq!(escape(b"\xff\xfe<"), "\\xff\\xfe<");
        assert_eq!(escape_lines("line 1\n\tline 2\x1b]0;t\x07"), "line 1\n\tline 2\\x1b]0;t\\x07");
        let once = escape(b"\x00\x1b\xff\xe2\x80\xae").into_owned();
        assert_eq!(escape(once.as_bytes()), once);
    }
}
