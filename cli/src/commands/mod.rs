//! The commands, one file each: every one is a [`Command`] value, the one
//! description its options, model members, required members, skeletons,
//! paging and response shape derive from. The operations turn their options
//! into the library's request for the operation, holding what botocore would
//! send, validated no more than botocore validates it (the request goes
//! unchecked: EC2 refuses the rest, as it does for the AWS CLI), and the
//! answer into the AWS CLI's shape.

mod associate_iam_instance_profile;
mod describe_iam_instance_profile_associations;
mod disassociate_iam_instance_profile;
mod replace_iam_instance_profile_association;
mod wait;

use std::time::Duration;

use ec2_lite::{Client, Error, IamInstanceProfileAssociation, IamInstanceProfileSpecification, Request};

pub(crate) use self::wait::WAITERS;
use crate::CliError;
use crate::args::{Opt, Parsed};
use crate::input::INPUT_OPTIONS;
pub(crate) use crate::output::Printable;
use crate::output::Value;
use crate::settings::{Settings, python_int};
use crate::shorthand;

/// Every command, in the order help lists them.
pub(crate) const COMMANDS: &[Command] = &[
    associate_iam_instance_profile::COMMAND,
    describe_iam_instance_profile_associations::COMMAND,
    disassociate_iam_instance_profile::COMMAND,
    replace_iam_instance_profile_association::COMMAND,
    wait::COMMAND,
    crate::ensure::COMMAND,
];

/// One example of a command's help: what it does, and the command line (lines after the first
/// start with four spaces). `waiter`: the `wait` subcommand it is of.
pub(crate) struct Example {
    pub(crate) what: &'static str,
    pub(crate) line: &'static str,
    pub(crate) waiter: Option<&'static str>,
}

impl Example {
    pub(crate) const fn new(what: &'static str, line: &'static str) -> Example {
        Example { what, line, waiter: None }
    }

    /// The same example, of the waiter `waiter`.
    pub(crate) const fn of(self, waiter: &'static str) -> Example {
        Example { waiter: Some(waiter), ..self }
    }
}

/// One command of the tool.
pub(crate) struct Command {
    pub(crate) name: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) summary: &'static str,
    /// This tool's own command, not one of `aws ec2`: help tags it `[extension]`.
    pub(crate) extension: bool,
    /// The operation's input members, in the model's order: v2's argument
    /// table, what `--cli-input-*` may hold, and which are required.
    pub(crate) members: &'static [Member],
    /// The options of an extension, which no model shape has.
    pub(crate) options: &'static [Opt],
    /// The words a command takes before its options (`wait`'s waiters).
    pub(crate) subcommands: &'static [&'static str],
    /// Takes v2's `--cli-input-json`, `--cli-input-yaml` and `--generate-cli-skeleton`.
    pub(crate) input_options: bool,
    /// What `--generate-cli-skeleton` prints; `None`: it is refused.
    pub(crate) skeleton: Option<Skeleton>,
    /// Paginated: takes [`PAGING_OPTIONS`].
    pub(crate) paginated: bool,
    /// The response, for `--generate-cli-skeleton output`.
    pub(crate) response: Response,
    /// The second line of help's DESCRIPTION: what an extension is built on. `None`: "The
    /// `operation` operation of the EC2 API."
    pub(crate) described_as: Option<&'static str>,
    /// Help's EXAMPLES.
    pub(crate) examples: &'static [Example],
    pub(crate) run: fn(&Ctx<'_>) -> Result<Option<Printable>, CliError>,
}

impl Command {
    /// What a command has unless it says otherwise: no members, options or
    /// subcommands; v2's input options; no skeleton, no paging, no response
    /// shape; a `run` that prints nothing.
    pub(crate) const BASE: Command = Command {
        name: "",
        operation: "",
        summary: "",
        extension: false,
        members: &[],
        options: &[],
        subcommands: &[],
        input_options: true,
        skeleton: None,
        paginated: false,
        response: Response::None,
        described_as: None,
        examples: &[],
        run: |_| Ok(None),
    };

