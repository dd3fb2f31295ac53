//! `ec2-lite`: the EC2 IAM instance profile commands of `aws ec2`, with the
//! same options, the same output and the AWS CLI v2 exit codes.
//!
//! `ec2-lite X` is `aws ec2 X`: the program name stands for both words, in
//! usage lines and error prefixes alike (`ec2-lite: [ERROR]: ...`).
//!
//! The program's modules, behind [`main`]; `src/main.rs` only calls it. Not a
//! library API: use the `ec2-lite` crate for that.

mod args;
mod client;
mod commands;
mod complete;
mod ensure;
mod error;
#[cfg(test)]
mod exit_codes;
#[cfg(feature = "_fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod help;
mod input;
mod output;
mod paging;
mod python;
mod run;
mod settings;
mod shorthand;

use std::process::ExitCode;

use error::capitalize;
pub(crate) use error::{CliError, Shape, exit};

/// The program name, in place of `aws` (and of `aws ec2`).
pub(crate) const PROG: &str = "ec2-lite";

/// `awscli/argparser.py`'s `USAGE`, one level shorter: `aws ec2 <operation>`
/// is `ec2-lite <command>`, and `wait <waiter>` is `<command> <subcommand>`.
pub(crate) const USAGE: &str = "ec2-lite [options] <command> [<subcommand> ...] [parameters]\n\
To see help text, you can run:\n\n  ec2-lite help\n  ec2-lite <command> help\n  ec2-lite <command> <subcommand> help\n";

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

/// The program: reads the command line and the environment, runs the command, prints
/// its output or its error, and returns the exit code.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    ExitCode::from(run::run(&args))
}
