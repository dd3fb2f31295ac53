//! `ec2-lite`: the EC2 IAM instance profile commands of `aws ec2`, with the
//! same options, the same output and the AWS CLI v2 exit codes.
//!
//! `ec2-lite X` is `aws ec2 X`: the program name stands for both words, in
//! usage lines and error prefixes alike (`ec2-lite: [ERROR]: ...`).
//!
//! The program's modules, behind [`main`]; `src/main.rs` only calls it. Not a
//! library API: use the `ec2-lite` crate for that.

mod args;
mod commands;
mod complete;
mod ensure;
#[cfg(test)]
mod exit_codes;
mod help;
mod input;
mod output;
mod paging;
mod settings;
mod shorthand;

use std::io::Write;
use std::process::ExitCode;

use ec2_lite::{Client, ConfigError, ConfigErrorKind, CredentialsError, Error, ProfileSettings, TransportErrorKind};

use args::{GLOBAL_OPTIONS, Known, Opt, Parsed, Positional};
use commands::{COMMANDS, Command, Printable, WAITERS};
use output::Value;
use settings::Settings;

/// The program name, in place of `aws` (and of `aws ec2`).
pub(crate) const PROG: &str = "ec2-lite";

/// `awscli/argparser.py`'s `USAGE`, one level shorter: `aws ec2 <operation>`
/// is `ec2-lite <command>`, and `wait <waiter>` is `<command> <subcommand>`.
pub(crate) const USAGE: &str = "ec2-lite [options] <command> [<subcommand> ...] [parameters]\n\
To see help text, you can run:\n\n  ec2-lite help\n  ec2-lite <command> help\n  ec2-lite <command> <subcommand> help\n";

/// AWS CLI v2 exit codes (`awscli/constants.py`).
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

/// How v2's error handler of that kind prints (`awscli/errorhandler.py`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `UnknownArgumentErrorHandler`: the usage first, then the error.
    Unknown,
    /// A handler with structured error info: `An error occurred (CODE): ...`
    /// in the `enhanced` format, the message alone in `legacy`.
    Structured(&'static str),
    /// `ClientErrorHandler`: the service's code and message.
    Service { code: String, message: String },
    /// `GeneralExceptionHandler`: the message, in every format.
    Plain,
}

/// A failure, with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: u8,
    pub(crate) message: String,
    pub(crate) shape: Shape,
}

impl CliError {
    /// An argparse error: its message, then the usage (`CLIArgParser.error`).
    pub(crate) fn argparse(message: impl Into<String>) -> Self {
        CliError::param(format!("{}\n\nusage: {USAGE}", message.into()))
    }

    /// `Unknown options: a, b`.
    pub(crate) fn unknown(words: &[String]) -> Self {
        CliError { code: exit::USAGE, message: format!("Unknown options: {}", words.join(", ")), shape: Shape::Unknown }
    }

    /// A parameter error (`ParamError`, `ParamValidationError`): 252.
    pub(crate) fn param(message: impl Into<String>) -> Self {
        CliError { code: exit::USAGE, message: message.into(), shape: Shape::Structured("ParamValidation") }
    }

