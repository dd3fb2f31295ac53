//! Input from files and documents: `file://` and `fileb://` values
//! (`awscli/paramfile.py`), `--cli-input-json` / `--cli-input-yaml`
//! (`awscli/customizations/cliinput.py`) and `--generate-cli-skeleton`
//! (`awscli/customizations/generatecliskeleton.py`).

use std::collections::HashMap;

use tinyjson::JsonValue;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::CliError;
use crate::args::{Opt, Parsed};
use crate::commands::{Command, Response, Ty};
use crate::output::{self, Value};
use crate::python::py_repr;
pub(crate) use crate::shorthand::{MAX_DEPTH, too_deep};

/// The options v2 adds to every operation's argument table.
pub(crate) const INPUT_OPTIONS: &[Opt] = &[
    Opt::one(
        "cli-input-json",
        "Reads arguments from the JSON string provided (inline or file://). Command-line values override it.",
    ),
    Opt::one(
        "cli-input-yaml",
        "Reads arguments from the YAML string provided (inline or file://). Command-line values override it.",
    ),
    Opt::one("generate-cli-skeleton", "Prints a skeleton and exits: input (JSON, the default), yaml-input, or output.")
        .choices(&["input", "output", "yaml-input"])
        .optional("input"),
];

/// A parsed input document, as Python's `json` / ruamel's safe loader give it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Doc {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Doc>),
    Map(Vec<(String, Doc)>),
}

impl Doc {
    fn from_json(v: &JsonValue) -> Doc {
        match v {
            JsonValue::Null => Doc::Null,
            JsonValue::Boolean(b) => Doc::Bool(*b),
            JsonValue::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => Doc::Int(*n as i64),
            JsonValue::Number(n) => Doc::Float(*n),
            JsonValue::String(s) => Doc::Str(s.clone()),
            JsonValue::Array(items) => Doc::List(items.iter().map(Doc::from_json).collect()),
            JsonValue::Object(map) => {
                let mut entries: Vec<(String, Doc)> = map.iter().map(|(k, v)| (k.clone(), Doc::from_json(v))).collect();
                crate::output::sort::sort_by(&mut entries, |a, b| a.0.cmp(&b.0));
                Doc::Map(entries)
            }
        }
    }

    /// Python's class name, for botocore's messages.
    fn py_type(&self) -> &'static str {
        match self {
            Doc::Null => "<class 'NoneType'>",
            Doc::Bool(_) => "<class 'bool'>",
            Doc::Int(_) => "<class 'int'>",
            Doc::Float(_) => "<class 'float'>",
            Doc::Str(_) => "<class 'str'>",
            Doc::List(_) => "<class 'list'>",
            Doc::Map(_) => "<class 'dict'>",
        }
    }

    /// Python's `str()` of the value, as botocore's messages show it.
    fn py_str(&self, top: bool) -> String {
        match self {
            Doc::Null => "None".to_owned(),
            Doc::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            Doc::Int(n) => n.to_string(),
            Doc::Float(f) => format!("{f:?}"),
            Doc::Str(s) if top => s.clone(),
            Doc::Str(s) => py_repr(s),
            Doc::List(items) => format!("[{}]", items.iter().map(|i| i.py_str(false)).collect::<Vec<_>>().join(", ")),
            Doc::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", py_repr(k), v.py_str(false)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// JSON text, for the commands' shorthand-or-JSON readers.
    fn to_json(&self) -> String {
        match self {
            Doc::Null => "null".to_owned(),
            Doc::Bool(b) => b.to_string(),
            Doc::Int(n) => n.to_string(),
            Doc::Float(f) => format!("{f:?}"),
            Doc::Str(s) => {
                let mut out = String::new();
                output::write_json_string(&mut out, s, true);
                out
            }
            Doc::List(items) => format!("[{}]", items.iter().map(Doc::to_json).collect::<Vec<_>>().join(", ")),
            Doc::Map(entries) => {
                let fields: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        let mut key = String::new();
                        output::write_json_string(&mut key, k, true);
                        format!("{key}: {}", v.to_json())
                    })
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
        }
    }
}

