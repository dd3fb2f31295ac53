//! Command-line parsing as the AWS CLI v2 parses it: Python's `argparse`, run
//! twice (`awscli/clidriver.py`): once with the global options and the
//! command as its one positional, then with the command's own options and an
//! optional `help` word; whatever neither understood is `Unknown options`.
//!
//! The argparse rules kept here, because scripts rely on them: `--name value`
//! and `--name=value`; a value may start with `-` only when it looks like a
//! negative number or contains a space; unambiguous prefixes of a name are
//! accepted (`allow_abbrev` is on in `awscli/argparser.py`); a repeated option
//! keeps its last value; list options take every value up to the next option.

use std::collections::HashMap;

use crate::python::{close_matches, py_repr};

/// How an option takes values (argparse's `nargs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `--name value` (`nargs=None`)
    One,
    /// `--name v1 v2 ...` (`nargs='+'`)
    Many,
    /// `--name`, no value (`store_true` / `store_false`)
    Flag,
    /// `--name [value]`, the value defaulting to the constant (`nargs='?'`).
    Optional(&'static str),
}

/// One option a command (or the tool) accepts.
#[derive(Debug)]
pub(crate) struct Opt {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
    pub(crate) choices: &'static [&'static str],
    /// Not an option of the AWS CLI: marked as such in help.
    pub(crate) extension: bool,
    /// argparse's `type=int`: checked as it is read.
    pub(crate) int: bool,
    /// A `Many` option that may be given no value (`nargs='*'`, v2's
    /// `ListArgument` for a list of scalars, `awscli/arguments.py`).
    pub(crate) empty_ok: bool,
    pub(crate) help: &'static str,
}

impl Opt {
    pub(crate) const fn one(name: &'static str, help: &'static str) -> Opt {
        Opt {
            name,
            kind: Kind::One,
            required: false,
            choices: &[],
            extension: false,
            int: false,
            empty_ok: false,
            help,
        }
    }
    pub(crate) const fn many(name: &'static str, help: &'static str) -> Opt {
        Opt { kind: Kind::Many, ..Opt::one(name, help) }
    }
    /// `Many`, with `nargs='*'`.
    pub(crate) const fn any(name: &'static str, help: &'static str) -> Opt {
        Opt { empty_ok: true, ..Opt::many(name, help) }
    }
    pub(crate) const fn flag(name: &'static str, help: &'static str) -> Opt {
        Opt { kind: Kind::Flag, ..Opt::one(name, help) }
    }
    pub(crate) const fn required(self) -> Opt {
        Opt { required: true, ..self }
    }
    pub(crate) const fn choices(self, choices: &'static [&'static str]) -> Opt {
        Opt { choices, ..self }
    }
    pub(crate) const fn extension(self) -> Opt {
        Opt { extension: true, ..self }
    }
    pub(crate) const fn int(self) -> Opt {
        Opt { int: true, ..self }
    }
    pub(crate) const fn optional(self, constant: &'static str) -> Opt {
        Opt { kind: Kind::Optional(constant), ..self }
    }
}

/// The output formats of the AWS CLI v2 (`awscli/data/cli.json`).
pub(crate) const OUTPUT_FORMATS: &[&str] = &["json", "text", "table", "yaml", "yaml-stream", "off"];
/// `--cli-error-format` choices (`awscli/data/cli.json`).
pub(crate) const ERROR_FORMATS: &[&str] = &["legacy", "json", "yaml", "text", "table", "enhanced"];
/// `--cli-binary-format` choices.
pub(crate) const BINARY_FORMATS: &[&str] = &["base64", "raw-in-base64-out"];

