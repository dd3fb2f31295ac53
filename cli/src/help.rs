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
    let mut rows: Vec<(String, String)> = COMMANDS.iter().map(|c| (c.name.to_owned(), c.summary.to_owned())).collect();
    rows.push(("completion bash|zsh|fish".to_owned(), "Prints a shell completion script. [extension]".to_owned()));
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
    let mut s = format!("NAME\n  {PROG} {name}\n\nDESCRIPTION\n  {}\n", c.summary);
    if c.subcommands.is_empty() {
        s.push_str(&format!("  The {} operation of the EC2 API.\n", c.operation));
    }
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
    s.push_str(&format!("\nOPTIONS\n{}\n{}", table(&option_rows(&opts)), globals()));
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
        "NAME\n  {PROG} wait [extension]\n\nDESCRIPTION\n  Polls DescribeIamInstanceProfileAssociations until the \
         association took or went; exit 255 when it gives up.\n\nSYNOPSIS\n  {PROG} wait <subcommand> \
         (--association-id <value> | --instance-id <value>) [--delay <value>] [--timeout <value>]\n\n\
         SUBCOMMANDS\n{}\n  `{PROG} wait <subcommand> help` lists the options.\n\n{}",
        table(&rows),
        globals()
    )
}