    /// Kept for the commands' own checks: a parameter error.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError::param(message)
    }

    /// `ConfigurationError`: 253.
    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        CliError { code: exit::CONFIG, message: message.into(), shape: Shape::Structured("Configuration") }
    }

    /// Anything else: 255, printed as it is.
    pub(crate) fn general(message: impl Into<String>) -> Self {
        CliError { code: exit::OTHER, message: message.into(), shape: Shape::Plain }
    }

    /// Words the AWS CLI v2 would print for `err` raised by `operation`.
    pub(crate) fn from_error(err: &Error, operation: &str, endpoint: &str) -> Self {
        match err {
            Error::Service(e) => CliError {
                code: exit::SERVICE,
                message: format!(
                    "An error occurred ({}) when calling the {operation} operation: {}",
                    ec2_lite::escape(e.code.as_bytes()),
                    ec2_lite::escape(e.message.as_bytes())
                ),
                shape: Shape::Service { code: e.code.clone(), message: e.message.clone() },
            },
            Error::UnexpectedResponse { status, reason, .. } => CliError {
                code: exit::SERVICE,
                message: format!("An error occurred ({status}) when calling the {operation} operation: {reason}"),
                shape: Shape::Service { code: status.to_string(), message: reason.to_string() },
            },
            // botocore's ResponseParserError, in its words.
            Error::MalformedResponse { reason, body_start, .. } => CliError::general(format!(
                "Unable to parse response ({}), invalid XML received. Further retries may succeed:\n{body_start}",
                ec2_lite::escape(reason.as_bytes())
            )),
            Error::InvalidInput(m) => CliError::param(format!("Parameter validation failed:\n{m}")),
            Error::Config(c) => config_error(c),
            // As the AWS CLI: a refusal from STS or SSO is a service error, an unreachable
            // endpoint a general one, anything else bad configuration.
            Error::Credentials(c) => {
                let message = capitalize(&credentials_text(c));
                match c.cause().map(root_cause) {
                    Some(Error::Service(_) | Error::UnexpectedResponse { .. }) => {
                        CliError { code: exit::SERVICE, message, shape: Shape::Plain }
                    }
                    Some(Error::Transport(_) | Error::MalformedResponse { .. }) => CliError::general(message),
                    _ => CliError::configuration(message),
                }
            }
            Error::Transport(t) => CliError::general(match t.kind() {
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
            }),
            Error::WaitFailed { .. } => CliError::general(capitalize(&err.to_string())),
            _ => CliError::general(err.to_string()),
        }
    }
}

/// The library's configuration errors in the AWS CLI v2's words
/// (`awscli/errorhandler.py`; botocore's `NoRegionError`,
/// `NoCredentialsError`), with the library's details under `--debug`.
fn config_error(c: &ConfigError) -> CliError {
    let m = c.message();
    let structured = |code: &'static str, message: String| CliError {
        code: exit::CONFIG,
        message: format!("{message}{}", debug_detail(m)),
        shape: Shape::Structured(code),
    };
    match c.kind() {
        ConfigErrorKind::NoRegion => structured(
            "NoRegion",
            "You must specify a region. You can also configure your region by running \"aws configure\".".to_owned(),
        ),
        // tests/unit/test_clidriver.py, test_aws_configure_in_error_message_no_credentials
        ConfigErrorKind::NoCredentials => structured(
            "NoCredentials",
            "Unable to locate credentials. You can configure credentials by running \"aws login\".".to_owned(),
        ),
        _ => CliError::configuration(capitalize(m)),
    }
}

/// What a credential source failure says, then its cause's words, on one line as v2 prints
/// it: the library gives the cause through `source()`, not in the message.
pub(crate) fn credentials_text(c: &CredentialsError) -> String {
    match c.cause() {
        // Its words only, without the `configuration error: ` of `Error`'s `Display`.
        Some(Error::Config(cause)) => format!("{c}: {cause}"),
        Some(cause) => format!("{c}: {cause}"),
        None => c.to_string(),
    }
}

/// Set by `--debug`: the library's own explanation of a configuration error
/// (which variables and files it looked at) goes on stderr after v2's words.
static DEBUG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn debug_detail(m: &str) -> String {
    if DEBUG.load(std::sync::atomic::Ordering::Relaxed) { format!("\n(debug: {m})") } else { String::new() }
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

/// `awscli/errorformat.py`'s `write_error`.
fn write_error(message: &str) -> String {
    format!("\n{PROG}: [ERROR]: {}\n", message.trim())
}

/// What v2 prints on stderr for `e` with `cli_error_format` = `format`.
pub(crate) fn render_error(e: &CliError, format: &str) -> String {
    let (code, message, formatted) = match &e.shape {
        Shape::Unknown => return format!("\nusage: {USAGE}\n{}", write_error(&e.message)),
        Shape::Plain => return write_error(&e.message),
        Shape::Structured(code) => {
            (code.to_string(), e.message.clone(), format!("An error occurred ({code}): {}", e.message))
        }
        Shape::Service { code, message } => (code.clone(), message.clone(), e.message.clone()),
    };
    let info = || Value::map(vec![("Code", Value::str(&code)), ("Message", Value::str(&message))]);
    match format {
        "legacy" => write_error(if matches!(e.shape, Shape::Service { .. }) { &e.message } else { &message }),
        "json" => output::json(&info()),
        "text" => output::text(&info()),
        // `enhanced`, and anything not valid (v2 falls back to it). `yaml` and
        // `table` print as `enhanced` until their formatters are connected.
        _ => write_error(&formatted),
    }
}

/// What `main` needs to print an error as configured, learnt while parsing.
#[derive(Default)]
struct State {
    error_format: Option<String>,
    profile_name: Option<String>,
    profile: Option<ProfileSettings>,
}

impl State {
    fn error_format(&mut self) -> String {
        if self.profile.is_none() {
            self.profile = ProfileSettings::load(self.profile_name.as_deref()).ok();
        }
        settings::error_format(self.error_format.as_deref(), self.profile.as_ref())
    }
}

/// The program: reads the command line and the environment, runs the command, prints
/// its output or its error, and returns the exit code.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let mut state = State::default();
    match run(&args, &mut state) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::from(ensure::exit_code()),
                // The reader stopped reading (`| head`): its choice, not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                // A full disk must not look like a success whose output was saved.
                Err(e) => {
                    eprint(&write_error(&format!("could not write the output: {e}")));
                    ExitCode::from(exit::OTHER)
                }
            }
        }
        Err(e) => {
            let format = state.error_format();
            eprint(&render_error(&e, &format));
            ExitCode::from(e.code)
        }
    }
}