/// JSON as `json.loads` reads it, with a depth limit.
pub(crate) fn parse_json(text: &str) -> Option<Doc> {
    if too_deep(text) {
        return None;
    }
    text.trim().parse::<JsonValue>().ok().map(|v| Doc::from_json(&v))
}

/// YAML as ruamel's safe loader reads it (YAML 1.2 core schema): one
/// document; anchors and aliases resolved; no deeper than [`MAX_DEPTH`].
pub(crate) fn parse_yaml(text: &str) -> Option<Doc> {
    enum Frame {
        List(Vec<Doc>, usize),
        Map(Vec<(String, Doc)>, Option<String>, usize),
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Doc> = HashMap::new();
    let mut documents: Vec<Doc> = Vec::new();
    // Aliases could multiply a small text into a huge document.
    let mut budget: usize = 100_000;
    loop {
        let (event, _) = parser.next_token().ok()?;
        let (node, anchor) = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => continue,
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(Frame::List(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(Frame::Map(Vec::new(), None, anchor));
                continue;
            }
            Event::SequenceEnd => match stack.pop()? {
                Frame::List(items, anchor) => (Doc::List(items), anchor),
                Frame::Map(..) => return None,
            },
            Event::MappingEnd => match stack.pop()? {
                Frame::Map(entries, None, anchor) => (Doc::Map(entries), anchor),
                _ => return None,
            },
            Event::Scalar(value, style, anchor, _) => (scalar(value, style), anchor),
            Event::Alias(id) => (anchors.get(&id)?.clone(), 0),
        };
        budget = budget.checked_sub(1)?;
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => documents.push(node),
            Some(Frame::List(items, _)) => items.push(node),
            Some(Frame::Map(entries, key, _)) => match key.take() {
                None => match node {
                    Doc::Str(k) => *key = Some(k),
                    Doc::Int(n) => *key = Some(n.to_string()),
                    _ => return None,
                },
                Some(k) => {
                    // A repeated key is an error in ruamel.
                    if entries.iter().any(|(e, _)| *e == k) {
                        return None;
                    }
                    entries.push((k, node));
                }
            },
        }
    }
    match documents.len() {
        0 => Some(Doc::Null),
        1 => documents.pop(),
        _ => None,
    }
}

/// A scalar as the YAML 1.2 core schema resolves it.
fn scalar(value: String, style: TScalarStyle) -> Doc {
    if style != TScalarStyle::Plain {
        return Doc::Str(value);
    }
    match value.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Doc::Null,
        "true" | "True" | "TRUE" => return Doc::Bool(true),
        "false" | "False" | "FALSE" => return Doc::Bool(false),
        _ => {}
    }
    let digits = value.strip_prefix(['-', '+']).unwrap_or(&value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = value.parse::<i64>() {
            return Doc::Int(n);
        }
    } else if let Some(hex) = value.strip_prefix("0x")
        && let Ok(n) = i64::from_str_radix(hex, 16)
    {
        return Doc::Int(n);
    } else if let Some(oct) = value.strip_prefix("0o")
        && let Ok(n) = i64::from_str_radix(oct, 8)
    {
        return Doc::Int(n);
    }
    let looks_numeric = digits.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'));
    if looks_numeric && let Ok(f) = value.parse::<f64>() {
        return Doc::Float(f);
    }
    match value.as_str() {
        ".inf" | ".Inf" | ".INF" | "+.inf" => Doc::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Doc::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Doc::Float(f64::NAN),
        _ => Doc::Str(value),
    }
}

