//! `--output json`: Python's `json.dumps(indent=4, ensure_ascii=False)`, and
//! the compact form JMESPath's `to_string()` writes.

use std::fmt::Write as _;

use super::Value;
use crate::python::{iso8601, py_float};

/// `--output json`: 4-space indent, non-ASCII kept, a newline at the end.
pub(crate) fn json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v, 0);
    out.push('\n');
    out
}

fn write_json(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&py_float(*f)),
        Value::Str(s) => write_json_str(out, s),
        Value::Timestamp(t) => write_json_str(out, &iso8601(*t)),
        Value::List(items) if items.is_empty() => out.push_str("[]"),
        Value::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_json(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_json_str(out, k);
                out.push_str(": ");
                write_json(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
    }
}

/// `json.dumps(v, separators=(',', ':'))`, as jmespath.py's `to_string()`
/// writes a value: no spaces, non-ASCII escaped.
pub(crate) fn compact_json(v: &Value) -> String {
    fn write(out: &mut String, v: &Value) {
        match v {
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(out, item);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, k, true);
                    out.push(':');
                    write(out, item);
                }
                out.push('}');
            }
            Value::Str(s) => write_json_string(out, s, true),
            Value::Timestamp(t) => write_json_string(out, &iso8601(*t), true),
            scalar => write_json(out, scalar, 0),
        }
    }
    let mut out = String::new();
    write(&mut out, v);
    out
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// Escapes as Python's `json` module does with `ensure_ascii=False`.
fn write_json_str(out: &mut String, s: &str) {
    write_json_string(out, s, false);
}

/// A JSON string as Python's `json.dumps` writes it: with `ensure_ascii`,
/// every character outside printable ASCII is a `\uXXXX` escape (UTF-16).
pub(crate) fn write_json_string(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    // Runs of characters that need no escape are copied whole.
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{08}' => "\\b",
            '\u{0c}' => "\\f",
            c if u32::from(c) < 0x20 || (ensure_ascii && u32::from(c) > 0x7e) => "",
            _ => continue,
        };
        out.push_str(s.get(plain..i).unwrap_or_default());
        plain = i + c.len_utf8();
        if escape.is_empty() {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(s.get(plain..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::sample;

    #[test]
    fn json_matches_python_layout() {
        let want = "{\n    \"IamInstanceProfileAssociation\": {\n        \"AssociationId\": \"iip-assoc-1\",\n        \"InstanceId\": \"i-1\",\n        \"IamInstanceProfile\": {\n            \"Arn\": \"arn:x\",\n            \"Id\": \"AIPA\"\n        },\n        \"State\": \"disassociating\"\n    }\n}\n";
        assert_eq!(json(&sample()), want);
        assert_eq!(
            json(&Value::map(vec![("A", Value::List(vec![])), ("B", Value::Map(vec![]))])),
            "{\n    \"A\": [],\n    \"B\": {}\n}\n"
        );
        assert_eq!(json(&Value::str("é\"\\\n\u{1}")), "\"é\\\"\\\\\\n\\u0001\"\n");
        let scalars = Value::List(vec![Value::Null, Value::Bool(true), Value::Int(-3), Value::Float(0.5)]);
        assert_eq!(json(&scalars), "[\n    null,\n    true,\n    -3,\n    0.5\n]\n");
    }

    #[test]
    fn json_strings_escape_as_python_and_copy_the_rest_whole() {
        // json.dumps("a\x7fé😀\tz") and json.dumps("plain text", ensure_ascii=False).
        let mut out = String::new();
        write_json_string(&mut out, "a\u{7f}é😀\tz", true);
        assert_eq!(out, r#""a\u007f\u00e9\ud83d\ude00\tz""#);
        out.clear();
        write_json_string(&mut out, "plain text", false);
        assert_eq!(out, r#""plain text""#);
    }
}