/// A stderr that cannot be written must not turn the exit code into a panic.
fn eprint(text: &str) {
    // Nothing from outside reaches the terminal raw: control characters are escaped.
    let _ = std::io::stderr().write_all(ec2_lite::escape_lines(text).as_bytes());
}

/// `--operation-timeout`, else `EC2_LITE_OPERATION_TIMEOUT`: seconds, `0` for none.
fn operation_timeout(parsed: &Parsed) -> Result<Option<std::time::Duration>, CliError> {
    let from_env = || match std::env::var_os("EC2_LITE_OPERATION_TIMEOUT") {
        None => Ok(None),
        Some(v) => v
            .into_string()
            .map(Some)
            .map_err(|_| CliError::configuration("EC2_LITE_OPERATION_TIMEOUT is not valid UTF-8")),
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
        _ => Err(CliError::param(format!("{name}: expected a number of seconds, got {v:?}"))),
    }
}

/// `ec2-lite/0.1.0 Linux exe/x86_64`: the shape of v2's
/// `aws-cli/2.x Python/3.x Linux/6.x exe/x86_64`.
fn version() -> String {
    let os = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows",
        other => other,
    };
    format!("{PROG}/{} {os} exe/{}\n", env!("CARGO_PKG_VERSION"), std::env::consts::ARCH)
}

/// The commands the first word may name: the operations, `help`, and this
/// tool's `completion`.
fn command_names() -> Vec<&'static str> {
    COMMANDS.iter().map(|c| c.name).chain(["help", "completion"]).collect()
}

/// The options of `command`'s own pass, as v2 builds its argument table: the
/// operation's members, then `--cli-input-json`, `--cli-input-yaml` and
/// `--generate-cli-skeleton` (not for the `wait` extension).
pub(crate) fn command_options(command: &Command) -> Vec<&'static Opt> {
    let extra: &[Opt] = if command.name == "wait" { &[] } else { input::INPUT_OPTIONS };
    command.options.iter().chain(extra).chain(paging_options(command)).collect()
}

fn paging_options(command: &Command) -> &'static [Opt] {
    if command.name == "describe-iam-instance-profile-associations" { commands::PAGING_OPTIONS } else { &[] }
}

