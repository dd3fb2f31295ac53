//! `ec2-lite help`, `ec2-lite <command> help`, `ec2-lite wait <waiter> help`
//! and `--help` (this tool's own: the AWS CLI refuses it): every option with
//! its meaning, in aligned columns. Plain text; no pager.

use crate::PROG;
use crate::args::{GLOBAL_OPTIONS, Kind, Opt};
use crate::commands::{COMMANDS, Command};

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
        None if !c.subcommands.is_empty() => return wait(c),
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
    s.push_str(&format!("\nOPTIONS\n{}\n{}{}", table(&option_rows(&opts)), examples(c, waiter), globals()));
    s
}

/// `ec2-lite wait help`, of the command `c` that has the waiters.
pub(crate) fn wait(c: &Command) -> String {
    let rows: Vec<(String, String)> = c
        .subcommands
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
         association took or went; exit 255 when it gives up.\n  {}\n\nSYNOPSIS\n  {PROG} wait <subcommand> \
         (--association-id <value> | --instance-id <value>) [--delay <value>] [--timeout <value>]\n\n\
         SUBCOMMANDS\n{}\n  `{PROG} wait <subcommand> help` lists the options.\n\n{}{}",
        what_it_is(c),
        table(&rows),
        examples(c, None),
        globals()
    )
}

/// How help marks what the AWS CLI does not have: commands, options, the
/// `completion` word. One tag, everywhere.
const EXTENSION: &str = "[extension]";

/// Whether `c` is this tool's own, not a command of `aws ec2`.
fn is_extension(c: &Command) -> bool {
    c.extension
}

/// The second line of a command's DESCRIPTION: the EC2 operation it is, or
/// what an extension is built on.
fn what_it_is(c: &Command) -> String {
    c.described_as.map_or_else(|| format!("The {} operation of the EC2 API.", c.operation), str::to_owned)
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

/// The examples of `c` (of its waiter `waiter`; `wait` alone: those of every waiter), as an
/// EXAMPLES section followed by a blank line; empty when there are none.
fn examples(c: &Command, waiter: Option<&str>) -> String {
    let mut out = String::new();
    for e in c.examples.iter().filter(|e| waiter.is_none() || e.waiter == waiter) {
        out.push_str(&format!("  {}:\n\n    {}\n\n", e.what, e.line));
    }
    if out.is_empty() { out } else { format!("EXAMPLES\n{out}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every page of help: the general one, each command's, `wait`'s and each waiter's.
    fn every_page() -> Vec<(String, String)> {
        let mut pages = vec![("help".to_owned(), general())];
        for c in COMMANDS {
            pages.push((c.name.to_owned(), command(c, None)));
            for w in c.subcommands {
                pages.push((format!("{} {w}", c.name), command(c, Some(w))));
            }
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
        for c in COMMANDS {
            let options: Vec<&str> = c.argument_table().iter().map(|o| o.name).collect();
            // A command with waiters has examples of each, and of nothing else.
            let heads: Vec<Option<&str>> =
                if c.subcommands.is_empty() { vec![None] } else { c.subcommands.iter().map(|w| Some(*w)).collect() };
            for e in c.examples {
                assert!(heads.contains(&e.waiter), "{}: an example of {:?}, which it has not", c.name, e.waiter);
            }
            for head in heads {
                let name = head.map_or_else(|| c.name.to_owned(), |w| format!("{} {w}", c.name));
                let list: Vec<&crate::commands::Example> = c.examples.iter().filter(|e| e.waiter == head).collect();
                assert!(!list.is_empty(), "no examples for {name}");
                for e in list {
                    for command_line in e.line.split("\n    ") {
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
