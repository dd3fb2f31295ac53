//! `ec2-lite help`, `ec2-lite <command> help`, `ec2-lite wait <waiter> help`
//! and `--help` (this tool's own: the AWS CLI refuses it): every option with
//! its meaning, in aligned columns. Plain text; no pager.

use crate::PROG;
use crate::args::{GLOBAL_OPTIONS, Kind, Opt};
use crate::commands::{COMMANDS, Command, WAITERS};

/// Rows of `(left, right)` with the right column aligned.
fn table(rows: &[(String, String)]) -> String {
    let width = rows.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    rows.iter().map(|(l, r)| format!("  {l:<width$}  {r}\n")).collect()
}

fn option_rows(opts: &[&Opt]) -> Vec<(String, String)> {
    opts.iter()
        .map(|o| {
            let arg = match o.kind {
                Kind::One => " <value>".to_owned(),
                Kind::Many => " <value> [<value> ...]".to_owned(),
                Kind::Flag => String::new(),
                Kind::Optional(_) => " [<value>]".to_owned(),
            };
            let mut meaning = o.help.to_owned();
            if o.required {
                meaning.push_str(" (required)");
            }
            if o.extension {
                meaning.push_str(" [extension]");
            }
            (format!("--{}{arg}", o.name), meaning)
        })
        .collect()
}

fn globals() -> String {
    let opts: Vec<&Opt> = GLOBAL_OPTIONS.iter().collect();
    format!("GLOBAL OPTIONS (before or after the command)\n{}", table(&option_rows(&opts)))
}

const NOTES: &str = "\
NOTES
  ec2-lite X is `aws ec2 X` of the AWS CLI v2: the same options, output and exit codes.
  Credentials, region and endpoint are found as the AWS CLI finds them: the environment
  (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, ...), the profile in ~/.aws/config and
  ~/.aws/credentials, web identity, the container endpoint, then the instance's role.
  Output is never paged (--no-cli-pager, AWS_PAGER and cli_pager change nothing), and
  parameters are never prompted for (--cli-auto-prompt is accepted and ignored).
  Values may be read from files: file://path (text) and fileb://path (bytes).
  [extension] marks what the AWS CLI does not have.

EXIT CODES
  0    success
  252  the command line could not be parsed, or a parameter is invalid
  253  configuration or credentials are missing or invalid
  254  the service answered with an error
  255  anything else: network failures, timeouts, a waiter that gave up
";

/// `ec2-lite help`.
pub(crate) fn general() -> String {
    let mut rows: Vec<(String, String)> = COMMANDS.iter().map(|c| (c.name.to_owned(), summary(c))).collect();
    rows.push(("completion bash|zsh|fish".to_owned(), format!("Prints a shell completion script. {EXTENSION}")));
    rows.push(("help".to_owned(), "Prints this text; `<command> help` prints a command's.".to_owned()));
    format!(
        "{PROG}: the EC2 IAM instance profile association commands of the AWS CLI v2 (aws ec2), in a small \
         binary\n\nUSAGE\n  {PROG} [options] <command> [<subcommand>] [parameters]\n\nCOMMANDS\n{}\n{}\n{NOTES}",
        table(&rows),
        globals()
    )
}

/// `ec2-lite <command> help`, and `ec2-lite wait <waiter> help`.
pub(crate) fn command(c: &Command, waiter: Option<&str>) -> String {
    let name = match waiter {
        Some(w) => format!("{} {w}", c.name),
        None if !c.subcommands.is_empty() => return wait(),
        None => c.name.to_owned(),
    };
    let opts = c.argument_table();
    let tag = if is_extension(c) { format!(" {EXTENSION}") } else { String::new() };
    let mut s = format!("NAME\n  {PROG} {name}{tag}\n\nDESCRIPTION\n  {}\n  {}\n", summary(c), what_it_is(c));
    let synopsis: Vec<String> = opts
        .iter()
        .map(|o| {
            let arg = match o.kind {
                Kind::Flag => String::new(),
                Kind::Many => " <value> [<value> ...]".to_owned(),
                Kind::Optional(_) => " [<value>]".to_owned(),
                Kind::One => " <value>".to_owned(),
            };
            if o.required { format!("--{}{arg}", o.name) } else { format!("[--{}{arg}]", o.name) }
        })
        .collect();
    s.push_str(&format!("\nSYNOPSIS\n  {PROG} {name}\n    {}\n", synopsis.join("\n    ")));
    s.push_str(&format!("\nOPTIONS\n{}\n{}{}", table(&option_rows(&opts)), examples(c.name, waiter), globals()));
    s
}

