//! `ec2-lite`: the EC2 IAM instance profile commands of `aws ec2`, with the
//! same options, the same output and the AWS CLI v2 exit codes.

mod args;
mod commands;
mod ensure;
mod output;
mod paging;
mod shorthand;

use std::io::Write;
use std::process::ExitCode;

use ec2_lite::{Client, Error, TransportErrorKind};

use args::{GLOBAL_OPTIONS, Opt};
use commands::{COMMANDS, Command, Printable};
use output::Value;

/// AWS CLI v2 exit codes.
pub(crate) mod exit {
    /// The command line could not be parsed, or a value is invalid.
    pub(crate) const USAGE: u8 = 252;
    /// Configuration or credentials are missing or wrong.
    pub(crate) const CONFIG: u8 = 253;
    /// The service answered with an error.
    pub(crate) const SERVICE: u8 = 254;
    /// Anything else: network failures, timeouts.
    pub(crate) const OTHER: u8 = 255;
}

/// A failure, with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl CliError {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError { code: exit::USAGE, message: format!("ec2-lite: error: {}\n\n{}", message.into(), usage_hint()) }
    }

    /// Words the AWS CLI would print for `err` raised by `operation`.
    pub(crate) fn from_error(err: &Error, operation: &str, endpoint: &str) -> Self {
        let (code, message) = match err {
            Error::Service(e) => (
                exit::SERVICE,
                format!(
                    "An error occurred ({}) when calling the {operation} operation: {}",
                    ec2_lite::escape(e.code.as_bytes()),
                    ec2_lite::escape(e.message.as_bytes())
                ),
            ),
            Error::UnexpectedResponse { status, reason, .. } => (
                exit::SERVICE,
                format!("An error occurred ({status}) when calling the {operation} operation: {reason}"),
            ),
            // botocore's ResponseParserError, in its words.
            Error::MalformedResponse { reason, body_start, .. } => (
                exit::OTHER,
                format!(
                    "Unable to parse response ({}), invalid XML received. Further retries may succeed:\n{body_start}",
                    ec2_lite::escape(reason.as_bytes())
                ),
            ),
            Error::InvalidInput(m) => (exit::USAGE, format!("Parameter validation failed:\n{m}")),
            Error::Config(m) => (exit::CONFIG, capitalize(m)),
            // As the AWS CLI: a refusal from STS or SSO is a service error, an unreachable
            // endpoint a general one, anything else bad configuration.
            Error::Credentials(c) => {
                let code = match c.cause().map(root_cause) {
                    Some(Error::Service(_) | Error::UnexpectedResponse { .. }) => exit::SERVICE,
                    Some(Error::Transport(_) | Error::MalformedResponse { .. }) => exit::OTHER,
                    _ => exit::CONFIG,
                };
                (code, capitalize(&c.to_string()))
            }
            Error::Transport(t) => {
                let m = match t.kind() {
                    TransportErrorKind::Connect => format!("Could not connect to the endpoint URL: \"{endpoint}\""),
                    TransportErrorKind::Timeout => format!("Read timeout on endpoint URL: \"{endpoint}\""),
                    _ => {
                        // The cause (a TLS alert, an i/o error) is in the source chain.
                        let mut m = err.to_string();
                        let mut source = std::error::Error::source(err);
                        while let Some(s) = source {
                            m.push_str(&format!(": {s}"));
                            source = s.source();
                        }
                        format!("{m} (endpoint {endpoint})")
                    }
                };
                (exit::OTHER, m)
            }
            Error::WaitFailed { .. } => (exit::OTHER, capitalize(&err.to_string())),
            _ => (exit::OTHER, err.to_string()),
        };
        CliError { code, message }
    }
}

/// The error at the bottom of a chain of credential source failures.
fn root_cause(err: &Error) -> &Error {
    match err {
        Error::Credentials(c) => c.cause().map_or(err, root_cause),
        other => other,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn usage_hint() -> &'static str {
    "usage: ec2-lite [options] <command> [parameters]\nTo see help text, you can run:\n\n  ec2-lite help\n  ec2-lite <command> help"
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    match run(&args) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::from(ensure::exit_code()),
                // The reader stopped reading (`| head`): its choice, not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                // A full disk must not look like a success whose output was saved.
                Err(e) => {
                    print_error(&format!("could not write the output: {e}"));
                    ExitCode::from(exit::OTHER)
                }
            }
        }
        Err(e) => {
            print_error(&e.message);
            ExitCode::from(e.code)
        }
    }
}