/// Both argparse passes, then everything else. Nothing is sent, and no
/// configuration read, before the whole command line was understood.
fn run(args: &[String], state: &mut State) -> Result<String, CliError> {
    // Pass 1 (`MainArgParser`): the global options, anywhere, and the command.
    let globals: Vec<&Opt> = GLOBAL_OPTIONS.iter().collect();
    let names = command_names();
    let main = args::parse_known(
        args,
        &globals,
        Positional { name: "operation", choices: Some(&names), optional: true },
        false,
    )
    .map_err(CliError::argparse)?;
    if main.version {
        return Ok(version());
    }
    state.error_format = main.values.get("cli-error-format").and_then(|v| v.first()).cloned();
    state.profile_name = main.values.get("profile").and_then(|v| v.first()).cloned();
    let wants_help = main.values.contains_key("help");
    let Some(name) = main.positional.clone() else {
        return if wants_help {
            Ok(help::general())
        } else {
            Err(CliError::argparse("the following arguments are required: operation"))
        };
    };
    let mut parsed = Parsed { words: vec![name.clone()], values: main.values };
    // awscli/clidriver.py, `validate_auto_prompt_args_are_mutually_exclusive`
    if parsed.flag("cli-auto-prompt") && parsed.flag("no-cli-auto-prompt") {
        return Err(CliError::param(
            "Both --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.",
        ));
    }
    // v2 resolves these as soon as the global options are read
    // (awscli/customizations/globalargs.py).
    settings::check_endpoint_url(&parsed)?;
    // globalargs.py: a query that does not compile is refused before anything is read or sent.
    if let Some(q) = parsed.one("query") {
        output::Query::compile(q).map_err(CliError::param)?;
    }
    settings::timeout(&parsed, "cli-connect-timeout")?;
    settings::timeout(&parsed, "cli-read-timeout")?;
    let rest = main.extras;

    if name == "help" {
        return if rest.is_empty() { Ok(help::general()) } else { Err(CliError::unknown(&rest)) };
    }
    if name == "completion" {
        return complete::run(&rest, wants_help);
    }
    let Some(command) = COMMANDS.iter().find(|c| c.name == name) else {
        return Err(CliError::argparse(format!("argument operation: Found invalid choice '{name}'\n")));
    };
    let op_args = if command.name == "wait" {
        match waiter_pass(&rest, wants_help)? {
            Waiter::Help(text) => return Ok(text),
            Waiter::Named(waiter, op_args) => {
                parsed.words.push(waiter);
                op_args
            }
        }
    } else {
        rest
    };
    if wants_help {
        return Ok(help::command(command, parsed.words.get(1).map(String::as_str)));
    }

    // Pass 2 (`ArgTableArgParser`): the command's options and a `help` word.
    // `--cli-input-*` and `--generate-cli-skeleton`, written out, make no
    // option required (`OverrideRequiredArgsArgument`).
    // `ArgTableArgParser`: `help` alone is help, whatever is required.
    if let [only] = op_args.as_slice()
        && only == "help"
    {
        return Ok(help::command(command, parsed.words.get(1).map(String::as_str)));
    }
    let opts = command_options(command);
    // `--generate-cli-skeleton output` validates the command, so lifts nothing.
    let lifts = |i: usize, a: &String| match a.as_str() {
        "--cli-input-json" | "--cli-input-yaml" => true,
        "--generate-cli-skeleton" => op_args.get(i + 1).is_none_or(|n| n != "output"),
        _ => false,
    };
    let check_required = !op_args.iter().enumerate().any(|(i, a)| lifts(i, a));
    let op: Known =
        args::parse_known(&op_args, &opts, Positional { name: "help", choices: None, optional: true }, check_required)
            .map_err(CliError::argparse)?;
    let mut unknown = op.extras;
    match op.positional {
        Some(word) if word == "help" => {
            return Ok(help::command(command, parsed.words.get(1).map(String::as_str)));
        }
        Some(word) => unknown.push(word),
        None => {}
    }
    if !unknown.is_empty() {
        return Err(CliError::unknown(&unknown));
    }
    parsed.values.extend(op.values);

    // Everything understood; now the files.
    let skeleton = parsed.one("generate-cli-skeleton").map(str::to_owned);
    if let Some(kind) = skeleton.as_deref()
        && kind != "output"
    {
        return input::skeleton(command, kind);
    }
    input::apply(command, &mut parsed)?;
    let profile = ProfileSettings::load(parsed.one("profile")).map_err(|e| CliError::from_error(&e, "", ""))?;
    if !profile.exists() {
        // botocore's ProfileNotFound: a plain error, 255.
        return Err(CliError::general(format!("The config profile ({}) could not be found", profile.name())));
    }
    let settings = Settings::resolve(&parsed, &profile)?;
    DEBUG.store(settings.debug, std::sync::atomic::Ordering::Relaxed);

    let operation = operation_timeout(&parsed)?;
    let client = build_client(&parsed, &profile, &settings, operation);
    state.profile = Some(profile);
    let client = client.map_err(|e| match (&e, parsed.one("endpoint-url")) {
        // botocore's `ValueError` for a URL without a host (`awscli/botocore/endpoint.py`),
        // which v2 prints plain, exit 255.
        (Error::Config(c), Some(url))
            if c.kind() == ConfigErrorKind::InvalidEndpoint && !botocore_valid_endpoint(url) =>
        {
            CliError::general(format!("Invalid endpoint: {url}"))
        }
        _ => CliError::from_error(&e, command.operation, ""),
    })?;
    if !settings.verify_ssl
        && let Some(rest) = client.endpoint_url().strip_prefix("https://")
    {
        // What Python's `warnings` prints for urllib3 in the AWS CLI.
        let host = rest.split(['/', ':']).next().unwrap_or(rest);
        eprint(&format!(
            "urllib3/connectionpool.py:1129: InsecureRequestWarning: Unverified HTTPS request is being made to host \
             '{host}'. Adding certificate verification is strongly advised. See: \
             https://urllib3.readthedocs.io/en/latest/advanced-usage.html#tls-warnings\n  warnings.warn(\n"
        ));
    }
    if skeleton.is_some() {
        // v2 makes the call against a stubbed client (`StubbedCLIOperationCaller`):
        // the configuration is resolved, a region needed, nothing sent.
        return render(
            Printable::Single(input::output_skeleton(command, &settings.output)),
            command.operation,
            &settings,
        );
    }
    let ctx = commands::Ctx { client: &client, parsed: &parsed, settings: &settings };
    let value = (command.run)(&ctx);
    // The process ends after this command: its connections, caches and credentials are
    // handed back to the OS at exit rather than freed one allocation at a time (16 K
    // instructions of a one-call HTTPS process, `scripts/bench`).
    std::mem::forget(client);
    match value? {
        None => Ok(String::new()),
        Some(p) => render(p, command.operation, &settings),
    }
}