/// `ec2-lite wait help`.
pub(crate) fn wait() -> String {
    let rows: Vec<(String, String)> = WAITERS
        .iter()
        .map(|w| {
            let what = if w.ends_with("-disassociated") {
                "Waits until no association of the instance (or the association) is associated."
            } else {
                "Waits until the association (or the instance's association) is associated."
            };
            ((*w).to_owned(), what.to_owned())
        })
        .collect();
    format!(
        "NAME\n  {PROG} wait {EXTENSION}\n\nDESCRIPTION\n  Polls DescribeIamInstanceProfileAssociations until the \
         association took or went; exit 255 when it gives up.\n  {WAIT_IS}\n\nSYNOPSIS\n  {PROG} wait <subcommand> \
         (--association-id <value> | --instance-id <value>) [--delay <value>] [--timeout <value>]\n\n\
         SUBCOMMANDS\n{}\n  `{PROG} wait <subcommand> help` lists the options.\n\n{}{}",
        table(&rows),
        examples("wait", None),
        globals()
    )
}

/// How help marks what the AWS CLI does not have: commands, options, the
/// `completion` word. One tag, everywhere.
const EXTENSION: &str = "[extension]";

const WAIT_IS: &str = "An extension of this tool, built on DescribeIamInstanceProfileAssociations: the AWS CLI \
                       has no such waiter.";
const ENSURE_IS: &str = "An extension of this tool, not an EC2 operation: it combines \
                         DescribeIamInstanceProfileAssociations, AssociateIamInstanceProfile, \
                         ReplaceIamInstanceProfileAssociation and DisassociateIamInstanceProfile.";

/// Whether `c` is this tool's own, not a command of `aws ec2`.
fn is_extension(c: &Command) -> bool {
    c.extension
}

/// The second line of a command's DESCRIPTION: the EC2 operation it is, or
/// what an extension is built on.
fn what_it_is(c: &Command) -> String {
    match c.name {
        "wait" => WAIT_IS.to_owned(),
        "ensure-iam-instance-profile" => ENSURE_IS.to_owned(),
        _ => format!("The {} operation of the EC2 API.", c.operation),
    }
}

/// The command table's summary, tagged [`EXTENSION`] at the end for an extension.
fn summary(c: &Command) -> String {
    let mut text = c.summary.trim().to_owned();
    if !text.ends_with('.') {
        text.push('.');
    }
    if is_extension(c) {
        text.push(' ');
        text.push_str(EXTENSION);
    }
    text
}

/// `aws ec2 <command> help`'s EXAMPLES, for this tool's commands: what each
/// does, then the command line. The README's CLI examples are among them.
const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "associate-iam-instance-profile",
        &[
            (
                "To associate an IAM instance profile with an instance",
                "ec2-lite associate-iam-instance-profile --iam-instance-profile Name=AdminProfile \
                 --instance-id i-1234567890abcdef0",
            ),
            (
                "To write the input as a file first, then run the command from it",
                "ec2-lite associate-iam-instance-profile --generate-cli-skeleton > in.json\n    \
                 ec2-lite associate-iam-instance-profile --cli-input-json file://in.json",
            ),
        ],
    ),
    (
        "describe-iam-instance-profile-associations",
        &[
            (
                "To describe the association of an instance",
                "ec2-lite describe-iam-instance-profile-associations \
                 --filters Name=instance-id,Values=i-1234567890abcdef0",
            ),
            (
                "To print only the association's ID",
                "ec2-lite describe-iam-instance-profile-associations \
                 --filters Name=instance-id,Values=i-1234567890abcdef0 \
                 --query 'IamInstanceProfileAssociations[0].AssociationId' --output text",
            ),
            (
                "To list the associated ones as a table",
                "ec2-lite describe-iam-instance-profile-associations --output table \
                 --query \"IamInstanceProfileAssociations[?State=='associated'].{Id: AssociationId, Instance: InstanceId}\"",
            ),
        ],
    ),
    (
        "disassociate-iam-instance-profile",
        &[(
            "To disassociate an IAM instance profile",
            "ec2-lite disassociate-iam-instance-profile --association-id iip-assoc-05020b59952902f5f",
        )],
    ),
    (
        "replace-iam-instance-profile-association",
        &[(
            "To replace an instance's IAM instance profile",
            "ec2-lite replace-iam-instance-profile-association \
             --iam-instance-profile Arn=arn:aws:iam::123456789012:instance-profile/New --association-id iip-assoc-0123",
        )],
    ),
    (
        "wait iam-instance-profile-associated",
        &[(
            "To wait until an instance's profile is associated",
            "ec2-lite wait iam-instance-profile-associated --instance-id i-1234567890abcdef0",
        )],
    ),
    (
        "wait iam-instance-profile-disassociated",
        &[(
            "To wait until an association is gone, polling every 2 seconds for at most a minute",
            "ec2-lite wait iam-instance-profile-disassociated --association-id iip-assoc-0123 --delay 2 --timeout 60",
        )],
    ),
    (
        "ensure-iam-instance-profile",
        &[
            (
                "To make every instance listed in a file run with the profile web",
                "ec2-lite ensure-iam-instance-profile --instance-ids file://ids.txt --iam-instance-profile Name=web",
            ),
            (
                "To make an instance run with no profile",
                "ec2-lite ensure-iam-instance-profile --instance-ids i-1234567890abcdef0 --no-iam-instance-profile",
            ),
            (
                "To see what would change for every instance tagged Role=web, changing nothing",
                "ec2-lite ensure-iam-instance-profile --instance-filters Name=tag:Role,Values=web \
                 --iam-instance-profile Name=web --dry-run",
            ),
            (
                "To give each instance its own profile from a document (--generate-cli-skeleton prints its shape)",
                "ec2-lite ensure-iam-instance-profile --desired-state file://desired.yaml",
            ),
        ],
    ),
];

