//! Command-line parsing, by hand: the AWS CLI's conventions (`--name value`,
//! `--name=value`, list options that take every value up to the next
//! `--option`, global options anywhere) in a hundred lines rather than a
//! framework.

use std::collections::HashMap;

/// How an option takes values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `--name value`
    One,
    /// `--name v1 v2 ...`, up to the next `--option`.
    Many,
    /// `--name`, no value.
    Flag,
}

/// One option a command (or the tool) accepts.
#[derive(Debug)]
pub(crate) struct Opt {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
    pub(crate) help: &'static str,
}

/// Options accepted before or after any command, as in the AWS CLI.
pub(crate) const GLOBAL_OPTIONS: &[Opt] = &[
    Opt {
        name: "profile",
        kind: Kind::One,
        required: false,
        help: "the profile of ~/.aws/config and ~/.aws/credentials to use (else AWS_PROFILE, else default)",
    },
    Opt {
        name: "region",
        kind: Kind::One,
        required: false,
        help: "the region to use (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region)",
    },
    Opt {
        name: "endpoint-url",
        kind: Kind::One,
        required: false,
        help: "send requests to this URL instead of the region's EC2 endpoint",
    },
    Opt { name: "output", kind: Kind::One, required: false, help: "json (default) or text (else AWS_DEFAULT_OUTPUT)" },
    Opt {
        name: "cli-connect-timeout",
        kind: Kind::One,
        required: false,
        help: "seconds to wait for a connection (default 3.1; 0: no limit)",
    },
    Opt {
        name: "cli-read-timeout",
        kind: Kind::One,
        required: false,
        help: "seconds to wait for each read (default 60; 0: no limit)",
    },
    Opt {
        name: "operation-timeout",
        kind: Kind::One,
        required: false,
        help: "extension: seconds a whole call may take, retries included (env EC2_LITE_OPERATION_TIMEOUT; \
               default: none beyond 60 s per attempt)",
    },
    Opt {
        name: "debug",
        kind: Kind::Flag,
        required: false,
        help: "print each signed request and response on stderr (secrets redacted)",
    },
    Opt {
        name: "no-paginate",
        kind: Kind::Flag,
        required: false,
        help: "make one call and print one page, not every page",
    },
    Opt {
        name: "no-cli-pager",
        kind: Kind::Flag,
        required: false,
        help: "accepted for compatibility; output is never paged",
    },
    Opt { name: "version", kind: Kind::Flag, required: false, help: "print the version and exit" },
    Opt { name: "help", kind: Kind::Flag, required: false, help: "print help and exit" },
];

/// The parsed command line.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// Words that are not options: the command, and the waiter name for `wait`.
    pub(crate) words: Vec<String>,
    values: HashMap<&'static str, Vec<String>>,
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

    /// Whether a flag was given.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

/// Parses `args` against the global options and, once the command is known,
/// that command's options (`lookup` finds them from the words seen so far).
pub(crate) fn parse<'a>(args: &[String], lookup: impl Fn(&[String]) -> Option<&'a [Opt]>) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(body) = arg.strip_prefix("--") else {
            parsed.words.push(arg.clone());
            continue;
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (body, None),
        };
        let command_opts = lookup(&parsed.words).unwrap_or(&[]);
        let Some(opt) = GLOBAL_OPTIONS.iter().chain(command_opts).find(|o| o.name == name) else {
            return Err(format!("unknown option --{name}"));
        };
        let values = match (opt.kind, inline) {
            (Kind::Flag, Some(_)) => return Err(format!("--{name} takes no value")),
            (Kind::Flag, None) => Vec::new(),
            (_, Some(v)) => vec![v],
            (Kind::One, None) => match args.get(i) {
                // A value may itself start with `-` (a negative number), but
                // not with `--`, which is the next option.
                Some(v) if !v.starts_with("--") => {
                    i += 1;
                    vec![v.clone()]
                }
                _ => return Err(format!("--{name} expects a value")),
            },
            (Kind::Many, None) => {
                let start = i;
                while args.get(i).is_some_and(|a| !a.starts_with("--")) {
                    i += 1;
                }
                if i == start {
                    return Err(format!("--{name} expects at least one value"));
                }
                args[start..i].to_vec()
            }
        };
        parsed.values.insert(opt.name, values);
    }
    Ok(parsed)
}

/// The required options of `opts` that are missing from `parsed`.
pub(crate) fn missing_required(parsed: &Parsed, opts: &[Opt]) -> Vec<String> {
    opts.iter().filter(|o| o.required && !parsed.values.contains_key(o.name)).map(|o| format!("--{}", o.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMD: &[Opt] = &[
        Opt { name: "association-id", kind: Kind::One, required: true, help: "" },
        Opt { name: "association-ids", kind: Kind::Many, required: false, help: "" },
    ];

    fn p(args: &[&str]) -> Result<Parsed, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, |words| (!words.is_empty()).then_some(CMD))
    }

    #[test]
    fn options_anywhere_and_inline_values() {
        let r = p(&["--region", "eu-west-1", "cmd", "--association-id=iip-assoc-1", "--debug"]).unwrap();
        assert_eq!(r.words, ["cmd"]);
        assert_eq!(r.one("region"), Some("eu-west-1"));
        assert_eq!(r.one("association-id"), Some("iip-assoc-1"));
        assert!(r.flag("debug"));
        let r = p(&["cmd", "--association-ids", "a", "b", "--output", "text"]).unwrap();
        assert_eq!(r.many("association-ids").unwrap(), ["a", "b"]);
        assert_eq!(r.one("output"), Some("text"));
    }

    #[test]
    fn errors() {
        assert!(p(&["cmd", "--nope"]).unwrap_err().contains("unknown option --nope"));
        assert!(p(&["--association-id", "x"]).is_err(), "command options need the command first");
        assert!(p(&["cmd", "--association-id"]).unwrap_err().contains("expects a value"));
        assert!(p(&["cmd", "--association-ids", "--debug"]).unwrap_err().contains("at least one"));
        assert!(p(&["cmd", "--debug=1"]).is_err());
        let r = p(&["cmd"]).unwrap();
        assert_eq!(missing_required(&r, CMD), ["--association-id"]);
    }
}