enum Waiter {
    Help(String),
    /// The waiter's name and the arguments left for its own pass.
    Named(String, Vec<String>),
}

/// `wait`'s own pass (`SubCommandArgParser`): its one positional is the
/// waiter; `wait` takes no option of its own.
fn waiter_pass(rest: &[String], wants_help: bool) -> Result<Waiter, CliError> {
    let wait_help = || Ok(Waiter::Help(help::wait()));
    if let [only] = rest
        && only == "help"
    {
        return wait_help();
    }
    let known =
        args::parse_known(rest, &[], Positional { name: "subcommand", choices: Some(WAITERS), optional: true }, false)
            .map_err(CliError::argparse)?;
    let Some(waiter) = known.positional else {
        if wants_help {
            return wait_help();
        }
        if !known.extras.is_empty() {
            // BasicCommand joins these with a bare comma.
            return Err(CliError::param(format!("Unknown options: {}", known.extras.join(","))));
        }
        // awscli/customizations/commands.py, `_raise_usage_error`
        return Err(CliError::param(format!(
            "usage: {PROG} [options] wait <subcommand> [parameters]\n{PROG}: [ERROR]: too few arguments"
        )));
    };
    // The waiter word leaves; everything else goes on, in order.
    let mut op_args = rest.to_vec();
    if let Some(at) = op_args.iter().position(|a| *a == waiter) {
        op_args.remove(at);
    }
    Ok(Waiter::Named(waiter, op_args))
}

/// botocore's `is_valid_endpoint_url` (`awscli/botocore/utils.py`): `urlsplit`
/// finds a host name made of DNS labels (or an IPv6 literal).
fn botocore_valid_endpoint(url: &str) -> bool {
    if url.contains(['\t', '\n', '\r']) {
        return false;
    }
    let after_scheme = match url.split_once(':') {
        Some((scheme, rest))
            if scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            rest
        }
        _ => url,
    };
    let Some(rest) = after_scheme.strip_prefix("//") else { return false };
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    if host_port.starts_with('[') {
        return true;
    }
    let host = host_port.split(':').next().unwrap_or_default();
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 255
        && host.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The client, from the environment and files as `profile` read them (`--profile` included).