/// The examples of `name` (`wait` alone: those of every waiter), as an
/// EXAMPLES section followed by a blank line; empty when there are none.
fn examples(name: &str, waiter: Option<&str>) -> String {
    let full = match waiter {
        Some(w) => format!("{name} {w}"),
        None => name.to_owned(),
    };
    let mut out = String::new();
    for (command, list) in EXAMPLES {
        let wanted = *command == full || (name == "wait" && waiter.is_none() && command.starts_with("wait "));
        for (what, line) in list.iter().filter(|_| wanted) {
            out.push_str(&format!("  {what}:\n\n    {line}\n\n"));
        }
    }
    if out.is_empty() { out } else { format!("EXAMPLES\n{out}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every page of help: the general one, each command's, `wait`'s and each waiter's.
    fn every_page() -> Vec<(String, String)> {
        let mut pages = vec![("help".to_owned(), general()), ("wait".to_owned(), wait())];
        for c in COMMANDS {
            pages.push((c.name.to_owned(), command(c, None)));
        }
        let wait_command = COMMANDS.iter().find(|c| c.name == "wait").expect("the wait command");
        for w in WAITERS {
            pages.push((format!("wait {w}"), command(wait_command, Some(w))));
        }
        pages
    }

    #[test]
    fn extensions_are_tagged_one_way() {
        for (name, page) in every_page() {
            for old in ["(extension", "extension, not", "[extension,"] {
                assert!(!page.contains(old), "{name} help still says {old:?}:\n{page}");
            }
            assert_eq!(page.matches("[extension").count(), page.matches(EXTENSION).count(), "{name}:\n{page}");
        }
        let general = general();
        for c in COMMANDS {
            let line = general.lines().find(|l| l.trim_start().starts_with(&format!("{} ", c.name))).expect("listed");
            assert_eq!(line.ends_with(EXTENSION), is_extension(c), "{line}");
        }
    }

    #[test]
    fn an_extension_says_what_it_is_built_on() {
        for c in COMMANDS {
            let page = command(c, None);
            let claims_an_operation = page.contains("operation of the EC2 API");
            assert_eq!(claims_an_operation, !is_extension(c), "{}:\n{page}", c.name);
        }
        let ensure = COMMANDS.iter().find(|c| c.name == "ensure-iam-instance-profile").expect("ensure");
        let page = command(ensure, None);
        for op in ["Describe", "Associate", "Replace", "Disassociate"] {
            assert!(page.contains(op), "{page}");
        }
    }

    #[test]
    fn every_command_has_examples_that_use_its_own_options() {
        let globals: Vec<&str> = GLOBAL_OPTIONS.iter().map(|o| o.name).collect();
        let mut names: Vec<(String, Vec<&str>)> = Vec::new();
        for c in COMMANDS.iter().filter(|c| c.name != "wait") {
            names.push((c.name.to_owned(), c.argument_table().iter().map(|o| o.name).collect()));
        }
        let wait_command = COMMANDS.iter().find(|c| c.name == "wait").expect("the wait command");
        for w in WAITERS {
            names.push((format!("wait {w}"), wait_command.argument_table().iter().map(|o| o.name).collect()));
        }
        for (name, options) in &names {
            let (_, list) =
                EXAMPLES.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no examples for {name}"));
            assert!(!list.is_empty(), "{name}");
            for (_, line) in *list {
                for command_line in line.split("\n    ") {
                    assert!(command_line.starts_with(&format!("{PROG} {name} ")), "{name}: {command_line}");
                    for word in command_line.split_whitespace().filter_map(|w| w.strip_prefix("--")) {
                        assert!(
                            options.contains(&word) || globals.contains(&word),
                            "{name}: the example uses --{word}, which the command does not have"
                        );
                    }
                }
            }
        }
        for (name, _) in EXAMPLES {
            assert!(names.iter().any(|(n, _)| n == name), "examples for {name}, which is no command");
        }
    }

    #[test]
    fn examples_show_in_each_commands_help() {
        for (name, page) in every_page().into_iter().filter(|(n, _)| n != "help") {
            let at = page.find("\nEXAMPLES\n").unwrap_or_else(|| panic!("{name} help has no EXAMPLES:\n{page}"));
            assert!(page[at..].contains(&format!("    {PROG} {name}")), "{name}:\n{page}");
            // Before the global options, as `aws ec2 <command> help` has them before its own.
            assert!(at < page.find("GLOBAL OPTIONS").expect("global options"), "{name}");
        }
    }
}
