//! Failures as the AWS CLI v2 reports them: the exit codes, the shape of each
//! handler's message (`awscli/errorhandler.py`) and how it is printed.

use std::io::Write as _;

use ec2_lite::{Error, TlsReason, TransportErrorKind};

use crate::output::{self, Value};
use crate::{PROG, USAGE};

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
    /// The library's own explanation (which variables and files it looked
    /// at), printed after v2's words under `--debug`.
    pub(crate) debug_detail: Option<String>,
}

impl CliError {
    /// An argparse error: its message, then the usage (`CLIArgParser.error`).
    pub(crate) fn argparse(message: impl Into<String>) -> Self {
        CliError::param(format!("{}\n\nusage: {USAGE}", message.into()))
    }

    /// `Unknown options: a, b`.
    pub(crate) fn unknown(words: &[String]) -> Self {
        CliError {
            code: exit::USAGE,
            message: format!("Unknown options: {}", words.join(", ")),
            shape: Shape::Unknown,
            debug_detail: None,
        }
    }

    /// A parameter error (`ParamError`, `ParamValidationError`): 252.
    pub(crate) fn param(message: impl Into<String>) -> Self {
        CliError {
            code: exit::USAGE,
            message: message.into(),
            shape: Shape::Structured("ParamValidation"),
            debug_detail: None,
        }
    }