/// The global options of `aws`, in `awscli/data/cli.json`'s order, and
/// `--help`, this tool's own. Accepted before or after the command.
pub(crate) const GLOBAL_OPTIONS: &[Opt] = &[
    Opt::flag("debug", "Turn on debug logging: each signed request and response on stderr, secrets redacted."),
    Opt::one("endpoint-url", "Override command's default URL with the given URL."),
    Opt::flag(
        "no-verify-ssl",
        "Do not verify SSL certificates (the AWS CLI's warning is printed on stderr). Not for production.",
    ),
    Opt::flag("no-paginate", "Disable automatic pagination: make one call, print the first page."),
    Opt::one("output", "The formatting style for command output: json, text, table, yaml, yaml-stream, off.")
        .choices(OUTPUT_FORMATS),
    Opt::one("query", "A JMESPath query to use in filtering the response data."),
    Opt::one("profile", "Use a specific profile from your credential file."),
    Opt::one("region", "The region to use. Overrides config/env settings."),
    Opt::flag("version", "Display the version of this tool."),
    Opt::one("color", "Turn on/off color output: on, off, auto.").choices(&["on", "off", "auto"]),
    Opt::flag("no-sign-request", "Do not sign requests. Credentials will not be loaded."),
    Opt::one("ca-bundle", "The CA certificate bundle (PEM) to use when verifying SSL certificates."),
    Opt::one("cli-read-timeout", "The maximum socket read time in seconds, an integer; 0: no limit."),
    Opt::one("cli-connect-timeout", "The maximum socket connect time in seconds, an integer; 0: no limit."),
    Opt::one("cli-binary-format", "The formatting style for binary blobs: base64, raw-in-base64-out.")
        .choices(BINARY_FORMATS),
    Opt::flag("no-cli-pager", "Disable cli pager for output (accepted: this tool never pages, nor reads AWS_PAGER)."),
    Opt::flag("cli-auto-prompt", "Accepted and ignored: this tool never prompts."),
    Opt::flag("no-cli-auto-prompt", "Accepted: this tool never prompts."),
    Opt::one("cli-error-format", "The formatting style for error output: legacy, json, yaml, text, table, enhanced.")
        .choices(ERROR_FORMATS),
    Opt::one(
        "operation-timeout",
        "Seconds a whole call may take, retries included (else EC2_LITE_OPERATION_TIMEOUT; default: none beyond 60 s per attempt).",
    )
    .extension(),
    Opt::flag("help", "Print help and exit, as the `help` word does.").extension(),
];

/// The one positional argument a parser takes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Positional<'a> {
    pub(crate) name: &'a str,
    /// Checked as soon as the word is read, as argparse does.
    pub(crate) choices: Option<&'a [&'a str]>,
    /// `nargs='?'`: may be absent.
    pub(crate) optional: bool,
}

/// What one parser pass understood.
#[derive(Debug, Default)]
pub(crate) struct Known {
    pub(crate) values: HashMap<&'static str, Vec<String>>,
    pub(crate) positional: Option<String>,
    /// What this pass did not understand, in order.
    pub(crate) extras: Vec<String>,
    /// `--version` was read: argparse prints it and exits there.
    pub(crate) version: bool,
}

/// How argparse sees one word.
enum Class<'o> {
    Arg,
    Unknown,
    Known(&'o Opt, Option<String>),
}

/// argparse's `_negative_number_matcher`: `^-\d+$|^-\d*\.\d+$`.
fn is_negative_number(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('-') else { return false };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(rest) || rest.split_once('.').is_some_and(|(a, b)| (a.is_empty() || digits(a)) && digits(b))
}

fn classify<'o>(arg: &str, opts: &[&'o Opt]) -> Result<Class<'o>, String> {
    if !arg.starts_with('-') || arg == "-" {
        return Ok(Class::Arg);
    }
    let exact = |name: &str| opts.iter().copied().find(|o| name.strip_prefix("--") == Some(o.name));
    if let Some(o) = exact(arg) {
        return Ok(Class::Known(o, None));
    }
    let (prefix, explicit) = match arg.split_once('=') {
        Some((n, v)) => (n, Some(v.to_owned())),
        None => (arg, None),
    };
    if let Some(o) = exact(prefix)
        && explicit.is_some()
    {
        return Ok(Class::Known(o, explicit));
    }
    if let Some(p) = prefix.strip_prefix("--") {
        let matches: Vec<&Opt> = opts.iter().copied().filter(|o| o.name.starts_with(p)).collect();
        match matches.as_slice() {
            [one] => return Ok(Class::Known(one, explicit)),
            [] => {}
            many => {
                let names: Vec<String> = many.iter().map(|o| format!("--{}", o.name)).collect();
                return Err(format!("ambiguous option: {arg} could match {}", names.join(", ")));
            }
        }
    }
    if is_negative_number(arg) || arg.contains(' ') {
        return Ok(Class::Arg);
    }
    Ok(Class::Unknown)
}

/// `CLIArgParser._check_value` of `awscli/argparser.py`.
pub(crate) fn check_choice(what: &str, value: &str, choices: &[&str]) -> Result<(), String> {
    if choices.contains(&value) { Ok(()) } else { Err(invalid_choice(what, value, choices)) }
}

