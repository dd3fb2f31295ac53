//! Entry points for the fuzz targets in `fuzz/` (feature `_fuzzing`, not part of any API):
//! the parsers of what a user types (argparse's passes, shorthand and JSON structures, list
//! arguments, `--starting-token`, `--query`) and the output formats they feed.

use crate::args::{self, Opt, Positional};
use crate::output::{self, OutputFormat, Printable, Query, RenderOptions, Value};
use crate::{paging, python, shorthand};

/// A command's options, of every kind argparse has.
const OPTIONS: &[Opt] = &[
    Opt::one("association-id", "").required(),
    Opt::many("association-ids", ""),
    Opt::many("filters", ""),
    Opt::one("max-items", "").int(),
    Opt::one("output", "").choices(&["json", "text", "table"]),
    Opt::one("generate-cli-skeleton", "").optional("input"),
    Opt::flag("dry-run", ""),
];

/// `format` with v2's defaults (`RenderOptions::new` is the binary's tests' only).
fn options(format: OutputFormat) -> RenderOptions {
    RenderOptions { format, query: None, timestamps: Default::default(), color: false, width: 80 }
}

/// A listing shaped like Describe's, with every kind of value.
fn document() -> Value {
    let item = |n: i64| {
        Value::map(vec![
            ("AssociationId", Value::str(format!("iip-assoc-{n}"))),
            ("InstanceId", Value::str(format!("i-{n}"))),
            ("IamInstanceProfile", Value::map(vec![("Arn", Value::str("arn:aws:iam::1:instance-profile/p"))])),
            ("State", Value::str(if n % 2 == 0 { "associated" } else { "disassociating" })),
            ("Count", Value::Int(n)),
            ("Ratio", Value::Float(n as f64 / 3.0)),
            ("Flag", Value::Bool(n % 3 == 0)),
            ("Nothing", Value::Null),
        ])
    };
    Value::List((0..4).map(item).collect())
}

/// The command line, shorthand, `--starting-token`, `--query` and every output writer, fed
/// `data`: its first byte chooses which.
pub fn cli_args(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match selector % 5 {
        // A command line, one argument per line, through the operation's pass.
        0 => {
            let words: Vec<String> = text.split('\n').map(str::to_owned).collect();
            let opts: Vec<&Opt> = OPTIONS.iter().collect();
            let positional = Positional { name: "help", choices: Some(&["help"]), optional: true };
            let _ = args::parse_known(&words, &opts, positional, selector & 0x80 == 0);
            let _ = args::python_int(&text);
            let _ = python::close_matches(&text, &["json", "text", "table", "yaml", "yaml-stream", "off"], 0.6);
        }
        // Shorthand or JSON, as one structure and as a list of them.
        1 => {
            let _ = shorthand::structure(&text, &["Name", "Values"], "--filters");
            let items: Vec<String> = text.split('\n').map(str::to_owned).collect();
            if let Ok(list) = shorthand::structures(&items, &["Name", "Values"], "--filters") {
                for fields in &list {
                    let _ = shorthand::single(fields, "Name", "--filters");
                }
            }
            let _ = shorthand::strings(&items, "--association-ids");
        }
        // A --starting-token; what decodes must encode back to itself.
        2 => {
            if let Ok(resume) = paging::decode(&text) {
                let again = paging::decode(&paging::encode(&resume, resume.skip > 0));
                assert_eq!(again, Ok(resume), "token {text:?}");
            }
        }
        // A --query, on a listing, in every output format.
        3 => {
            let Ok(query) = Query::compile(&text) else { return };
            let _ = query.search(&document());
            let format = [
                OutputFormat::Json,
                OutputFormat::Text,
                OutputFormat::Table,
                OutputFormat::Yaml,
                OutputFormat::YamlStream,
            ][usize::from(selector >> 5) % 5];
            let mut opts = options(format);
            opts.query = Some(query);
            let pages = vec![document_items(), document_items()];
            let printable = Printable::Paged {
                key: "IamInstanceProfileAssociations",
                pages,
                page_tokens: vec![Some("100".to_owned()), None],
                resume: None,
            };
            let _ = output::render(printable, "DescribeIamInstanceProfileAssociations", &opts);
        }
        // Any string through every writer.
        _ => {
            let mut out = String::new();
            output::write_json_string(&mut out, &text, true);
            let v = Value::map(vec![("K", Value::List(vec![Value::str(text.as_ref()), Value::str("x")]))]);
            for format in [OutputFormat::Json, OutputFormat::Text, OutputFormat::Table, OutputFormat::Yaml] {
                let _ = output::render(Printable::Single(v.clone()), "Operation", &options(format));
            }
        }
    }
}

fn document_items() -> Vec<Value> {
    match document() {
        Value::List(items) => items,
        _ => Vec::new(),
    }
}
