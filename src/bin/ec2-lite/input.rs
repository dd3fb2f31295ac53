//! Input from files and documents: `file://` and `fileb://` values
//! (`awscli/paramfile.py`), `--cli-input-json` / `--cli-input-yaml`
//! (`awscli/customizations/cliinput.py`) and `--generate-cli-skeleton`
//! (`awscli/customizations/generatecliskeleton.py`).

use crate::CliError;
use crate::args::{Opt, Parsed};
use crate::commands::Command;

/// The options v2 adds to every operation's argument table.
pub(crate) const INPUT_OPTIONS: &[Opt] = &[
    Opt::one(
        "cli-input-json",
        "Reads arguments from the JSON string provided (inline or file://). Command-line values override it.",
    ),
    Opt::one(
        "cli-input-yaml",
        "Reads arguments from the YAML string provided (inline or file://). Command-line values override it.",
    ),
    Opt::one("generate-cli-skeleton", "Prints a skeleton and exits: input (JSON, the default), yaml-input, or output.")
        .choices(&["input", "output", "yaml-input"])
        .optional("input"),
];

pub(crate) fn skeleton(_command: &Command, _kind: &str) -> Result<String, CliError> {
    Err(CliError::general("not yet"))
}

pub(crate) fn apply(_command: &Command, _parsed: &mut Parsed) -> Result<(), CliError> {
    Ok(())
}
