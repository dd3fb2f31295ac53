//! What the CLI prints: a small ordered value tree, and the AWS CLI v2's
//! output formats for it (`awscli/formatter.py`): `json` (Python's
//! `json.dumps(indent=4, ensure_ascii=False)`), `text` (`awscli/text.py`),
//! `table` (`awscli/table.py`), `yaml` and `yaml-stream` (ruamel.yaml's safe
//! dumper), and `off`; `--query` (JMESPath) applied where v2 applies it.

mod query;
pub(crate) mod sort;
mod table;
mod yaml;

use std::fmt::Write as _;

use time::{OffsetDateTime, UtcOffset};

pub(crate) use query::Query;

/// What a command prints.
pub(crate) enum Printable {
    /// One response.
    Single(Value),
    /// An auto-paginated listing: the items of each page under `key`, the
    /// service's token after each page, and where to resume when
    /// `--max-items` cut it short.
    Paged { key: &'static str, pages: Vec<Vec<Value>>, page_tokens: Vec<Option<String>>, resume: Option<String> },
}

/// A JSON-like value whose maps keep their insertion order, as botocore's
/// parsed responses do (the model's member order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// A whole number (Python's `int`).
    Int(i64),
    /// A float (Python's `float`: printed `1.0`, not `1`).
    Float(f64),
    Str(String),
    /// A timestamp from the service, printed as `cli_timestamp_format` says.
    Timestamp(OffsetDateTime),
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

    /// Python's truth value: what `if not response` tests in the formatters.
    fn is_falsy(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::Int(i) => *i == 0,
            Value::Float(f) => *f == 0.0,
            Value::Str(s) => s.is_empty(),
            Value::Timestamp(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Map(m) => m.is_empty(),
        }
    }

    fn is_empty_map(&self) -> bool {
        matches!(self, Value::Map(m) if m.is_empty())
    }

    /// Timestamps turned into the strings v2 prints, as its response parser
    /// does before anything else (a `--query` sees the strings).
    fn resolve_timestamps(self, format: TimestampFormat) -> Value {
        match self {
            Value::Timestamp(t) => Value::Str(format.format(t)),
            Value::List(items) => Value::List(items.into_iter().map(|v| v.resolve_timestamps(format)).collect()),
            Value::Map(entries) => {
                Value::Map(entries.into_iter().map(|(k, v)| (k, v.resolve_timestamps(format))).collect())
            }
            scalar => scalar,
        }
    }
}

/// `--output`: the formats of the AWS CLI v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum OutputFormat {
    #[default]
    Json,
    Text,
    Table,
    Yaml,
    YamlStream,
    Off,
}

impl OutputFormat {
    /// Every format's name, in the order `aws help` lists them.
    pub(crate) const NAMES: [&'static str; 6] = ["json", "text", "table", "yaml", "yaml-stream", "off"];

    /// A format by name. The error is argparse's for `--output`, as v2 words
    /// it (`awscli/argparser.py`): `argument --output: Found invalid choice 'x'`,
    /// with `Maybe you meant:` and the close matches when there are some.
    pub(crate) fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "json" => OutputFormat::Json,
            "text" => OutputFormat::Text,
            "table" => OutputFormat::Table,
            "yaml" => OutputFormat::Yaml,
            "yaml-stream" => OutputFormat::YamlStream,
            "off" => OutputFormat::Off,
            other => return Err(invalid_choice("--output", other, &Self::NAMES)),
        })
    }
}

/// `cli_timestamp_format`: how timestamps are printed.
// Until the command line reads --color and cli_timestamp_format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum TimestampFormat {
    /// v2's default: Python's `datetime.isoformat()`, `2016-08-19T22:14:21+00:00`.
    #[default]
    Iso8601,
    /// As EC2 sends it: `2016-08-19T22:14:21.000Z`.
    Wire,
}