/// botocore's `ParamValidator`: type and unknown-member errors under `path`.
fn validate(doc: &Doc, ty: &Ty, path: &str, errors: &mut Vec<String>) {
    let valid = match (ty, doc) {
        (Ty::Str, Doc::Str(_)) | (Ty::Int, Doc::Int(_)) => return,
        (Ty::List(member), Doc::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                validate(item, member, &format!("{path}[{i}]"), errors);
            }
            return;
        }
        (Ty::Struct(fields), Doc::Map(entries)) => {
            for (k, v) in entries {
                match fields.iter().find(|(name, _)| name == k) {
                    Some((_, t)) => validate(v, t, &format!("{path}.{k}"), errors),
                    None => {
                        let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                        errors.push(format!(
                            "Unknown parameter in {path}: \"{k}\", must be one of: {}",
                            names.join(", ")
                        ));
                    }
                }
            }
            return;
        }
        (Ty::Str, _) => "<class 'str'>",
        (Ty::Int, _) => "<class 'int'>",
        (Ty::List(_), _) => "<class 'list'>, <class 'tuple'>",
        (Ty::Struct(_), _) => "<class 'dict'>",
    };
    errors.push(format!(
        "Invalid type for parameter {path}, value: {}, type: {}, valid types: {valid}",
        doc.py_str(true),
        doc.py_type()
    ));
}

/// `file://` and `fileb://` values (`awscli/paramfile.py`), for every option
/// of the command's own pass: the file's contents replace the value.
fn load_paramfiles(command: &Command, parsed: &mut Parsed) -> Result<(), CliError> {
    let names: Vec<&'static str> = command.argument_table().iter().map(|o| o.name).collect();
    for name in names {
        let Some(values) = parsed.values.get_mut(name) else { continue };
        // A list option is read from a file only when given one value.
        let [value] = values.as_mut_slice() else { continue };
        match read_paramfile(value).map_err(|e| CliError::param(format!("Error parsing parameter '--{name}': {e}")))? {
            None => {}
            Some(Loaded::Text(text)) => {
                let strings = command.member(name).is_some_and(|m| matches!(m.ty, Ty::List(Ty::Str)));
                if strings && text.trim_start().chars().next().is_some_and(|c| c != '[') {
                    // The file's text is one `str` for a list of strings: not JSON, it is
                    // iterated, one character per item (`_unpack_complex_cli_arg`,
                    // `awscli/argprocess.py`).
                    *values = text.chars().map(String::from).collect();
                } else {
                    *value = text;
                }
            }
            Some(Loaded::Bytes(bytes)) if name.starts_with("cli-input-") => {
                // json.loads and ruamel read bytes as UTF-8.
                *value = String::from_utf8(bytes).map_err(|_| {
                    CliError::param(format!("Error parsing parameter '{name}': Invalid {} received.", input_kind(name)))
                })?;
            }
            Some(Loaded::Bytes(bytes)) => {
                // Bytes for a string member: botocore's type check refuses them.
                let model = command.member(name).map_or(name, |m| m.model);
                return Err(CliError::param(format!(
                    "Parameter validation failed:\nInvalid type for parameter {model}, value: {}, type: <class \
                     'bytes'>, valid types: <class 'str'>",
                    py_bytes(&bytes)
                )));
            }
        }
    }
    Ok(())
}

fn input_kind(name: &str) -> &'static str {
    if name.ends_with("yaml") { "YAML" } else { "JSON" }
}

enum Loaded {
    Text(String),
    Bytes(Vec<u8>),
}

/// `get_paramfile`: `None` when `value` names no file.
fn read_paramfile(value: &str) -> Result<Option<Loaded>, String> {
    let (path, binary) = if let Some(p) = value.strip_prefix("file://") {
        (p, false)
    } else if let Some(p) = value.strip_prefix("fileb://") {
        (p, true)
    } else {
        return Ok(None);
    };
    let file_path = expand(path);
    let bytes = std::fs::read(&file_path).map_err(|e| {
        let errno = e.raw_os_error().map(|n| (n, strerror(n, &e)));
        match errno {
            Some((n, why)) => format!("Unable to load paramfile {value}: [Errno {n}] {why}: {}", py_repr(&file_path)),
            None => format!("Unable to load paramfile {value}: {e}"),
        }
    })?;
    if binary {
        return Ok(Some(Loaded::Bytes(bytes)));
    }
    String::from_utf8(bytes).map(|t| Some(Loaded::Text(t))).map_err(|_| {
        format!(
            "Unable to load paramfile ({file_path}), text contents could not be decoded.  If this is a binary file, \
             please use the fileb:// prefix instead of the file:// prefix."
        )
    })
}