/// argparse's invalid-choice error as v2 words it (`awscli/argparser.py`):
/// `argument WHAT: Found invalid choice 'x'`, then `Maybe you meant:` and
/// difflib's close matches (cutoff 0.8) when there are some.
pub(crate) fn invalid_choice(what: &str, value: &str, choices: &[&str]) -> String {
    let mut msg = vec![format!("Found invalid choice '{value}'\n")];
    let possible = close_matches(value, choices, 0.8);
    if !possible.is_empty() {
        msg.push("Maybe you meant:\n".to_owned());
        msg.extend(possible.iter().map(|w| format!("  * {w}")));
    }
    format!("argument {what}: {}", msg.join("\n"))
}

/// One argparse `parse_known_args` pass over `args` with `opts` and one
/// positional. Errors are argparse's words (`argument --x: expected one
/// argument`); a missing required option is reported once everything was read.
pub(crate) fn parse_known(
    args: &[String],
    opts: &[&Opt],
    positional: Positional<'_>,
    check_required: bool,
) -> Result<Known, String> {
    let mut known = Known::default();
    let classes: Vec<Class<'_>> = args.iter().map(|a| classify(a, opts)).collect::<Result<_, _>>()?;
    let is_arg = |i: usize| matches!(classes.get(i), Some(Class::Arg));
    let mut i = 0;
    while let (Some(arg), Some(class)) = (args.get(i), classes.get(i)) {
        i += 1;
        let (opt, explicit) = match class {
            Class::Arg => {
                if known.positional.is_none() {
                    if let Some(choices) = positional.choices {
                        check_choice(positional.name, arg, choices)?;
                    }
                    known.positional = Some(arg.clone());
                } else {
                    known.extras.push(arg.clone());
                }
                continue;
            }
            Class::Unknown => {
                known.extras.push(arg.clone());
                continue;
            }
            Class::Known(opt, explicit) => (*opt, explicit.clone()),
        };
        let what = format!("--{}", opt.name);
        let values = match (opt.kind, explicit) {
            (Kind::Flag, Some(v)) => return Err(format!("argument {what}: ignored explicit argument {}", py_repr(&v))),
            (Kind::Flag, None) => Vec::new(),
            (_, Some(v)) => vec![v],
            (Kind::One, None) if is_arg(i) => {
                i += 1;
                args.get(i - 1).cloned().into_iter().collect()
            }
            (Kind::One, None) => return Err(format!("argument {what}: expected one argument")),
            (Kind::Optional(constant), None) if !is_arg(i) => vec![constant.to_owned()],
            (Kind::Optional(_), None) => {
                i += 1;
                args.get(i - 1).cloned().into_iter().collect()
            }
            (Kind::Many, None) => {
                let start = i;
                while is_arg(i) {
                    i += 1;
                }
                if i == start && !opt.empty_ok {
                    return Err(format!("argument {what}: expected at least one argument"));
                }
                args.get(start..i).map(<[String]>::to_vec).unwrap_or_default()
            }
        };
        if !opt.choices.is_empty() {
            for v in &values {
                check_choice(&what, v, opt.choices)?;
            }
        }
        if opt.int
            && let Some(bad) = values.iter().find(|v| python_int(v).is_none())
        {
            return Err(format!("argument {what}: invalid int value: {}", py_repr(bad)));
        }
        if opt.name == "version" {
            known.version = true;
            return Ok(known);
        }
        known.values.insert(opt.name, values);
    }
    let mut missing: Vec<String> = Vec::new();
    if check_required {
        missing.extend(
            opts.iter().filter(|o| o.required && !known.values.contains_key(o.name)).map(|o| format!("--{}", o.name)),
        );
    }
    if known.positional.is_none() && !positional.optional {
        missing.push(positional.name.to_owned());
    }
    if !missing.is_empty() {
        return Err(format!("the following arguments are required: {}", missing.join(", ")));
    }
    Ok(known)
}

/// The parsed command line: the global options and the command's.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// The command, and the waiter name for `wait`.
    pub(crate) words: Vec<String>,
    pub(crate) values: HashMap<&'static str, Vec<String>>,
}

