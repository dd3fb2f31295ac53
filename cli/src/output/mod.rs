//! What the CLI prints: a small ordered value tree, and the AWS CLI v2's
//! output formats for it (`awscli/formatter.py`): `json` (Python's
//! `json.dumps(indent=4, ensure_ascii=False)`), `text` (`awscli/text.py`),
//! `table` (`awscli/table.py`), `yaml` and `yaml-stream` (ruamel.yaml's safe
//! dumper), and `off`; `--query` (JMESPath) applied where v2 applies it.

mod json;
mod query;
pub(crate) mod sort;
mod table;
mod text;
mod yaml;

use time::OffsetDateTime;

pub(crate) use json::{compact_json, json, write_json_string};
pub(crate) use query::Query;
pub(crate) use text::text;

use crate::python::{iso8601, py_float};

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
            other => return Err(crate::args::invalid_choice("--output", other, &Self::NAMES)),
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
            other => Err(crate::args::invalid_choice("--color", other, &["on", "off", "auto"])),
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

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::List(_) | Value::Map(_))
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

    pub(crate) fn sample() -> Value {
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
        assert_eq!(crate::python::close_matches("yaml-strem", &OutputFormat::NAMES, 0.8), ["yaml-stream"]);
        assert_eq!(crate::python::close_matches("tabel", &OutputFormat::NAMES, 0.8), ["table"]);
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