/// Python's `os.strerror` for the errors a file read meets.
fn strerror(n: i32, e: &std::io::Error) -> String {
    match n {
        2 => "No such file or directory".to_owned(),
        13 => "Permission denied".to_owned(),
        21 => "Is a directory".to_owned(),
        20 => "Not a directory".to_owned(),
        _ => e.to_string().split(" (os error").next().unwrap_or_default().to_owned(),
    }
}

/// `os.path.expandvars(os.path.expanduser(path))`.
fn expand(path: &str) -> String {
    let path = match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match std::env::var("HOME") {
            Ok(home) => format!("{home}{rest}"),
            Err(_) => path.to_owned(),
        },
        _ => path.to_owned(),
    };
    let mut out = String::new();
    let mut rest = path.as_str();
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
            match braced.split_once('}') {
                Some((n, t)) => (n, t),
                None => ("", after),
            }
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        match std::env::var(name) {
            Ok(v) if !name.is_empty() => out.push_str(&v),
            _ => out.push_str(&rest[at..rest.len() - tail.len()]),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Python's `repr` of bytes.
fn py_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &b in bytes {
        match b {
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// Loads `file://` values, then merges `--cli-input-json` or `--cli-input-yaml`
/// under what the command line gave (`CliInputArgument`).
pub(crate) fn apply(command: &Command, parsed: &mut Parsed) -> Result<(), CliError> {
    load_paramfiles(command, parsed)?;
    let json = parsed.one("cli-input-json").map(str::to_owned);
    let yaml = parsed.one("cli-input-yaml").map(str::to_owned);
    let (name, doc) = match (json, yaml) {
        (None, None) => return Ok(()),
        (Some(_), Some(_)) => return Err(CliError::param("Only one --cli-input- parameter may be specified.")),
        (Some(t), None) => ("cli-input-json", parse_json(&t)),
        (None, Some(t)) => ("cli-input-yaml", parse_yaml(&t)),
    };
    let doc = doc.ok_or_else(|| {
        CliError::param(format!("Error parsing parameter '{name}': Invalid {} received.", input_kind(name)))
    })?;
    let Doc::Map(entries) = doc else {
        return Err(CliError::param(format!(
            "Error parsing parameter '--{name}': Invalid type: expecting map, received {}",
            doc.py_type()
        )));
    };
    let shape = command.members;
    let mut errors = Vec::new();
    let mut merged: Vec<(&'static str, String)> = Vec::new();
    for (key, value) in &entries {
        let Some((model, cli, ty)) = shape.iter().find(|m| m.model == key).map(|m| (m.model, m.opt.name, &m.ty)) else {
            let names: Vec<&str> = shape.iter().map(|m| m.model).collect();
            errors.push(format!("Unknown parameter in input: \"{key}\", must be one of: {}", names.join(", ")));
            continue;
        };
        // The command line wins.
        if parsed.flag(cli) {
            continue;
        }
        validate(value, ty, model, &mut errors);
        let text = match value {
            Doc::Str(s) => s.clone(),
            Doc::Int(n) => n.to_string(),
            other => other.to_json(),
        };
        merged.push((cli, text));
    }
    if !errors.is_empty() {
        return Err(CliError::param(format!("Parameter validation failed:\n{}", errors.join("\n"))));
    }
    for (cli, text) in merged {
        parsed.values.insert(cli, vec![text]);
    }
    Ok(())
}

/// `--generate-cli-skeleton` / `--generate-cli-skeleton yaml-input`: the
/// command's skeleton.
pub(crate) fn skeleton(command: &Command, kind: &str) -> Result<String, CliError> {
    let Some(s) = &command.skeleton else {
        return Err(CliError::unknown(&["--generate-cli-skeleton".to_owned()]));
    };
    Ok(if kind == "yaml-input" { s.yaml } else { s.json }.to_owned())
}

/// `--generate-cli-skeleton output`: the response `ArgumentGenerator(use_member_names=True)`
/// makes (strings are their member names, timestamps 1970-01-01), printed as a
/// response is. The timestamp is a naive `datetime` there
/// (`awscli/botocore/utils.py`), not the service's: the JSON encoder writes its
/// `isoformat()` (`awscli/utils.py`), the text and table formatters its `str()`.
pub(crate) fn output_skeleton(command: &Command, output: &str) -> Value {
    let epoch = if matches!(output, "text" | "table") { "1970-01-01 00:00:00" } else { "1970-01-01T00:00:00" };
    let association = Value::map(vec![
        ("AssociationId", Value::str("AssociationId")),
        ("InstanceId", Value::str("InstanceId")),
        ("IamInstanceProfile", Value::map(vec![("Arn", Value::str("Arn")), ("Id", Value::str("Id"))])),
        ("State", Value::str("State")),
        ("Timestamp", Value::str(epoch)),
    ]);
    match command.response {
        Response::Listing => Value::map(vec![
            ("IamInstanceProfileAssociations", Value::List(vec![association])),
            ("NextToken", Value::str("NextToken")),
        ]),
        Response::Association => Value::map(vec![("IamInstanceProfileAssociation", association)]),
        Response::None => Value::Map(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::FILTERS;

    #[test]
    fn depth_is_limited_without_recursion() {
        let deep = "[".repeat(20_000) + &"]".repeat(20_000);
        assert!(too_deep(&deep));
        assert_eq!(parse_json(&deep), None);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_json(&ok).is_some());
        assert!(!too_deep(r#"{"a": "[[[[[[["}"#));
        let deep_yaml = "[".repeat(20_000) + &"]".repeat(20_000);
        assert_eq!(parse_yaml(&deep_yaml), None);
        let nested_block: String = (0..300).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
        assert_eq!(parse_yaml(&nested_block), None);
    }

    #[test]
    fn yaml_scalars_as_the_core_schema_reads_them() {
        let doc = parse_yaml("A: ''\nB: 5\nC: null\nD: 'x'\nE: [a, 'b']\nF: {G: true}\nH: 1.5\nI: None\n").unwrap();
        assert_eq!(
            doc,
            Doc::Map(vec![
                ("A".into(), Doc::Str(String::new())),
                ("B".into(), Doc::Int(5)),
                ("C".into(), Doc::Null),
                ("D".into(), Doc::Str("x".into())),
                ("E".into(), Doc::List(vec![Doc::Str("a".into()), Doc::Str("b".into())])),
                ("F".into(), Doc::Map(vec![("G".into(), Doc::Bool(true))])),
                ("H".into(), Doc::Float(1.5)),
                ("I".into(), Doc::Str("None".into())),
            ])
        );
        assert_eq!(
            parse_yaml("a: &x [1]\nb: *x\n").unwrap(),
            Doc::Map(vec![("a".into(), Doc::List(vec![Doc::Int(1)])), ("b".into(), Doc::List(vec![Doc::Int(1)]))])
        );
        assert_eq!(parse_yaml("a: 1\na: 2\n"), None, "a repeated key");
        assert_eq!(parse_yaml("a: 1\n---\nb: 2\n"), None, "two documents");
        assert_eq!(parse_yaml(""), Some(Doc::Null));
    }

    #[test]
    fn botocore_type_messages() {
        let mut errors = Vec::new();
        validate(&Doc::Int(5), &Ty::Str, "AssociationId", &mut errors);
        validate(&Doc::Str("x".into()), &FILTERS, "Filters", &mut errors);
        validate(
            &Doc::List(vec![Doc::Map(vec![("Nme".into(), Doc::Str("a".into()))])]),
            &FILTERS,
            "Filters",
            &mut errors,
        );
        assert_eq!(
            errors,
            [
                "Invalid type for parameter AssociationId, value: 5, type: <class 'int'>, valid types: <class 'str'>",
                "Invalid type for parameter Filters, value: x, type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>",
                "Unknown parameter in Filters[0]: \"Nme\", must be one of: Name, Values",
            ]
        );
    }

    #[test]
    fn paths_expand_as_python_does() {
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(expand("~/x"), format!("{home}/x"));
        assert_eq!(expand("$NO_SUCH_VAR_EC2_LITE/x"), "$NO_SUCH_VAR_EC2_LITE/x");
        assert_eq!(py_bytes(b"a'\x00"), "b'a\\'\\x00'");
    }
}
