//! `wait`: an extension, not an AWS CLI command. Polls until an association
//! took or went, through the library's waiters.

use ec2_lite::{Error, WaitOptions, WaitTarget};

use super::{Command, Ctx, Example, Printable};
use crate::CliError;
use crate::args::Opt;

/// The waiters, the command's subcommands.
pub(crate) const WAITERS: &[&str] = &["iam-instance-profile-associated", "iam-instance-profile-disassociated"];

const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";

pub(super) const COMMAND: Command = Command {
    name: "wait",
    operation: DESCRIBE,
    summary: "Waits until an association took or went.",
    extension: true,
    options: &[
        Opt::one("association-id", "The association to wait on.").extension(),
        Opt::one("instance-id", "Or: the instance to wait on.").extension(),
        Opt::one("delay", "Seconds between polls (default 5).").extension(),
        Opt::one("timeout", "Seconds before giving up (default 600).").extension(),
    ],
    subcommands: WAITERS,
    input_options: false,
    described_as: Some(
        "An extension of this tool, built on DescribeIamInstanceProfileAssociations: the AWS CLI has no such waiter.",
    ),
    examples: EXAMPLES,
    run,
    ..Command::BASE
};

/// Help's EXAMPLES, by waiter.
const EXAMPLES: &[Example] = &[
    Example::new(
        "To wait until an instance's profile is associated",
        "ec2-lite wait iam-instance-profile-associated --instance-id i-1234567890abcdef0",
    )
    .of("iam-instance-profile-associated"),
    Example::new(
        "To wait until an association is gone, polling every 2 seconds for at most a minute",
        "ec2-lite wait iam-instance-profile-disassociated --association-id iip-assoc-0123 --delay 2 --timeout 60",
    )
    .of("iam-instance-profile-disassociated"),
];

fn run(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
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