// Until the command line reads --color and cli_timestamp_format.
impl TimestampFormat {
    /// A `cli_timestamp_format` value, with v2's error for any other
    /// (`awscli/customizations/timestampformat.py`; a configuration error, 253).
    pub(crate) fn parse(value: &str) -> Result<Self, String> {
        match value {
            "iso8601" => Ok(TimestampFormat::Iso8601),
            "wire" => Ok(TimestampFormat::Wire),
            other => {
                Err(format!("Unknown cli_timestamp_format value: {other}, valid values are \"wire\" or \"iso8601\""))
            }
        }
    }

    fn format(self, t: OffsetDateTime) -> String {
        match self {
            TimestampFormat::Wire => ec2_lite::format_timestamp(t),
            TimestampFormat::Iso8601 => iso8601(t),
        }
    }
}

/// Python's `datetime.isoformat()` of an aware UTC datetime: microseconds
/// only when there are some, the offset as `+00:00`.
fn iso8601(t: OffsetDateTime) -> String {
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

/// `--color`: `on`, `off`, or `auto` (the default: colour when stdout is a
/// terminal). Only `--output table` has colours.
// Until the command line reads --color and cli_timestamp_format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ColorChoice {
    On,
    Off,
    #[default]
    Auto,
}

// Until the command line reads --color and cli_timestamp_format.
impl ColorChoice {
    /// A `--color` value; the error as argparse words it in v2.
    pub(crate) fn parse(value: &str) -> Result<Self, String> {
        match value {
            "on" => Ok(ColorChoice::On),
            "off" => Ok(ColorChoice::Off),
            "auto" => Ok(ColorChoice::Auto),
            other => Err(invalid_choice("--color", other, &["on", "off", "auto"])),
        }
    }

    /// Whether to colour, given whether stdout is a terminal.
    pub(crate) fn enabled(self, stdout_is_terminal: bool) -> bool {
        match self {
            ColorChoice::On => true,
            ColorChoice::Off => false,
            ColorChoice::Auto => stdout_is_terminal,
        }
    }
}

/// Everything that decides how a result is printed.
#[derive(Debug)]
pub(crate) struct RenderOptions {
    pub(crate) format: OutputFormat,
    pub(crate) query: Option<Query>,
    pub(crate) timestamps: TimestampFormat,
    /// Colours in `--output table`.
    pub(crate) color: bool,
    /// The terminal's width, which a table wider than it is reshaped to fit;
    /// 80 when stdout is not a terminal, as in `awscli/table.py`.
    pub(crate) width: usize,
}

impl RenderOptions {
    /// `format` with v2's defaults: no query, iso8601 timestamps, no colour,
    /// 80 columns.
    #[cfg(test)]
    pub(crate) fn new(format: OutputFormat) -> Self {
        RenderOptions { format, query: None, timestamps: TimestampFormat::default(), color: false, width: 80 }
    }

    /// The options for printing on this process's stdout: colours by
    /// `color` and whether stdout is a terminal; the width from `COLUMNS`
    /// on a terminal, else 80.
    pub(crate) fn for_stdout(
        format: OutputFormat,
        query: Option<Query>,
        timestamps: TimestampFormat,
        color: ColorChoice,
    ) -> Self {
        use std::io::IsTerminal;
        let terminal = std::io::stdout().is_terminal();
        let width = terminal
            .then(|| std::env::var("COLUMNS").ok())
            .flatten()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w > 0)
            .unwrap_or(80);
        RenderOptions { format, query, timestamps, color: color.enabled(terminal), width }
    }
}

