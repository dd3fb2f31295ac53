//! The commands: each turns its options into library calls and the result
//! into the AWS CLI's output shape.

use std::time::Duration;

use ec2_lite::{
    Client, DescribeIamInstanceProfileAssociations, Error, Filter, IamInstanceProfileAssociation,
    IamInstanceProfileSpecification, WaitOptions, WaitTarget,
};

use crate::CliError;
use crate::args::{Kind, Opt, Parsed};
use crate::output::Value;
use crate::paging::{self, Resume};
use crate::shorthand;

/// What a command runs with.
pub(crate) struct Ctx<'a> {
    pub(crate) client: &'a Client,
    pub(crate) parsed: &'a Parsed,
}

impl Ctx<'_> {
    fn fail(&self, operation: &str, e: &Error) -> CliError {
        CliError::from_error(e, operation, self.client.endpoint_url())
    }

    /// The value of a required option (presence was checked by the parser).
    fn required(&self, name: &str) -> Result<&str, CliError> {
        self.parsed.one(name).ok_or_else(|| CliError::usage(format!("the following arguments are required: --{name}")))
    }

    /// An integer option.
    fn int(&self, name: &str) -> Result<Option<u32>, CliError> {
        self.parsed
            .one(name)
            .map(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| CliError::usage(format!("argument --{name}: invalid integer value: {v:?}")))
            })
            .transpose()
    }

    /// A number of seconds (fractions allowed).
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

