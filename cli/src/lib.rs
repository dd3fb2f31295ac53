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
// The exit code of each kind of library error: a test suite, kept out of the package.
#[cfg(test)]
#[path = "../tests/unit/exit_codes.rs"]
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

pub(crate) use error::{CliError, exit};

/// The program name, in place of `aws` (and of `aws ec2`).
pub(crate) const PROG: &str = "ec2-lite";

/// `awscli/argparser.py`'s `USAGE`, one level shorter: `aws ec2 <operation>`
/// is `ec2-lite <command>`, and `wait <waiter>` is `<command> <subcommand>`.
pub(crate) const USAGE: &str = "ec2-lite [options] <command> [<subcommand> ...] [parameters]\n\
To see help text, you can run:\n\n  ec2-lite help\n  ec2-lite <command> help\n  ec2-lite <command> <subcommand> help\n";

/// The program: reads the command line and the environment, runs the command, prints
/// its output or its error, and returns the exit code.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    ExitCode::from(run::run(&args))
}