    /// The options of the command's own pass, as v2 builds its argument
    /// table: the members (or an extension's options), then the input
    /// options, then the paging ones.
    pub(crate) fn argument_table(&self) -> Vec<&'static Opt> {
        let members = self.members.iter().map(|m| &m.opt);
        let input: &'static [Opt] = if self.input_options { INPUT_OPTIONS } else { &[] };
        let paging: &'static [Opt] = if self.paginated { PAGING_OPTIONS } else { &[] };
        members.chain(self.options).chain(input).chain(paging).collect()
    }

    /// The member given as `--{option}`.
    pub(crate) fn member(&self, option: &str) -> Option<&'static Member> {
        self.members.iter().find(|m| m.opt.name == option)
    }

    /// botocore's check of the input shape's required members, which only
    /// finds something when `--cli-input-*` made argparse stop checking them.
    pub(crate) fn check_required(&self, parsed: &Parsed) -> Result<(), CliError> {
        let missing: Vec<String> = self
            .members
            .iter()
            .filter(|m| m.opt.required && !parsed.flag(m.opt.name))
            .map(|m| format!("Missing required parameter in input: \"{}\"", m.model))
            .collect();
        if missing.is_empty() { Ok(()) } else { Err(validation(&missing.join("\n"))) }
    }
}

/// One member of an operation's input shape: its name in the model, its
/// shape, and its option.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) model: &'static str,
    pub(crate) ty: Ty,
    pub(crate) opt: Opt,
}

impl Member {
    pub(crate) const fn new(model: &'static str, ty: Ty, opt: Opt) -> Member {
        Member { model, ty, opt }
    }
}

/// The shape of a parameter, from the EC2 model, as botocore validates it.
#[derive(Debug)]
pub(crate) enum Ty {
    Str,
    Int,
    List(&'static Ty),
    Struct(&'static [(&'static str, Ty)]),
}

/// `IamInstanceProfileSpecification`.
pub(crate) const PROFILE: Ty = Ty::Struct(&[("Arn", Ty::Str), ("Name", Ty::Str)]);
/// `FilterList`.
pub(crate) const FILTERS: Ty = Ty::List(&Ty::Struct(&[("Name", Ty::Str), ("Values", Ty::List(&Ty::Str))]));

/// `--generate-cli-skeleton`: the exact text v2 prints for the operation
/// (`ArgumentGenerator` over the EC2 model, `json.dump(indent=4)`; ruamel's
/// round-trip dump with each member's first sentence of documentation).
#[derive(Debug)]
pub(crate) struct Skeleton {
    pub(crate) json: &'static str,
    pub(crate) yaml: &'static str,
}

/// The shape of a command's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Response {
    /// None that the AWS CLI knows of.
    None,
    /// `{"IamInstanceProfileAssociation": {...}}`.
    Association,
    /// A page of `IamInstanceProfileAssociations`, and its `NextToken`.
    Listing,
}

/// What `awscli/customizations/paginate.py` adds to a paginated operation.
pub(crate) const PAGING_OPTIONS: &[Opt] = &[
    Opt::one(
        "starting-token",
        "A token to specify where to start paginating: the NextToken of a previously truncated response.",
    ),
    Opt::one("page-size", "The size of each page to get in the AWS service call (5 to 1000).").int(),
    Opt::one("max-items", "The total number of items to return; a NextToken is printed when more are available.").int(),
];

const PROFILE_HELP: &str = "The IAM instance profile: Arn=string,Name=string (or JSON).";

/// What a command runs with.
pub(crate) struct Ctx<'a> {
    pub(crate) client: &'a Client,
    pub(crate) parsed: &'a Parsed,
    pub(crate) settings: &'a Settings,
    /// The exit code once the output is printed, for a command whose output does not say it
    /// all (`ensure`'s 254 and 130); 0 unless set.
    pub(crate) exit_code: &'a std::cell::Cell<u8>,
}

impl Ctx<'_> {
    fn fail(&self, operation: &str, e: &Error) -> CliError {
        CliError::from_error(e, operation, self.client.endpoint_url())
    }

    /// An integer parameter: Python's `int()` of the word (a plain
    /// `ValueError`, 255, as in the AWS CLI), then botocore's `min`.
    fn int(&self, name: &str, model: &str, min: Option<i64>) -> Result<Option<i64>, CliError> {
        let Some(v) = self.parsed.one(name) else { return Ok(None) };
        let n = python_int(v).ok_or_else(|| {
            CliError::general(format!("invalid literal for int() with base 10: {}", crate::python::py_repr(v)))
        })?;
        check_min(model, n, min)?;
        Ok(Some(n))
    }

    /// A number of seconds (fractions allowed): the `wait` extension's own.
    fn seconds(&self, name: &str) -> Result<Option<Duration>, CliError> {
        self.parsed
            .one(name)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 1e9)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| {
                        CliError::usage(format!("argument --{name}: expected a number of seconds, got {v:?}"))
                    })
            })
            .transpose()
    }
}

