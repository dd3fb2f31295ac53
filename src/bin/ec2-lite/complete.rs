//! `ec2-lite completion bash|zsh|fish`: a completion script (an extension).

use crate::CliError;

pub(crate) fn run(_args: &[String], _help: bool) -> Result<String, CliError> {
    Err(CliError::general("not yet"))
}
