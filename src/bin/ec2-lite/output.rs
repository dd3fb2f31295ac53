//! What the CLI prints: a small ordered value tree, written as the AWS CLI
//! writes it (`--output json` is Python's `json.dumps(indent=4,
//! ensure_ascii=False)`, `--output text` is awscli's `text.py`).

use std::fmt::Write as _;

/// A JSON-like value whose maps keep their insertion order, as botocore's
/// parsed responses do (the model's member order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl Value {
    pub(crate) fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    pub(crate) fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
}

/// `--output json`: 4-space indent, non-ASCII kept, a newline at the end.
pub(crate) fn json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v, 0);
    out.push('\n');
    out
}

fn write_json(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Str(s) => write_json_str(out, s),
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
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 || (ensure_ascii && u32::from(c) > 0x7e) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `--output text`, as awscli's `text.py` formats a response: each map's
/// scalar values on one tab-separated line, keys sorted, prefixed with the
/// upper-cased name of the key that holds it; nested maps and lists after.
pub(crate) fn text(v: &Value) -> String {
    let mut out = String::new();
    format_text(&mut out, v, None, None);
    out
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Str(_))
}

fn scalar_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        _ => String::new(),
    }
}

fn format_text(out: &mut String, v: &Value, identifier: Option<&str>, scalar_keys: Option<&[String]>) {
    match v {
        Value::Map(entries) => format_map(out, entries, identifier, scalar_keys),
        Value::List(items) => format_list(out, items, identifier),
        scalar => {
            out.push_str(&scalar_str(scalar));
            out.push('\n');
        }
    }
}

fn format_list(out: &mut String, items: &[Value], identifier: Option<&str>) {
    if items.is_empty() {
        return;
    }
    if items.iter().any(|i| matches!(i, Value::Map(_))) {
        // Every row of a list of maps has the same columns: the union of
        // their scalar keys, sorted.
        let mut keys: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Value::Map(e) => Some(e.iter().filter(|(_, v)| is_scalar(v)).map(|(k, _)| k.clone())),
                _ => None,
            })
            .flatten()
            .collect();
        keys.sort();
        keys.dedup();
        for item in items {
            format_text(out, item, identifier, Some(&keys));
        }
    } else if items.iter().any(|i| matches!(i, Value::List(_))) {
        let scalars: Vec<&Value> = items.iter().filter(|i| is_scalar(i)).collect();
        if !scalars.is_empty() {
            format_scalar_list(out, &scalars, identifier);
        }
        for item in items.iter().filter(|i| !is_scalar(i)) {
            format_text(out, item, identifier, None);
        }
    } else {
        format_scalar_list(out, &items.iter().collect::<Vec<_>>(), identifier);
    }
}

fn format_scalar_list(out: &mut String, items: &[&Value], identifier: Option<&str>) {
    match identifier {
        Some(id) => {
            for item in items {
                let _ = writeln!(out, "{}\t{}", id.to_uppercase(), scalar_str(item));
            }
        }
        None => {
            let row: Vec<String> = items.iter().map(|i| scalar_str(i)).collect();
            out.push_str(&row.join("\t"));
            out.push('\n');
        }
    }
}

fn format_map(out: &mut String, entries: &[(String, Value)], identifier: Option<&str>, scalar_keys: Option<&[String]>) {
    let mut scalars: Vec<String> = Vec::new();
    let mut nested: Vec<(&str, &Value)> = Vec::new();
    match scalar_keys {
        None => {
            let mut sorted: Vec<&(String, Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, v) in sorted {
                if is_scalar(v) {
                    scalars.push(scalar_str(v));
                } else {
                    nested.push((k, v));
                }
            }
        }
        Some(keys) => {
            for key in keys {
                scalars.push(entries.iter().find(|(k, _)| k == key).map(|(_, v)| scalar_str(v)).unwrap_or_default());
            }
            let mut rest: Vec<&(String, Value)> = entries.iter().filter(|(k, _)| !keys.contains(k)).collect();
            rest.sort_by(|a, b| a.0.cmp(&b.0));
            nested.extend(rest.into_iter().map(|(k, v)| (k.as_str(), v)));
        }
    }
    if !scalars.is_empty() {
        if let Some(id) = identifier {
            scalars.insert(0, id.to_uppercase());
        }
        out.push_str(&scalars.join("\t"));
        out.push('\n');
    }
    for (k, v) in nested {
        format_text(out, v, Some(k), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        Value::map(vec![(
            "IamInstanceProfileAssociation",
            Value::map(vec![
                ("AssociationId", Value::str("iip-assoc-1")),
                ("InstanceId", Value::str("i-1")),
                ("IamInstanceProfile", Value::map(vec![("Arn", Value::str("arn:x")), ("Id", Value::str("AIPA"))])),
                ("State", Value::str("disassociating")),
            ]),
        )])
    }

    #[test]
    fn json_matches_python_layout() {
        let want = "{\n    \"IamInstanceProfileAssociation\": {\n        \"AssociationId\": \"iip-assoc-1\",\n        \"InstanceId\": \"i-1\",\n        \"IamInstanceProfile\": {\n            \"Arn\": \"arn:x\",\n            \"Id\": \"AIPA\"\n        },\n        \"State\": \"disassociating\"\n    }\n}\n";
        assert_eq!(json(&sample()), want);
        assert_eq!(
            json(&Value::map(vec![("A", Value::List(vec![])), ("B", Value::Map(vec![]))])),
            "{\n    \"A\": [],\n    \"B\": {}\n}\n"
        );
        assert_eq!(json(&Value::str("é\"\\\n\u{1}")), "\"é\\\"\\\\\\n\\u0001\"\n");
    }

    #[test]
    fn text_matches_awscli_layout() {
        assert_eq!(
            text(&sample()),
            "IAMINSTANCEPROFILEASSOCIATION\tiip-assoc-1\ti-1\tdisassociating\nIAMINSTANCEPROFILE\tarn:x\tAIPA\n"
        );
    }
}