fn build_client(
    parsed: &Parsed,
    profile: &ProfileSettings,
    s: &Settings,
    operation: Option<std::time::Duration>,
) -> Result<Client, Error> {
    let mut builder = profile.client_builder();
    if let Some(region) = parsed.one("region") {
        builder = builder.region(region);
    }
    if let Some(url) = parsed.one("endpoint-url") {
        builder = builder.endpoint_url(url);
    }
    // 0 is "no limit": kept finite here, a day.
    const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);
    if let Some(t) = s.connect_timeout {
        builder = builder.connect_timeout(t.unwrap_or(DAY));
    }
    if let Some(t) = s.read_timeout {
        builder = builder.read_timeout(t.unwrap_or(DAY));
    }
    if let Some(t) = operation {
        builder = builder.operation_timeout(t);
    }
    if let Some(bundle) = &s.ca_bundle {
        builder = builder.ca_bundle(bundle);
    }
    if !s.verify_ssl {
        builder = builder.verify_tls(false);
    }
    if !s.sign_request {
        builder = builder.sign_requests(false);
    }
    if s.debug {
        builder = builder.on_debug(|line| {
            let _ = writeln!(std::io::stderr(), "debug: {}", ec2_lite::escape(line.as_bytes()));
        });
    }
    builder.build()
}

/// Prints as the AWS CLI v2 does, in the resolved format, through `--query`,
/// with timestamps as `cli_timestamp_format` says (`output.rs`).
fn render(p: Printable, operation: &str, settings: &Settings) -> Result<String, CliError> {
    let format = output::OutputFormat::parse(&settings.output).map_err(CliError::general)?;
    let query = settings.query.as_deref().map(output::Query::compile).transpose().map_err(CliError::param)?;
    let timestamps = match settings.timestamp_format.as_deref() {
        Some(t) => output::TimestampFormat::parse(t).map_err(CliError::configuration)?,
        None => output::TimestampFormat::default(),
    };
    let color = output::ColorChoice::parse(&settings.color).map_err(CliError::param)?;
    let options = output::RenderOptions::for_stdout(format, query, timestamps, color);
    // A query that fails while it runs (a function given the wrong type) is v2's 255.
    output::render(p, operation, &options).map_err(CliError::general)
}

#[cfg(test)]
mod robustness {
    //! Whatever the command line holds, parsing answers with a value or an
    //! error: never a panic, never a stack overflow.
    use proptest::prelude::*;

    use super::*;

    /// Words from the alphabet scripts and typos use.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("--association-id".to_owned()),
            Just("--filters".to_owned()),
            Just("--output".to_owned()),
            Just("--query".to_owned()),
            Just("--generate-cli-skeleton".to_owned()),
            Just("--cli-input-json".to_owned()),
            Just("--max".to_owned()),
            Just("help".to_owned()),
            Just("wait".to_owned()),
            Just("describe-iam-instance-profile-associations".to_owned()),
            Just("disassociate-iam-instance-profile".to_owned()),
            "[-=a-z0-9 \\[\\]{}\",:]{0,12}",
            any::<String>(),
        ]
    }

    #[test]
    fn endpoints_botocore_refuses() {
        for bad in ["localhost:1", "localhost", "http://", "http:///x", "http://-a.b", "http://a b", "http://a\tb"] {
            assert!(!botocore_valid_endpoint(bad), "{bad}");
        }
        for good in [
            "http://localhost:1",
            "https://ec2.us-east-1.amazonaws.com/",
            "ftp://127.0.0.1",
            "http://u@h.",
            "http://[::1]:5",
        ] {
            assert!(botocore_valid_endpoint(good), "{good}");
        }
    }

    proptest! {
        #[test]
        fn argument_passes_never_panic(args in proptest::collection::vec(word(), 0..12)) {
            let globals: Vec<&Opt> = GLOBAL_OPTIONS.iter().collect();
            let names = command_names();
            let _ = args::parse_known(&args, &globals, Positional { name: "operation", choices: Some(&names), optional: true }, false);
            for c in COMMANDS {
                let _ = args::parse_known(&args, &command_options(c), Positional { name: "help", choices: None, optional: true }, true);
            }
        }

        #[test]
        fn documents_and_values_never_panic(text in any::<String>(), open in 0usize..400) {
            let deep = "[".repeat(open) + &text;
            let _ = input::parse_json(&text);
            let _ = input::parse_json(&deep);
            let _ = input::parse_yaml(&text);
            let _ = input::parse_yaml(&deep);
            let _ = shorthand::structure(&text, &["Name", "Values"], "--filters");
            let _ = shorthand::structures(std::slice::from_ref(&deep), &["Name", "Values"], "--filters");
            let _ = paging::decode(&text);
            let _ = settings::python_int(&text);
        }
    }
}