/// A timeout option in seconds, as the AWS CLI takes it: `0` means no limit
/// (kept finite here: a day).
fn timeout(parsed: &args::Parsed, name: &str) -> Result<Option<std::time::Duration>, CliError> {
    let Some(v) = parsed.one(name) else { return Ok(None) };
    match v.trim().parse::<f64>() {
        Ok(0.0) => Ok(Some(std::time::Duration::from_secs(86_400))),
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Some(std::time::Duration::from_secs_f64(s))),
        _ => Err(CliError::usage(format!("argument --{name}: expected a number of seconds, got {v:?}"))),
    }
}

/// `--operation-timeout`, else `EC2_LITE_OPERATION_TIMEOUT`: seconds, `0` for none.
fn operation_timeout(parsed: &args::Parsed) -> Result<Option<std::time::Duration>, CliError> {
    let from_env = || match std::env::var_os("EC2_LITE_OPERATION_TIMEOUT") {
        None => Ok(None),
        Some(v) => v.into_string().map(Some).map_err(|_| CliError {
            code: exit::CONFIG,
            message: "EC2_LITE_OPERATION_TIMEOUT is not valid UTF-8".to_owned(),
        }),
    };
    let (v, name) = match parsed.one("operation-timeout") {
        Some(v) => (v.to_owned(), "argument --operation-timeout"),
        None => match from_env()? {
            Some(v) => (v, "EC2_LITE_OPERATION_TIMEOUT"),
            None => return Ok(None),
        },
    };
    match v.trim().parse::<f64>() {
        Ok(0.0) => Ok(None),
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Some(std::time::Duration::from_secs_f64(s))),
        _ => Err(CliError::usage(format!("{name}: expected a number of seconds, got {v:?}"))),
    }
}

/// Writes an error on stderr as the AWS CLI does (after a blank line). A
/// stderr that cannot be written must not turn the exit code into a panic.
fn print_error(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n{}", ec2_lite::escape_lines(message.trim_end()));
}

/// The first word that is not an option or a global option's value: what the
/// user meant as the command.
fn first_word(args: &[String]) -> Option<&str> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        let Some(name) = a.strip_prefix("--") else { return Some(a) };
        let takes_value = GLOBAL_OPTIONS.iter().any(|o| o.name == name && o.kind == args::Kind::One);
        if takes_value {
            i += 1;
        }
    }
    None
}

fn find_command(words: &[String]) -> Option<&'static Command> {
    let first = words.first()?;
    COMMANDS.iter().find(|c| c.name == first.as_str())
}

fn run(args: &[String]) -> Result<String, CliError> {
    let parsed = args::parse(args, |words| find_command(words).map(|c| c.options)).map_err(|e| {
        // An option of a misspelt command is unknown only because the
        // command is: name the command.
        match first_word(args) {
            Some(w) if w != "help" && !COMMANDS.iter().any(|c| c.name == w) => {
                CliError::usage(format!("invalid choice: {w:?} (see ec2-lite help)"))
            }
            _ => CliError::usage(e),
        }
    })?;
    if parsed.flag("version") {
        return Ok(format!("ec2-lite {}\n", env!("CARGO_PKG_VERSION")));
    }
    let wants_help = parsed.flag("help") || parsed.words.last().is_some_and(|w| w == "help");
    let Some(first) = parsed.words.first() else {
        return if wants_help { Ok(general_help()) } else { Err(CliError::usage("a command is required")) };
    };
    if first == "help" {
        return Ok(general_help());
    }
    let Some(command) = find_command(&parsed.words) else {
        return Err(CliError::usage(format!("invalid choice: {first:?} (see ec2-lite help)")));
    };
    if wants_help {
        return Ok(command_help(command));
    }
    // Every word must be one the command takes: `-h`, `-x` or a stray value
    // must never let a destructive command run half-understood.
    let takes = if command.name == "wait" { 2 } else { 1 };
    let unknown: Vec<&str> = parsed.words.iter().skip(takes).map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(CliError::usage(format!("Unknown options: {}", unknown.join(", "))));
    }
    let missing = args::missing_required(&parsed, command.options);
    if !missing.is_empty() {
        return Err(CliError::usage(format!("the following arguments are required: {}", missing.join(", "))));
    }
    let output = match parsed.one("output").map(str::to_owned).or_else(|| std::env::var("AWS_DEFAULT_OUTPUT").ok()) {
        None => Format::Json,
        Some(o) if o.trim().is_empty() || o == "json" => Format::Json,
        Some(o) if o == "text" => Format::Text,
        Some(o) => {
            return Err(CliError::usage(format!("argument --output: invalid choice {o:?} (choose from json, text)")));
        }
    };

    let mut builder = Client::builder();
    if let Some(profile) = parsed.one("profile") {
        builder = builder.profile(profile);
    }
    if let Some(region) = parsed.one("region") {
        builder = builder.region(region);
    }
    if let Some(url) = parsed.one("endpoint-url") {
        builder = builder.endpoint_url(url);
    }
    if let Some(t) = timeout(&parsed, "cli-connect-timeout")? {
        builder = builder.connect_timeout(t);
    }
    // An extension: the operation timeout, from the option or EC2_LITE_OPERATION_TIMEOUT.
    if let Some(t) = operation_timeout(&parsed)? {
        builder = builder.operation_timeout(t);
    }
    if let Some(t) = timeout(&parsed, "cli-read-timeout")? {
        builder = builder.read_timeout(t);
    }
    if parsed.flag("debug") {
        builder = builder.on_debug(|line| {
            let _ = writeln!(std::io::stderr(), "debug: {}", ec2_lite::escape(line.as_bytes()));
        });
    }
    let client = builder.build().map_err(|e| CliError::from_error(&e, command.operation, ""))?;
    let ctx = commands::Ctx { client: &client, parsed: &parsed };
    let value = (command.run)(&ctx)?;
    Ok(match value {
        None => String::new(),
        Some(p) => render(p, output),
    })
}