    /// Kept for the commands' own checks: a parameter error.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError::param(message)
    }

    /// `ConfigurationError`: 253.
    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        CliError {
            code: exit::CONFIG,
            message: message.into(),
            shape: Shape::Structured("Configuration"),
            debug_detail: None,
        }
    }

    /// Anything else: 255, printed as it is.
    pub(crate) fn general(message: impl Into<String>) -> Self {
        CliError { code: exit::OTHER, message: message.into(), shape: Shape::Plain, debug_detail: None }
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
                debug_detail: None,
            },
            Error::UnexpectedResponse { status, reason, .. } => CliError {
                code: exit::SERVICE,
                message: format!("An error occurred ({status}) when calling the {operation} operation: {reason}"),
                shape: Shape::Service { code: status.to_string(), message: reason.to_string() },
                debug_detail: None,
            },
            // botocore's ResponseParserError, in its words.
            Error::MalformedResponse { reason, body_start, .. } => CliError::general(format!(
                "Unable to parse response ({}), invalid XML received. Further retries may succeed:\n{body_start}",
                ec2_lite::escape(reason.as_bytes())
            )),
            Error::InvalidInput(m) => CliError::param(format!("Parameter validation failed:\n{m}")),
            Error::Config(m) => config_error(m),
            // As the AWS CLI: a refusal from STS or SSO is a service error, an unreachable
            // endpoint a general one, anything else bad configuration.
            Error::Credentials(c) => {
                let message = capitalize(&credentials_text(c));
                match c.cause().map(root_cause) {
                    Some(Error::Service(_) | Error::UnexpectedResponse { .. }) => {
                        CliError { code: exit::SERVICE, message, shape: Shape::Plain, debug_detail: None }
                    }
                    Some(Error::Transport(_) | Error::MalformedResponse { .. }) => CliError::general(message),
                    _ => CliError::configuration(message),
                }
            }
            Error::Transport(t) => CliError::general(match t.kind() {
                TransportErrorKind::Tls(reason) => ssl_validation_failed(endpoint, reason, err),
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

/// A refused TLS handshake in the AWS CLI v2's words: botocore's `SSLError` ("SSL validation
/// failed for {endpoint_url} {error}", `botocore/exceptions.py`, raised by
/// `botocore/httpsession.py` from urllib3's), its error OpenSSL's as Python's `ssl` module
/// words it. Told apart by the library's [`TlsReason`], never by its words.
fn ssl_validation_failed(endpoint: &str, reason: TlsReason, err: &Error) -> String {
    let verify_failed =
        |why: &str| format!("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {why} (_ssl.c:1006)");
    let error = match reason {
        TlsReason::UnknownIssuer => verify_failed("unable to get local issuer certificate"),
        TlsReason::Expired => verify_failed("certificate has expired"),
        TlsReason::NotValidYet => verify_failed("certificate is not yet valid"),
        TlsReason::NameMismatch => {
            // The host of `scheme://host[:port]/...`, an IPv6 address without its brackets.
            let authority = endpoint.split_once("://").map_or(endpoint, |(_, rest)| rest);
            let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
            let host = match authority.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or_default(),
                None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
            };
            let what = if host.parse::<std::net::IpAddr>().is_ok() { "IP address" } else { "Hostname" };
            verify_failed(&format!("{what} mismatch, certificate is not valid for '{host}'."))
        }
        TlsReason::ProtocolVersion => {
            "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1006)".to_owned()
        }
        // Anything else in rustls's words, the last of the error's causes.
        _ => {
            let mut last = std::error::Error::source(err);
            while let Some(next) = last.and_then(std::error::Error::source) {
                last = Some(next);
            }
            format!("[SSL] {}", last.map_or_else(|| err.to_string(), |e| e.to_string()))
        }
    };
    format!("SSL validation failed for {endpoint} {error}")
}

/// The error at the bottom of a chain of credential source failures.
fn root_cause(err: &Error) -> &Error {
    match err {
        Error::Credentials(c) => c.cause().map_or(err, root_cause),
        other => other,
    }
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `awscli/errorformat.py`'s `write_error`.
pub(crate) fn write_error(message: &str) -> String {
    format!("\n{PROG}: [ERROR]: {}\n", message.trim())
}

/// What v2 prints on stderr for `e` with `cli_error_format` = `format`;
/// with `debug`, the library's explanation after v2's words.
pub(crate) fn render_error(e: &CliError, format: &str, debug: bool) -> String {
    let full = match (&e.debug_detail, debug) {
        (Some(detail), true) => format!("{}\n(debug: {detail})", e.message),
        _ => e.message.clone(),
    };
    let (code, message, formatted) = match &e.shape {
        Shape::Unknown => return format!("\nusage: {USAGE}\n{}", write_error(&full)),
        Shape::Plain => return write_error(&full),
        Shape::Structured(code) => (code.to_string(), full.clone(), format!("An error occurred ({code}): {full}")),
        Shape::Service { code, message } => (code.clone(), message.clone(), e.message.clone()),
    };
    let info = || Value::map(vec![("Code", Value::str(&code)), ("Message", Value::str(&message))]);
    match format {
        "legacy" => write_error(if matches!(e.shape, Shape::Service { .. }) { &full } else { &message }),
        "json" => output::json(&info()),
        "text" => output::text(&info()),
        // `enhanced`, and anything not valid (v2 falls back to it). `yaml` and
        // `table` print as `enhanced` until their formatters are connected.
        _ => write_error(&formatted),
    }
}

/// A stderr that cannot be written must not turn the exit code into a panic.
pub(crate) fn eprint(text: &str) {
    // Nothing from outside reaches the terminal raw: control characters are escaped.
    let _ = std::io::stderr().write_all(ec2_lite::escape_lines(text).as_bytes());
}

/// The library's configuration errors in the AWS CLI v2's words
/// (`awscli/errorhandler.py`; botocore's `NoRegionError`,
/// `NoCredentialsError`), with the library's details under `--debug`: told
/// apart by their kind, never by their words.
pub(crate) fn config_error(c: &ec2_lite::ConfigError) -> CliError {
    use ec2_lite::ConfigErrorKind;
    let m = c.message();
    let structured = |code: &'static str, message: String| CliError {
        code: exit::CONFIG,
        message,
        shape: Shape::Structured(code),
        debug_detail: Some(m.to_owned()),
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
        // botocore's InvalidConfigError (`botocore/endpoint.py`, `_validate_verify_value`),
        // which v2's error handler leaves to its general handler: 255.
        ConfigErrorKind::EmptyCaBundle => CliError {
            debug_detail: Some(m.to_owned()),
            ..CliError::general(
                "Invalid CA bundle: the configured value (ca_bundle, AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, or verify) \
                 resolved to an empty or whitespace-only string. Provide a valid path to a CA bundle file.",
            )
        },
        _ => CliError::configuration(capitalize(m)),
    }
}

/// What a credential source failure says, then its cause's words, on one line as v2 prints
/// it: the library gives the cause through `source()`, not in the message.
pub(crate) fn credentials_text(c: &ec2_lite::CredentialsError) -> String {
    match c.cause() {
        // Its words only, without the `configuration error: ` of `Error`'s `Display`.
        Some(ec2_lite::Error::Config(cause)) => format!("{c}: {cause}"),
        Some(cause) => format!("{c}: {cause}"),
        None => c.to_string(),
    }
}