/// What a command prints.
pub(crate) enum Printable {
    /// One response.
    Single(Value),
    /// An auto-paginated listing: the items of each page under `key`, the
    /// service's token after each page, and where to resume when
    /// `--max-items` cut it short.
    Paged { key: &'static str, pages: Vec<Vec<Value>>, page_tokens: Vec<Option<String>>, resume: Option<String> },
}

/// One command of the tool.
pub(crate) struct Command {
    pub(crate) name: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) options: &'static [Opt],
    pub(crate) run: fn(&Ctx<'_>) -> Result<Option<Printable>, CliError>,
}

const PROFILE_HELP: &str = "Name=NAME or Arn=ARN (or JSON: {\"Name\": ...})";

pub(crate) const COMMANDS: &[Command] = &[
    Command {
        name: "associate-iam-instance-profile",
        operation: "AssociateIamInstanceProfile",
        summary: "Associates an IAM instance profile with an instance",
        options: &[
            Opt { name: "iam-instance-profile", kind: Kind::One, required: true, help: PROFILE_HELP },
            Opt { name: "instance-id", kind: Kind::One, required: true, help: "the ID of the instance" },
        ],
        run: associate,
    },
    Command {
        name: "describe-iam-instance-profile-associations",
        operation: "DescribeIamInstanceProfileAssociations",
        summary: "Describes your IAM instance profile associations (every page, unless --no-paginate)",
        options: &[
            Opt { name: "association-ids", kind: Kind::Many, required: false, help: "the IDs of the associations" },
            Opt {
                name: "filters",
                kind: Kind::Many,
                required: false,
                help: "Name=instance-id|state,Values=V1,V2 ... (or a JSON list)",
            },
            Opt { name: "max-results", kind: Kind::One, required: false, help: "page size, 5 to 1000 (one page only)" },
            Opt {
                name: "next-token",
                kind: Kind::One,
                required: false,
                help: "the token of the page to get (one page only)",
            },
            Opt {
                name: "max-items",
                kind: Kind::One,
                required: false,
                help: "print at most this many items, then a NextToken",
            },
            Opt { name: "page-size", kind: Kind::One, required: false, help: "items per request while paginating" },
            Opt {
                name: "starting-token",
                kind: Kind::One,
                required: false,
                help: "a NextToken printed by an earlier --max-items",
            },
        ],
        run: describe,
    },
    Command {
        name: "disassociate-iam-instance-profile",
        operation: "DisassociateIamInstanceProfile",
        summary: "Disassociates an IAM instance profile from a running or stopped instance",
        options: &[Opt { name: "association-id", kind: Kind::One, required: true, help: "the ID of the association" }],
        run: disassociate,
    },
    Command {
        name: "replace-iam-instance-profile-association",
        operation: "ReplaceIamInstanceProfileAssociation",
        summary: "Replaces the IAM instance profile of an association (use the association ID it returns)",
        options: &[
            Opt { name: "iam-instance-profile", kind: Kind::One, required: true, help: PROFILE_HELP },
            Opt { name: "association-id", kind: Kind::One, required: true, help: "the ID of the existing association" },
        ],
        run: replace,
    },
    Command {
        name: "wait",
        operation: "DescribeIamInstanceProfileAssociations",
        summary: "wait iam-instance-profile-associated | iam-instance-profile-disassociated: poll until it took",
        options: &[
            Opt { name: "association-id", kind: Kind::One, required: false, help: "the association to wait on" },
            Opt { name: "instance-id", kind: Kind::One, required: false, help: "or: the instance to wait on" },
            Opt { name: "delay", kind: Kind::One, required: false, help: "seconds between polls (default 5)" },
            Opt { name: "timeout", kind: Kind::One, required: false, help: "seconds before giving up (default 600)" },
        ],
        run: wait,
    },
];

fn profile(ctx: &Ctx<'_>) -> Result<IamInstanceProfileSpecification, CliError> {
    const PARAM: &str = "--iam-instance-profile";
    let raw = ctx.required("iam-instance-profile")?;
    let fields = shorthand::structure(raw, &["Arn", "Name"], PARAM).map_err(CliError::usage)?;
    let arn = shorthand::single(&fields, "Arn", PARAM).map_err(CliError::usage)?;
    let name = shorthand::single(&fields, "Name", PARAM).map_err(CliError::usage)?;
    if arn.is_none() && name.is_none() {
        return Err(CliError::usage(format!("{PARAM} needs Name=NAME or Arn=ARN")));
    }
    let mut spec = IamInstanceProfileSpecification::default();
    spec.arn = arn.map(str::to_owned);
    spec.name = name.map(str::to_owned);
    Ok(spec)
}

fn associate(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    const OP: &str = "AssociateIamInstanceProfile";
    let spec = profile(ctx)?;
    let assoc =
        ctx.client.associate_iam_instance_profile(ctx.required("instance-id")?, &spec).map_err(|e| ctx.fail(OP, &e))?;
    Ok(Some(Printable::Single(Value::map(vec![("IamInstanceProfileAssociation", association(&assoc))]))))
}

fn replace(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    const OP: &str = "ReplaceIamInstanceProfileAssociation";
    let spec = profile(ctx)?;
    let assoc = ctx
        .client
        .replace_iam_instance_profile_association(ctx.required("association-id")?, &spec)
        .map_err(|e| ctx.fail(OP, &e))?;
    Ok(Some(Printable::Single(Value::map(vec![("IamInstanceProfileAssociation", association(&assoc))]))))
}

fn disassociate(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    const OP: &str = "DisassociateIamInstanceProfile";
    let id = ctx.required("association-id")?;
    let assoc = ctx.client.disassociate_iam_instance_profile(id).map_err(|e| ctx.fail(OP, &e))?;
    Ok(Some(Printable::Single(Value::map(vec![("IamInstanceProfileAssociation", association(&assoc))]))))
}

/// The key botocore's paginator aggregates.
const ITEMS_KEY: &str = "IamInstanceProfileAssociations";

fn describe(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    const OP: &str = "DescribeIamInstanceProfileAssociations";
    let p = ctx.parsed;
    let mut request = DescribeIamInstanceProfileAssociations::new();
    if let Some(ids) = p.many("association-ids") {
        request = request.association_ids(shorthand::strings(ids, "--association-ids").map_err(CliError::usage)?);
    }
    if let Some(raw) = p.many("filters") {
        let parsed = shorthand::structures(raw, &["Name", "Values"], "--filters").map_err(CliError::usage)?;
        let mut filters = Vec::new();
        for f in parsed {
            let name = shorthand::single(&f, "Name", "--filters")
                .map_err(CliError::usage)?
                .ok_or_else(|| CliError::usage("each filter needs Name=..."))?;
            let values = f.iter().rev().find(|(k, _)| k == "Values").map(|(_, v)| v.clone()).unwrap_or_default();
            filters.push(Filter::new(name, values));
        }
        request = request.filters(filters);
    }
    let max_results = ctx.int("max-results")?;
    let next_token = p.one("next-token");
    let max_items = ctx.int("max-items")?;
    let page_size = ctx.int("page-size")?;
    let starting_token = p.one("starting-token");

    // As the AWS CLI does: giving the service's own paging parameters means
    // "I am paging by hand", which turns auto-pagination off.
    let paginate = !p.flag("no-paginate") && max_results.is_none() && next_token.is_none();
    if !paginate {
        let mut set: Vec<&str> = Vec::new();
        for (name, present) in [
            ("--max-items", max_items.is_some()),
            ("--page-size", page_size.is_some()),
            ("--starting-token", starting_token.is_some()),
        ] {
            if present {
                set.push(name);
            }
        }
        if !set.is_empty() {
            // --max-results or --next-token turn pagination off too.
            return Err(CliError {
                code: crate::exit::USAGE,
                message: format!(
                    "Error during pagination: Cannot specify --no-paginate along with pagination arguments: {}",
                    set.join(", ")
                ),
            });
        }
        if let Some(n) = max_results {
            request = request.max_results(n);
        }
        if let Some(t) = next_token {
            request = request.next_token(t);
        }
        let page = ctx.client.describe_iam_instance_profile_associations(&request).map_err(|e| ctx.fail(OP, &e))?;
        let mut m = vec![(ITEMS_KEY, Value::List(page.associations.iter().map(association).collect()))];
        if let Some(t) = page.next_token {
            m.push(("NextToken", Value::str(t)));
        }
        return Ok(Some(Printable::Single(Value::map(m))));
    }

    if max_items == Some(0) || page_size == Some(0) {
        return Err(CliError::usage("--max-items and --page-size must be at least 1"));
    }
    if let Some(n) = page_size {
        request = request.max_results(n);
    }
    // botocore's PageIterator, step for step: skip what an earlier run printed
    // of the first page, stop at --max-items and say where to resume.
    let start = starting_token.map(paging::decode).transpose().map_err(CliError::usage)?.unwrap_or_default();
    let mut token = start.token.clone();
    let mut first_skip = start.skip;
    let mut previous: Option<String> = None;
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut page_tokens: Vec<Option<String>> = Vec::new();
    let mut total = 0usize;
    let mut resume = None;
    loop {
        let mut r = request.clone();
        if let Some(t) = &token {
            r = r.next_token(t.clone());
        }
        let page = ctx.client.describe_iam_instance_profile_associations(&r).map_err(|e| ctx.fail(OP, &e))?;
        let skipped = std::mem::take(&mut first_skip);
        let mut items: Vec<Value> = page.associations.iter().skip(skipped).map(association).collect();
        if let Some(max) = max_items.map(|m| m as usize)
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
        if max_items.is_some_and(|m| m as usize == total) {
            resume = Some(paging::encode(&Resume { token: Some(next), skip: 0 }, false));
            break;
        }
        if previous.as_ref() == Some(&next) {
            return Err(CliError {
                code: crate::exit::OTHER,
                message: format!("Error during pagination: The same next token was received twice: {next}"),
            });
        }
        previous = Some(next.clone());
        token = Some(next);
    }
    Ok(Some(Printable::Paged { key: ITEMS_KEY, pages, page_tokens, resume }))
}

fn wait(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let p = ctx.parsed;
    let (waiter_name, associated) = match p.words.get(1).map(String::as_str) {
        Some("iam-instance-profile-associated") => ("IamInstanceProfileAssociated", true),
        Some("iam-instance-profile-disassociated") => ("IamInstanceProfileDisassociated", false),
        Some(other) => {
            return Err(CliError::usage(format!(
                "invalid choice: {other:?} (choose from iam-instance-profile-associated, iam-instance-profile-disassociated)"
            )));
        }
        None => {
            return Err(CliError::usage(
                "wait needs a waiter: iam-instance-profile-associated or iam-instance-profile-disassociated",
            ));
        }
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
            Err(CliError { code: crate::exit::OTHER, message: format!("Waiter {waiter_name} failed: {why}") })
        }
        Err(e) => Err(ctx.fail("DescribeIamInstanceProfileAssociations", &e)),
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