fn validation(report: &str) -> CliError {
    CliError::param(format!("Parameter validation failed:\n{report}"))
}

/// botocore's range check: only `min` is enforced client-side.
fn check_min(model: &str, n: i64, min: Option<i64>) -> Result<(), CliError> {
    match min {
        Some(m) if n < m => {
            Err(validation(&format!("Invalid value for parameter {model}, value: {n}, valid min value: {m}")))
        }
        _ => Ok(()),
    }
}

/// `--iam-instance-profile`, the members given as given. Neither member is
/// required by the model: an empty structure is EC2's to refuse.
fn profile(ctx: &Ctx<'_>) -> Result<IamInstanceProfileSpecification, CliError> {
    const PARAM: &str = "--iam-instance-profile";
    let mut spec = IamInstanceProfileSpecification::default();
    let Some(raw) = ctx.parsed.one("iam-instance-profile") else { return Ok(spec) };
    let fields = shorthand::structure(raw, &["Arn", "Name"], PARAM).map_err(CliError::usage)?;
    spec.arn = shorthand::single(&fields, "Arn", "IamInstanceProfile").map_err(CliError::usage)?.map(str::to_owned);
    spec.name = shorthand::single(&fields, "Name", "IamInstanceProfile").map_err(CliError::usage)?.map(str::to_owned);
    Ok(spec)
}

/// A required string member (the argument passes, or
/// [`Command::check_required`], made sure it is there).
fn member(ctx: &Ctx<'_>, cli: &str) -> String {
    ctx.parsed.one(cli).unwrap_or_default().to_owned()
}

/// Sends `request` as botocore would: unchecked, EC2 judges ids and ranges.
fn send<R: Request>(ctx: &Ctx<'_>, operation: &str, request: &R) -> Result<R::Output, CliError> {
    ctx.client.execute_unchecked(request).map_err(|e| ctx.fail(operation, &e))
}

fn one_association(a: &IamInstanceProfileAssociation) -> Option<Printable> {
    Some(Printable::Single(Value::map(vec![("IamInstanceProfileAssociation", association(a))])))
}

/// An association as botocore parses it: members in the model's order,
/// absent ones left out.
pub(crate) fn association(a: &IamInstanceProfileAssociation) -> Value {
    let mut m = vec![
        ("AssociationId", Value::str(&a.association_id)),
        ("InstanceId", Value::str(&a.instance_id)),
        (
            "IamInstanceProfile",
            Value::map(vec![
                ("Arn", Value::str(&a.iam_instance_profile.arn)),
                ("Id", Value::str(&a.iam_instance_profile.id)),
            ]),
        ),
        ("State", Value::str(a.state.as_str())),
    ];
    if let Some(t) = a.timestamp {
        m.push(("Timestamp", Value::Timestamp(t)));
    }
    Value::map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each skeleton names the command's members, in the model's order, with
    /// `[REQUIRED]` on exactly the required ones.
    #[test]
    fn skeletons_agree_with_the_members() {
        // An extension's skeleton is its own document's shape (ensure's --desired-state).
        for c in COMMANDS.iter().filter(|c| !c.extension) {
            let Some(s) = &c.skeleton else {
                assert!(c.members.is_empty(), "{}", c.name);
                continue;
            };
            let top: Vec<(&str, bool)> = s
                .yaml
                .lines()
                .filter(|l| !l.starts_with([' ', '-']))
                .filter_map(|l| l.split_once(':').map(|(k, rest)| (k, rest.contains("[REQUIRED]"))))
                .collect();
            let members: Vec<(&str, bool)> = c.members.iter().map(|m| (m.model, m.opt.required)).collect();
            assert_eq!(top, members, "{}", c.name);
            for m in c.members {
                assert!(s.json.contains(&format!("\n    \"{}\": ", m.model)), "{} {}", c.name, m.model);
            }
        }
    }

    #[test]
    fn argument_tables() {
        let names = |c: &Command| c.argument_table().iter().map(|o| o.name).collect::<Vec<_>>();
        let describe = COMMANDS.iter().find(|c| c.paginated).unwrap();
        assert_eq!(
            names(describe),
            [
                "association-ids",
                "filters",
                "max-results",
                "next-token",
                "cli-input-json",
                "cli-input-yaml",
                "generate-cli-skeleton",
                "starting-token",
                "page-size",
                "max-items"
            ]
        );
        let wait = COMMANDS.iter().find(|c| !c.subcommands.is_empty()).unwrap();
        assert_eq!(names(wait), ["association-id", "instance-id", "delay", "timeout"]);
    }
}