/// Prints `printable`, the result of the operation `title`
/// (`DescribeIamInstanceProfileAssociations`: a table's title), as the AWS
/// CLI v2 does. A paginated listing is one merged document in json, yaml and
/// table, with the query applied to the whole; in text, one block per page,
/// the query applied to each; in yaml-stream, one document per page as the
/// service sent it. The error is a query that failed on the data (v2: 255).
pub(crate) fn render(printable: Printable, title: &str, opts: &RenderOptions) -> Result<String, String> {
    let ts = opts.timestamps;
    let apply = |v: Value| -> Result<Value, String> {
        let v = v.resolve_timestamps(ts);
        match &opts.query {
            Some(q) => q.search(&v),
            None => Ok(v),
        }
    };
    match opts.format {
        OutputFormat::Off => Ok(String::new()),
        OutputFormat::Text => {
            let mut out = String::new();
            match printable {
                Printable::Single(v) => out.push_str(&text(&apply(v)?)),
                Printable::Paged { key, pages, resume, .. } => {
                    for page in pages {
                        out.push_str(&text(&apply(Value::map(vec![(key, Value::List(page))]))?));
                    }
                    if let Some(r) = resume {
                        let token = Value::map(vec![("NextToken", Value::map(vec![("NextToken", Value::str(r))]))]);
                        out.push_str(&text(&apply(token)?));
                    }
                }
            }
            Ok(out)
        }
        OutputFormat::YamlStream => {
            let mut out = String::new();
            match printable {
                Printable::Single(v) => {
                    let v = apply(v)?;
                    if !v.is_empty_map() {
                        out.push_str(&yaml::dump(&Value::List(vec![v])));
                    }
                }
                Printable::Paged { key, pages, page_tokens, .. } => {
                    for (i, page) in pages.into_iter().enumerate() {
                        let mut m = vec![(key, Value::List(page))];
                        if let Some(Some(t)) = page_tokens.get(i) {
                            m.push(("NextToken", Value::str(t.clone())));
                        }
                        out.push_str(&yaml::dump(&Value::List(vec![apply(Value::map(m))?])));
                    }
                }
            }
            Ok(out)
        }
        OutputFormat::Json | OutputFormat::Yaml | OutputFormat::Table => {
            let v = apply(merged(printable))?;
            match opts.format {
                OutputFormat::Json | OutputFormat::Yaml if v.is_empty_map() => Ok(String::new()),
                OutputFormat::Json => Ok(json(&v)),
                OutputFormat::Yaml => Ok(yaml::dump(&v)),
                _ if v.is_falsy() => Ok(String::new()),
                _ => table::render(&v, title, opts.color, opts.width),
            }
        }
    }
}

/// A listing as botocore's `build_full_result` merges it: every page's items
/// under the key, then the `NextToken` to resume from.
fn merged(printable: Printable) -> Value {
    match printable {
        Printable::Single(v) => v,
        Printable::Paged { key, pages, resume, .. } => {
            let mut m = vec![(key, Value::List(pages.into_iter().flatten().collect()))];
            if let Some(r) = resume {
                m.push(("NextToken", Value::str(r)));
            }
            Value::map(m)
        }
    }
}

/// argparse's invalid-choice error as v2 words it (`awscli/argparser.py`),
/// with difflib's close matches (cutoff 0.8).
fn invalid_choice(option: &str, value: &str, choices: &[&str]) -> String {
    let mut msg = format!("argument {option}: Found invalid choice '{value}'\n");
    let close = close_matches(value, choices, 0.8);
    if !close.is_empty() {
        msg.push_str("\nMaybe you meant:\n");
        for word in close {
            let _ = write!(msg, "\n  * {word}");
        }
    }
    msg
}

/// Python's `difflib.get_close_matches(word, possibilities, n=3, cutoff)`:
/// the best (at most three) by `SequenceMatcher.ratio()`, best first.
fn close_matches<'a>(word: &str, choices: &[&'a str], cutoff: f64) -> Vec<&'a str> {
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
    sort::sort_by(&mut scored, |a, b| b.0.total_cmp(&a.0).then_with(|| b.1.cmp(a.1)));
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

