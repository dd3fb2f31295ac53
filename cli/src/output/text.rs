//! `--output text` (`awscli/text.py`).

use std::fmt::Write as _;

use super::{Value, is_scalar, scalar_str, sort};

/// `--output text`, as awscli's `text.py` formats a response: each map's
/// scalar values on one tab-separated line, keys sorted, prefixed with the
/// upper-cased name of the key that holds it; nested maps and lists after.
pub(crate) fn text(v: &Value) -> String {
    let mut out = String::new();
    format_text(&mut out, v, None, None);
    out
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
        sort::sort(&mut keys);
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
            sort::sort_by(&mut sorted, |a, b| a.0.cmp(&b.0));
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
            sort::sort_by(&mut rest, |a, b| a.0.cmp(&b.0));
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
    use crate::output::tests::sample;

    #[test]
    fn text_matches_awscli_layout() {
        assert_eq!(
            text(&sample()),
            "IAMINSTANCEPROFILEASSOCIATION\tiip-assoc-1\ti-1\tdisassociating\nIAMINSTANCEPROFILE\tarn:x\tAIPA\n"
        );
        // Python's str() of the scalars a query can make.
        let row = Value::List(vec![Value::Null, Value::Bool(false), Value::Int(7), Value::Float(2.0)]);
        assert_eq!(text(&row), "None\tFalse\t7\t2.0\n");
    }
}