impl Parsed {
    /// The single value of `--name`.
    pub(crate) fn one(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    /// The values of a list option.
    pub(crate) fn many(&self, name: &str) -> Option<&[String]> {
        self.values.get(name).map(Vec::as_slice)
    }

    /// Whether a flag (or any option) was given.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

/// Python's `int()` of a string: surrounding blanks, a sign, digits with
/// single underscores between them.
pub(crate) fn python_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMD: &[Opt] = &[
        Opt::one("association-id", "").required(),
        Opt::many("association-ids", ""),
        Opt::one("max-items", ""),
        Opt::one("max-results", ""),
        Opt::any("instance-ids", ""),
    ];

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    fn main_pass(args: &[&str]) -> Result<Known, String> {
        let opts: Vec<&Opt> = GLOBAL_OPTIONS.iter().collect();
        let p = Positional { name: "operation", choices: Some(&["cmd", "help"]), optional: false };
        parse_known(&strings(args), &opts, p, true)
    }

    fn op_pass(args: &[&str]) -> Result<Known, String> {
        let opts: Vec<&Opt> = CMD.iter().collect();
        parse_known(&strings(args), &opts, Positional { name: "help", choices: None, optional: true }, true)
    }

    #[test]
    fn globals_anywhere_and_the_rest_left_in_order() {
        let k = main_pass(&["--region", "eu-west-1", "cmd", "--association-id=iip-1", "x", "--debug"]).unwrap();
        assert_eq!(k.positional.as_deref(), Some("cmd"));
        assert_eq!(k.values["region"], ["eu-west-1"]);
        assert!(k.values.contains_key("debug"));
        assert_eq!(k.extras, ["--association-id=iip-1", "x"]);
    }

    #[test]
    fn argparse_value_rules() {
        // A value may start with '-' when it is a negative number or has a space.
        assert_eq!(op_pass(&["--association-id", "-5"]).unwrap().values["association-id"], ["-5"]);
        assert_eq!(op_pass(&["--association-id", "-a b"]).unwrap().values["association-id"], ["-a b"]);
        assert_eq!(
            op_pass(&["--association-id", "-x"]).unwrap_err(),
            "argument --association-id: expected one argument"
        );
        assert_eq!(op_pass(&["--association-id=-x"]).unwrap().values["association-id"], ["-x"]);
        // Last wins; prefixes are accepted when unambiguous.
        assert_eq!(
            op_pass(&["--association-id", "a", "--association-id", "b"]).unwrap().values["association-id"],
            ["b"]
        );
        assert_eq!(
            op_pass(&["--association-id", "a", "--association-ids", "b", "c"]).unwrap().values["association-ids"],
            ["b", "c"]
        );
        assert_eq!(op_pass(&["--association-id", "a", "--max-i", "3"]).unwrap().values["max-items"], ["3"]);
        assert_eq!(
            op_pass(&["--association-id", "a", "--max", "3"]).unwrap_err(),
            "ambiguous option: --max could match --max-items, --max-results"
        );
        assert_eq!(
            op_pass(&["--association-ids"]).unwrap_err(),
            "argument --association-ids: expected at least one argument"
        );
        // nargs='*': no value is an empty list.
        let empty = op_pass(&["--association-id", "a", "--instance-ids", "--max-items", "3"]).unwrap();
        assert_eq!(empty.values["instance-ids"], Vec::<String>::new());
        assert_eq!(empty.values["max-items"], ["3"]);
        assert_eq!(op_pass(&[]).unwrap_err(), "the following arguments are required: --association-id");
        assert_eq!(main_pass(&["--debug=1", "cmd"]).unwrap_err(), "argument --debug: ignored explicit argument '1'");
    }

    #[test]
    fn stray_words_and_the_help_positional() {
        let k = op_pass(&["--association-id", "a", "-h", "junk", "more"]).unwrap();
        assert_eq!(k.positional.as_deref(), Some("junk"));
        assert_eq!(k.extras, ["-h", "more"]);
    }

    #[test]
    fn invalid_choices_in_argparse_words() {
        assert_eq!(
            main_pass(&["--output", "yamlx", "cmd"]).unwrap_err(),
            "argument --output: Found invalid choice 'yamlx'\n\nMaybe you meant:\n\n  * yaml"
        );
        assert_eq!(main_pass(&["nope"]).unwrap_err(), "argument operation: Found invalid choice 'nope'\n");
        assert_eq!(main_pass(&[]).unwrap_err(), "the following arguments are required: operation");
        assert!(main_pass(&["--version", "--nonsense"]).unwrap().version);
    }
}