/// A scalar as Python's `str()` writes it: what text and table print.
fn scalar_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => py_float(*f),
        Value::Str(s) => s.clone(),
        Value::Timestamp(t) => iso8601(*t),
        // Not scalars; the formatters never ask.
        Value::List(_) | Value::Map(_) => String::new(),
    }
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

/// `--output text`, as awscli's `text.py` formats a response: each map's
/// scalar values on one tab-separated line, keys sorted, prefixed with the
/// upper-cased name of the key that holds it; nested maps and lists after.
pub(crate) fn text(v: &Value) -> String {
    let mut out = String::new();
    format_text(&mut out, v, None, None);
    out
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::List(_) | Value::Map(_))
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
pub(crate) mod tests {
    use super::*;

    /// JSON text as the CLI's value tree (the test data of the AWS CLI's
    /// own tests is JSON).
    pub(crate) fn from_json(text: &str) -> Value {
        from_json_value(&serde_json::from_str(text).unwrap())
    }

    /// A JSON value as the CLI's value tree.
    pub(crate) fn from_json_value(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(from_json_value).collect()),
            serde_json::Value::Object(o) => {
                Value::Map(o.iter().map(|(k, v)| (k.clone(), from_json_value(v))).collect())
            }
        }
    }

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
    fn timestamps_as_v2_prints_them() {
        // awscli/customizations/timestampformat.py: parse_timestamp(v).isoformat();
        // the form in v2's docs and its tests/unit/output/test_yaml_output.py.
        let t = ec2_lite::parse_timestamp("2016-08-19T22:14:21.000Z").unwrap();
        assert_eq!(TimestampFormat::Iso8601.format(t), "2016-08-19T22:14:21+00:00");
        assert_eq!(TimestampFormat::Wire.format(t), "2016-08-19T22:14:21.000Z");
        let t = ec2_lite::parse_timestamp("2016-08-19T22:14:21.250Z").unwrap();
        assert_eq!(TimestampFormat::Iso8601.format(t), "2016-08-19T22:14:21.250000+00:00");
        assert_eq!(TimestampFormat::parse("wire"), Ok(TimestampFormat::Wire));
        assert_eq!(TimestampFormat::parse("iso8601"), Ok(TimestampFormat::Iso8601));
        assert_eq!(
            TimestampFormat::parse("none").unwrap_err(),
            "Unknown cli_timestamp_format value: none, valid values are \"wire\" or \"iso8601\""
        );
    }

    #[test]
    fn format_names_and_argparse_errors() {
        for name in OutputFormat::NAMES {
            assert!(OutputFormat::parse(name).is_ok(), "{name}");
        }
        assert_eq!(OutputFormat::parse("yaml-stream"), Ok(OutputFormat::YamlStream));
        assert_eq!(OutputFormat::parse("xml").unwrap_err(), "argument --output: Found invalid choice 'xml'\n");
        // difflib.get_close_matches('jsn', [...], cutoff=0.8) == ['json'].
        assert_eq!(
            OutputFormat::parse("jsn").unwrap_err(),
            "argument --output: Found invalid choice 'jsn'\n\nMaybe you meant:\n\n  * json"
        );
        assert_eq!(close_matches("yaml-strem", &OutputFormat::NAMES, 0.8), ["yaml-stream"]);
        assert_eq!(close_matches("tabel", &OutputFormat::NAMES, 0.8), ["table"]);
        assert_eq!(ColorChoice::parse("auto"), Ok(ColorChoice::Auto));
        assert_eq!(ColorChoice::parse("yes").unwrap_err(), "argument --color: Found invalid choice 'yes'\n");
        assert!(ColorChoice::Auto.enabled(true) && !ColorChoice::Auto.enabled(false));
        assert!(ColorChoice::On.enabled(false) && !ColorChoice::Off.enabled(true));
    }

    fn paged() -> Printable {
        let item = |id: &str| Value::map(vec![("AssociationId", Value::str(id)), ("State", Value::str("associated"))]);
        Printable::Paged {
            key: "Items",
            pages: vec![vec![item("a1"), item("a2")], vec![item("a3")]],
            page_tokens: vec![Some("t1".to_owned()), None],
            resume: None,
        }
    }

    fn render_as(format: OutputFormat, query: Option<&str>, p: Printable) -> String {
        let mut opts = RenderOptions::new(format);
        opts.query = query.map(|q| Query::compile(q).unwrap());
        render(p, "Op", &opts).unwrap()
    }

    /// awscli/formatter.py: the query on the merged result in json, yaml and
    /// table; on each page in text; on each page as sent (with its token) in
    /// yaml-stream; nothing at all with `off`.
    #[test]
    fn where_the_query_applies() {
        let q = Some("Items[0].AssociationId");
        assert_eq!(render_as(OutputFormat::Json, q, paged()), "\"a1\"\n");
        assert_eq!(render_as(OutputFormat::Yaml, q, paged()), "\"a1\"\n");
        assert_eq!(render_as(OutputFormat::Text, q, paged()), "a1\na3\n");
        assert_eq!(render_as(OutputFormat::YamlStream, q, paged()), "- a1\n- a3\n");
        assert_eq!(render_as(OutputFormat::Off, q, paged()), "");
        assert_eq!(render_as(OutputFormat::Json, Some("length(Items)"), paged()), "3\n");
        assert_eq!(render_as(OutputFormat::Text, Some("length(Items)"), paged()), "2\n1\n");
        // tests/functional/test_output.py (TestYAMLStream): one document per
        // page, the service's token in it.
        assert_eq!(
            render_as(OutputFormat::YamlStream, None, paged()),
            "- Items:\n  - AssociationId: a1\n    State: associated\n  - AssociationId: a2\n    State: associated\n  NextToken: t1\n\
             - Items:\n  - AssociationId: a3\n    State: associated\n"
        );
        // An empty result: json and yaml print nothing for {}, table nothing
        // for anything false.
        let empty = || Printable::Single(Value::Map(vec![]));
        assert_eq!(render_as(OutputFormat::Json, None, empty()), "");
        assert_eq!(render_as(OutputFormat::Yaml, None, empty()), "");
        assert_eq!(render_as(OutputFormat::YamlStream, None, empty()), "");
        assert_eq!(render_as(OutputFormat::Table, Some("Items[9]"), paged()), "");
        assert_eq!(render_as(OutputFormat::Json, Some("Items[9]"), paged()), "null\n");
        assert_eq!(render_as(OutputFormat::Text, Some("Items[9]"), paged()), "None\nNone\n");
        assert_eq!(render_as(OutputFormat::Json, Some("Items[?State=='x']"), paged()), "[]\n");
    }

    /// A timestamp reaches the query and every format as the setting says.
    #[test]
    fn timestamps_are_strings_before_the_query() {
        let t = ec2_lite::parse_timestamp("2016-08-19T22:14:21.000Z").unwrap();
        let p = || Printable::Single(Value::map(vec![("Timestamp", Value::Timestamp(t))]));
        let mut opts = RenderOptions::new(OutputFormat::Json);
        assert_eq!(render(p(), "Op", &opts).unwrap(), "{\n    \"Timestamp\": \"2016-08-19T22:14:21+00:00\"\n}\n");
        opts.query = Some(Query::compile("starts_with(Timestamp, '2016-08-19T22:14:21+')").unwrap());
        assert_eq!(render(p(), "Op", &opts).unwrap(), "true\n");
        opts.timestamps = TimestampFormat::Wire;
        opts.query = None;
        opts.format = OutputFormat::Text;
        assert_eq!(render(p(), "Op", &opts).unwrap(), "2016-08-19T22:14:21.000Z\n");
        opts.format = OutputFormat::Yaml;
        assert_eq!(render(p(), "Op", &opts).unwrap(), "Timestamp: '2016-08-19T22:14:21.000Z'\n");
    }
}
