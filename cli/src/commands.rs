//! The commands: each turns its options into the library's request for the
//! operation, holding what botocore would send, validated no more than
//! botocore validates it (the request goes unchecked: EC2 refuses the rest, as
//! it does for the AWS CLI), and the answer into the AWS CLI's shape.

use std::time::Duration;

use ec2_lite::{
    AssociateIamInstanceProfile, Client, DescribeIamInstanceProfileAssociations, DisassociateIamInstanceProfile, Error,
    Filter, IamInstanceProfileAssociation, IamInstanceProfileSpecification, ReplaceIamInstanceProfileAssociation,
    Request, WaitOptions, WaitTarget,
};

use crate::CliError;
use crate::args::{Opt, Parsed};
pub(crate) use crate::output::Printable;
use crate::output::Value;
use crate::paging::{self, Resume};
use crate::settings::{Settings, python_int};
use crate::shorthand;

/// What a command runs with.
pub(crate) struct Ctx<'a> {
    pub(crate) client: &'a Client,
    pub(crate) parsed: &'a Parsed,
    pub(crate) settings: &'a Settings,
}

impl Ctx<'_> {
    fn fail(&self, operation: &str, e: &Error) -> CliError {
        CliError::from_error(e, operation, self.client.endpoint_url())
    }

    /// botocore's check of the input shape's required members, needed only
    /// when `--cli-input-*` made argparse stop checking them.
    fn required(&self, members: &[(&str, &str)]) -> Result<(), CliError> {
        let missing: Vec<String> = members
            .iter()
            .filter(|(cli, _)| !self.parsed.flag(cli))
            .map(|(_, model)| format!("Missing required parameter in input: \"{model}\""))
            .collect();
        if missing.is_empty() { Ok(()) } else { Err(validation(&missing.join("\n"))) }
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

/// One command of the tool.
pub(crate) struct Command {
    pub(crate) name: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) summary: &'static str,
    /// The operation's members, in the model's order (v2's argument table).
    pub(crate) options: &'static [Opt],
    pub(crate) run: fn(&Ctx<'_>) -> Result<Option<Printable>, CliError>,
}

/// The waiters of the `wait` extension.
pub(crate) const WAITERS: &[&str] = &["iam-instance-profile-associated", "iam-instance-profile-disassociated"];

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

pub(crate) const COMMANDS: &[Command] = &[
    Command {
        name: "associate-iam-instance-profile",
        operation: "AssociateIamInstanceProfile",
        summary: "Associates an IAM instance profile with a running or stopped instance.",
        options: &[
            Opt::one("iam-instance-profile", PROFILE_HELP).required(),
            Opt::one("instance-id", "The ID of the instance.").required(),
        ],
        run: associate,
    },
    Command {
        name: "describe-iam-instance-profile-associations",
        operation: "DescribeIamInstanceProfileAssociations",
        summary: "Describes your IAM instance profile associations (every page, unless --no-paginate).",
        options: &[
            Opt::any("association-ids", "The IAM instance profile associations."),
            Opt::many("filters", "The filters (instance-id, state): Name=string,Values=string,string ... (or JSON)."),
            Opt::one("max-results", "The maximum number of items per request (5 to 1000): one page only."),
            Opt::one("next-token", "The token of the page to get: one page only."),
        ],
        run: describe,
    },
    Command {
        name: "disassociate-iam-instance-profile",
        operation: "DisassociateIamInstanceProfile",
        summary: "Disassociates an IAM instance profile from a running or stopped instance.",
        options: &[Opt::one("association-id", "The ID of the IAM instance profile association.").required()],
        run: disassociate,
    },
    Command {
        name: "replace-iam-instance-profile-association",
        operation: "ReplaceIamInstanceProfileAssociation",
        summary: "Replaces an IAM instance profile for the specified association (prints the new association ID).",
        options: &[
            Opt::one("iam-instance-profile", PROFILE_HELP).required(),
            Opt::one("association-id", "The ID of the existing IAM instance profile association.").required(),
        ],
        run: replace,
    },
    Command {
        name: "wait",
        operation: "DescribeIamInstanceProfileAssociations",
        summary: "Waits until an association took or went (extension: the AWS CLI has no such waiter).",
        options: &[
            Opt::one("association-id", "The association to wait on.").extension(),
            Opt::one("instance-id", "Or: the instance to wait on.").extension(),
            Opt::one("delay", "Seconds between polls (default 5).").extension(),
            Opt::one("timeout", "Seconds before giving up (default 600).").extension(),
        ],
        run: wait,
    },
    crate::ensure::COMMAND,
];

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

/// A required string member (the argument passes, or [`Ctx::required`], made
/// sure it is there).
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

fn associate(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    ctx.required(&[("iam-instance-profile", "IamInstanceProfile"), ("instance-id", "InstanceId")])?;
    let request = AssociateIamInstanceProfile::new(member(ctx, "instance-id"), profile(ctx)?);
    let out = send(ctx, "AssociateIamInstanceProfile", &request)?;
    Ok(one_association(&out.iam_instance_profile_association))
}

fn replace(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    ctx.required(&[("iam-instance-profile", "IamInstanceProfile"), ("association-id", "AssociationId")])?;
    let request = ReplaceIamInstanceProfileAssociation::new(member(ctx, "association-id"), profile(ctx)?);
    let out = send(ctx, "ReplaceIamInstanceProfileAssociation", &request)?;
    Ok(one_association(&out.iam_instance_profile_association))
}

fn disassociate(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    ctx.required(&[("association-id", "AssociationId")])?;
    let request = DisassociateIamInstanceProfile::new(member(ctx, "association-id"));
    let out = send(ctx, "DisassociateIamInstanceProfile", &request)?;
    Ok(one_association(&out.iam_instance_profile_association))
}

/// The key botocore's paginator aggregates.
const ITEMS_KEY: &str = "IamInstanceProfileAssociations";
const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";
/// The model's `min` of `MaxResults`; its `max` (1000) is EC2's to enforce.
const MAX_RESULTS_MIN: i64 = 5;

/// The describe request but the paging members, as botocore serializes it.
fn describe_request(ctx: &Ctx<'_>) -> Result<DescribeIamInstanceProfileAssociations, CliError> {
    let p = ctx.parsed;
    let mut request = DescribeIamInstanceProfileAssociations::new();
    if let Some(ids) = p.many("association-ids") {
        request = request.association_ids(shorthand::strings(ids, "--association-ids").map_err(CliError::usage)?);
    }
    if let Some(raw) = p.many("filters") {
        let parsed = shorthand::structures(raw, &["Name", "Values"], "--filters").map_err(CliError::usage)?;
        let mut filters = Vec::new();
        for (i, f) in parsed.iter().enumerate() {
            let name = shorthand::single(f, "Name", &format!("Filters[{i}]")).map_err(CliError::usage)?;
            let values = f.iter().rev().find(|(k, _)| k == "Values").map(|(_, v)| v.clone()).unwrap_or_default();
            filters.push(match name {
                Some(name) => Filter::new(name, values),
                None => Filter::without_name(values),
            });
        }
        request = request.filters(filters);
    }
    Ok(request)
}

/// A `MaxResults` botocore accepted (at least 5), as the request holds it.
fn max_results(n: i64) -> Result<u32, CliError> {
    u32::try_from(n).map_err(|_| validation(&format!("Invalid value for parameter MaxResults, value: {n}")))
}

fn describe(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let p = ctx.parsed;
    let mut request = describe_request(ctx)?;
    let max_results_given = ctx.int("max-results", "MaxResults", Some(MAX_RESULTS_MIN))?;
    let next_token = p.one("next-token");
    // argparse already checked these are integers.
    let max_items = p.one("max-items").and_then(python_int);
    let page_size = p.one("page-size").and_then(python_int);
    let starting_token = p.one("starting-token");

    // As the AWS CLI does: giving the service's own paging parameters means
    // "I am paging by hand", which turns auto-pagination off.
    let paginate = ctx.settings.paginate && max_results_given.is_none() && next_token.is_none();
    if !paginate {
        // awscli/customizations/paginate.py, `ensure_paging_params_not_set`:
        // Python truthiness, so 0 and "" count as not given.
        let set: Vec<&str> = [
            ("--starting-token", starting_token.is_some_and(|t| !t.is_empty())),
            ("--page-size", page_size.is_some_and(|n| n != 0)),
            ("--max-items", max_items.is_some_and(|n| n != 0)),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        if !set.is_empty() {
            return Err(CliError::param(format!(
                "Cannot specify --no-paginate along with pagination arguments: {}",
                set.join(", ")
            )));
        }
        if let Some(n) = max_results_given {
            request = request.max_results(max_results(n)?);
        }
        if let Some(t) = next_token {
            request = request.next_token(t);
        }
        let page = send(ctx, DESCRIBE, &request)?;
        let mut m =
            vec![(ITEMS_KEY, Value::List(page.iam_instance_profile_associations.iter().map(association).collect()))];
        if let Some(t) = page.next_token {
            m.push(("NextToken", Value::str(t)));
        }
        return Ok(Some(Printable::Single(Value::map(m))));
    }

    if let Some(n) = page_size {
        check_min("MaxResults", n, Some(MAX_RESULTS_MIN))?;
        request = request.max_results(max_results(n)?);
    }
    if max_items.is_some_and(|n| n <= 0) {
        // awscli/customizations/paginate.py's PageArgument
        crate::error::eprint("warning: Non-positive values for --max-items may result in undefined behavior.\n");
    }
    let max_items = max_items.map(|n| usize::try_from(n).unwrap_or(0));
    // botocore's PageIterator, step for step, over the library's pages: skip
    // what an earlier run printed of the first page, stop at --max-items and
    // say where to resume.
    let start = starting_token.map(paging::decode).transpose().map_err(CliError::usage)?.unwrap_or_default();
    if let Some(t) = &start.token {
        request = request.next_token(t);
    }
    // The token the current page was fetched with.
    let mut token = start.token.clone();
    let mut first_skip = start.skip;
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut page_tokens: Vec<Option<String>> = Vec::new();
    let mut total = 0usize;
    let mut resume = None;
    for page in ctx.client.describe_iam_instance_profile_associations_pages(&request).unchecked() {
        let page = page.map_err(|e| ctx.fail(DESCRIBE, &e))?;
        let skipped = std::mem::take(&mut first_skip);
        let mut items: Vec<Value> =
            page.iam_instance_profile_associations.iter().skip(skipped).map(association).collect();
        if let Some(max) = max_items
            && total + items.len() > max
        {
            let keep = max - total;
            items.truncate(keep);
            resume = Some(paging::encode(&Resume { token: token.clone(), skip: keep + skipped }, true));
            pages.push(items);
            page_tokens.push(page.next_token);
            break;
        }
        total += items.len();
        pages.push(items);
        page_tokens.push(page.next_token.clone());
        let Some(next) = page.next_token else { break };
        if max_items.is_some_and(|m| m == total) {
            resume = Some(paging::encode(&Resume { token: Some(next), skip: 0 }, false));
            break;
        }
        token = Some(next);
    }
    Ok(Some(Printable::Paged { key: ITEMS_KEY, pages, page_tokens, resume }))
}

fn wait(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let p = ctx.parsed;
    let (waiter_name, associated) = match p.words.get(1).map(String::as_str) {
        Some("iam-instance-profile-disassociated") => ("IamInstanceProfileDisassociated", false),
        _ => ("IamInstanceProfileAssociated", true),
    };
    let target = match (p.one("association-id"), p.one("instance-id")) {
        (Some(a), None) => WaitTarget::AssociationId(a.to_owned()),
        (None, Some(i)) => WaitTarget::InstanceId(i.to_owned()),
        _ => return Err(CliError::usage("give exactly one of --association-id and --instance-id")),
    };
    let mut options = WaitOptions::default();
    if let Some(d) = ctx.seconds("delay")? {
        options.delay = d;
    }
    if let Some(t) = ctx.seconds("timeout")? {
        options.timeout = t;
    }
    let result = if associated {
        ctx.client.wait_until_associated(&target, &options).map(|_| ())
    } else {
        ctx.client.wait_until_disassociated(&target, &options).map(|_| ())
    };
    match result {
        Ok(()) => Ok(None),
        Err(Error::WaitFailed { timed_out, last_seen, waited, .. }) => {
            let why = if timed_out {
                format!("timed out after {:.0}s; last seen: {last_seen}", waited.as_secs_f64())
            } else {
                last_seen
            };
            Err(CliError::general(format!("Waiter {waiter_name} failed: {why}")))
        }
        Err(e) => Err(ctx.fail(DESCRIBE, &e)),
    }
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