/// Prints as the AWS CLI does: a paginated listing is one merged document in
/// JSON, and one block per page in text.
fn render(p: Printable, format: Format) -> String {
    match (p, format) {
        (Printable::Single(v), Format::Json) => output::json(&v),
        (Printable::Single(v), Format::Text) => output::text(&v),
        (Printable::Paged { key, pages, resume }, Format::Json) => {
            let mut m = vec![(key, Value::List(pages.into_iter().flatten().collect()))];
            if let Some(r) = resume {
                m.push(("NextToken", Value::str(r)));
            }
            output::json(&Value::map(m))
        }
        (Printable::Paged { key, pages, resume }, Format::Text) => {
            let mut out = String::new();
            for page in pages {
                out.push_str(&output::text(&Value::map(vec![(key, Value::List(page))])));
            }
            if let Some(r) = resume {
                out.push_str(&output::text(&Value::map(vec![(
                    "NextToken",
                    Value::map(vec![("NextToken", Value::str(r))]),
                )])));
            }
            out
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Json,
    Text,
}

fn general_help() -> String {
    let mut s = String::from(
        "ec2-lite: the EC2 IAM instance profile association commands of `aws ec2`, in a small binary\n\n\
         usage: ec2-lite [options] <command> [parameters]\n\ncommands:\n",
    );
    for c in COMMANDS {
        s.push_str(&format!("  {:<45} {}\n", c.name, c.summary));
    }
    s.push_str("\noptions (before or after the command):\n");
    push_options(&mut s, GLOBAL_OPTIONS);
    s.push_str(
        "\nCredentials, region and endpoint are found as the AWS CLI finds them: the environment\n\
         (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, ...), the profile in ~/.aws/config and\n\
         ~/.aws/credentials (keys, credential_process, roles, web identity, SSO), web identity,\n\
         the container endpoint, then the EC2 instance's role.\n\
         exit codes: 0 ok, 252 bad command line, 253 configuration or credentials, 254 service error, 255 other\n",
    );
    s
}

fn command_help(c: &Command) -> String {
    let mut s = format!("ec2-lite {}\n\n{}\n\noptions:\n", c.name, c.summary);
    push_options(&mut s, c.options);
    s.push_str("\nglobal options:\n");
    push_options(&mut s, GLOBAL_OPTIONS);
    s
}

fn push_options(s: &mut String, opts: &[Opt]) {
    for o in opts {
        let arg = match o.kind {
            args::Kind::One => " <value>",
            args::Kind::Many => " <value> ...",
            args::Kind::Flag => "",
        };
        let req = if o.required { " (required)" } else { "" };
        s.push_str(&format!("  --{}{arg:<12} {}{req}\n", o.name, o.help));
    }
}
