//! The differential harness of the scenario tables (`scenarios.rs`): one scenario runs the
//! AWS CLI of the test venv (v1) and `ec2-lite` with the same arguments, the
//! same environment and the same moto state, and compares what they printed
//! and how they exited.
//!
//! `ec2-lite` follows the AWS CLI v2, the venv holds v1. Where the two
//! versions legitimately differ, the v1 output is turned into what v2 prints
//! by the functions below, each citing the v2 source file (paths in the
//! aws/aws-cli repository, branch v2) it follows; nothing else is loosened.
//! The comparison is then exact: stdout byte for byte (JSON also parsed, to
//! say where it differs), stderr byte for byte, the exit code as v2's.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::cli::EXE;
use super::moto::Seeded;
use super::python;

/// How long one run of either tool may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
/// How much of each output a mismatch message quotes.
const QUOTE: usize = 4000;

/// What the scenario expects of the AWS CLI, which decides the exit codes and
/// how v1's stderr becomes v2's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Success: exit 0 in both versions, nothing on stderr.
    Ok,
    /// The service answered with an error (`ClientError`).
    Service,
    /// argparse refused the command line (a missing value or required
    /// option, an invalid choice, a value of the wrong type).
    ArgParse,
    /// Words the command does not take (`Unknown options: ...`).
    Unknown,
    /// Refused after parsing, before sending: botocore's parameter
    /// validation, paramfiles, `--cli-input-json`, `--query`, `--endpoint-url`.
    ParamValidation,
    /// No credentials anywhere.
    NoCredentials,
    /// No region anywhere.
    NoRegion,
    /// Anything else (an unknown profile, a connection refused).
    General,
}

impl Expect {
    /// The exit code of the AWS CLI v1: 2 when argparse refuses the command
    /// line (`argparse.ArgumentParser.error`), 255 for every other failure
    /// (`awscli/clidriver.py`, `CLIDriver.main`).
    pub fn v1_code(self) -> i32 {
        match self {
            Expect::Ok => 0,
            Expect::ArgParse => 2,
            _ => 255,
        }
    }

    /// The exit code of the AWS CLI v2 (`awscli/constants.py`, and the
    /// handler each error goes to in `awscli/errorhandler.py`): 252
    /// `ParamValidationErrorsHandler` and `UnknownArgumentErrorHandler`, 253
    /// `NoCredentialsErrorHandler` and `NoRegionErrorHandler`, 254
    /// `ClientErrorHandler`, 255 `GeneralExceptionHandler`. These are the
    /// codes of the AWS CLI's "Command line return codes" page.
    pub fn v2_code(self) -> i32 {
        match self {
            Expect::Ok => 0,
            Expect::ArgParse | Expect::Unknown | Expect::ParamValidation => 252,
            Expect::NoCredentials | Expect::NoRegion => 253,
            Expect::Service => 254,
            Expect::General => 255,
        }
    }
}

/// `cli_error_format` in effect (`--cli-error-format`, the profile, or
/// `AWS_CLI_ERROR_FORMAT`): v2's default is `enhanced`
/// (`awscli/errorhandler.py`, `FilteredExceptionHandler._resolve_error_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    Enhanced,
    Legacy,
}

/// Which moto state a scenario runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The read-only listing: more associations than one page of moto's.
    Listing,
    /// Each tool gets an association of its own (`{A}`, `{I}`), equal but for
    /// the ids; the state of both is compared afterwards.
    Pair,
    /// Each tool gets an instance of its own with no association (`{I}`).
    Bare,
}

/// How stderr is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// Exactly, after v1's words are turned into v2's.
    Exact,
    /// Not compared, for the reason given (e.g. `--debug` logs, which are
    /// each tool's own).
    Ignored(&'static str),
}

/// One row of a scenario table. Arguments, environment values, config and
/// file contents may hold placeholders, replaced before the run:
/// `{ENDPOINT}` `{REGION}` `{KEY}` `{SECRET}` `{DIR}` (the scenario's files),
/// `{A0}` `{A1}` `{I0}` `{I1}` (listing associations and their instances),
/// `{AB}` `{IB}` (the listing's one association with `crate-profile-b`),
/// `{ARN}` `{ARN_B}` (the two instance profiles), and for `Pair` / `Bare`
/// scenarios `{A}` `{I}`, the tool's own association and instance.
///
/// `args` are `aws`'s arguments: the word `ec2` is dropped for `ec2-lite`,
/// and the v2-only global options for `aws` v1 (see [`v1_args`]).
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub args: &'static [&'static str],
    pub expect: Expect,
    pub state: State,
    /// Set (`Some`) or removed (`None`) after the defaults: the user's keys in
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION` and
    /// `AWS_ENDPOINT_URL` naming the server.
    pub env: &'static [(&'static str, Option<&'static str>)],
    /// The shared config file (`AWS_CONFIG_FILE`), if any.
    pub config: Option<&'static str>,
    /// The shared credentials file, if any.
    pub credentials: Option<&'static str>,
    /// Files written in `{DIR}` before the run: name, contents.
    pub files: &'static [(&'static str, &'static str)],
    pub stderr: Stderr,
    pub error_format: ErrorFormat,
}

impl Scenario {
    /// A scenario on the listing with the default environment.
    pub const fn new(name: &'static str, args: &'static [&'static str], expect: Expect) -> Scenario {
        Scenario {
            name,
            args,
            expect,
            state: State::Listing,
            env: &[],
            config: None,
            credentials: None,
            files: &[],
            stderr: Stderr::Exact,
            error_format: ErrorFormat::Enhanced,
        }
    }

    pub const fn state(self, state: State) -> Scenario {
        Scenario { state, ..self }
    }

    pub const fn env(self, env: &'static [(&'static str, Option<&'static str>)]) -> Scenario {
        Scenario { env, ..self }
    }

    pub const fn config(self, config: &'static str) -> Scenario {
        Scenario { config: Some(config), ..self }
    }

    pub const fn credentials(self, credentials: &'static str) -> Scenario {
        Scenario { credentials: Some(credentials), ..self }
    }

    pub const fn files(self, files: &'static [(&'static str, &'static str)]) -> Scenario {
        Scenario { files, ..self }
    }

    pub const fn stderr_ignored(self, why: &'static str) -> Scenario {
        Scenario { stderr: Stderr::Ignored(why), ..self }
    }

    pub const fn legacy_errors(self) -> Scenario {
        Scenario { error_format: ErrorFormat::Legacy, ..self }
    }
}

/// What the placeholders stand for in one run of one tool.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub map: BTreeMap<&'static str, String>,
}

impl Values {
    pub fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.map.insert(key, value.into());
    }

    /// `text` with every `{KEY}` replaced.
    pub fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (k, v) in &self.map {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }
}

/// The AWS CLI v2 global options v1 does not have (`awscli/data/cli.json` of
/// v2 against v1's): `aws` v1 runs without them. `--no-cli-pager` and
/// `--no-cli-auto-prompt` change nothing here (`AWS_PAGER` is empty and
/// nothing is prompted); `--cli-binary-format` changes only blob input, which
/// these commands do not take; `--cli-error-format` changes stderr, which
/// [`Scenario::error_format`] accounts for.
const V2_ONLY_FLAGS: &[&str] = &["--no-cli-pager", "--no-cli-auto-prompt"];
const V2_ONLY_WITH_VALUE: &[&str] = &["--cli-binary-format", "--cli-error-format"];

/// `aws` v1's arguments for a scenario's: the v2-only global options removed,
/// and `--output off` (v2 only: `awscli/formatter.py`, `OffFormatter`, prints
/// nothing) run as `--output json`, whose stdout [`expected`] then drops.
/// Returns the arguments and whether the output is `off`.
pub fn v1_args(args: &[String]) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut off = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if V2_ONLY_FLAGS.contains(&a.as_str()) {
            continue;
        }
        if V2_ONLY_WITH_VALUE.contains(&a.as_str()) {
            i += 1;
            continue;
        }
        if V2_ONLY_WITH_VALUE.iter().any(|o| a.starts_with(&format!("{o}="))) {
            continue;
        }
        if a == "--output" && args.get(i).is_some_and(|v| v == "off") {
            out.extend(["--output".to_owned(), "json".to_owned()]);
            off = true;
            i += 1;
            continue;
        }
        if a == "--output=off" {
            out.push("--output=json".to_owned());
            off = true;
            continue;
        }
        out.push(a.clone());
    }
    (out, off)
}

/// `ec2-lite`'s arguments: `aws`'s without the service name.
pub fn lite_args(args: &[String]) -> Vec<String> {
    let mut out = args.to_vec();
    if let Some(at) = out.iter().position(|a| a == "ec2") {
        out.remove(at);
    }
    out
}

/// The block every v1 usage error starts with (`awscli/argparser.py` of v1:
/// `USAGE`, with its note about v2, printed after `usage: `).
const V1_USAGE: &str = "usage: \rNote: AWS CLI version 2, the latest major version of the AWS CLI, is now stable and \
recommended for general use. For more information, see the AWS CLI version 2 installation instructions at: \
https://docs.aws.amazon.com/cli/latest/userguide/install-cliv2.html\n\n\
usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n\
To see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n";

/// v2's usage text (`awscli/argparser.py`: `USAGE`, `HELP_BLURB`) one
/// level shorter, as `ec2-lite` words it: `aws ec2 <operation>` is
/// `ec2-lite <command>`, and `wait <waiter>` keeps `<command> <subcommand>`.
pub const LITE_USAGE: &str = "usage: ec2-lite [options] <command> [<subcommand> ...] [parameters]\n\
To see help text, you can run:\n\n  ec2-lite help\n  ec2-lite <command> help\n  ec2-lite <command> <subcommand> help\n";

/// v2's error line: `awscli/errorformat.py`, `write_error` (a blank line,
/// then `aws: [ERROR]: ` and the stripped message), with the program's name.
fn v2_error(message: &str) -> String {
    format!("\nec2-lite: [ERROR]: {}\n", message.trim())
}

/// The message as the `enhanced` format words it for a handler whose error
/// code is `code` (`awscli/errorhandler.py`,
/// `FilteredExceptionHandler._get_formatted_message`), or as is in `legacy`.
fn coded(code: &str, message: &str, format: ErrorFormat) -> String {
    match format {
        ErrorFormat::Enhanced => format!("An error occurred ({code}): {message}"),
        ErrorFormat::Legacy => message.to_owned(),
    }
}

/// Where v2's words differ from v1's for the same failure; each case cites
/// the v2 file that words it.
fn v2_words(message: &str) -> String {
    // `awscli/customizations/paginate.py`: v2 raises the pagination argument
    // check as a `ParamValidationError` of its own; v1 wraps it in
    // `Error during pagination: `.
    if let Some(rest) = message.strip_prefix("Error during pagination: ") {
        return rest.to_owned();
    }
    // `awscli/customizations/cliinput.py`, `CliInputJSONArgument._load_parameters`:
    // `ParamError(self.name, "Invalid JSON received.")`, without the decoder's
    // message and the input that v1 prints.
    if message.starts_with("Error parsing parameter 'cli-input-json': Invalid JSON:") {
        return "Error parsing parameter 'cli-input-json': Invalid JSON received.".to_owned();
    }
    // `awscli/shorthand.py`, `ShorthandParseSyntaxError._construct_msg`:
    // v2 indents the quoted input by one space (`for input:\n %s`).
    if message.contains("for input:\n") && message.starts_with("Error parsing parameter") {
        return message.replacen("for input:\n", "for input:\n ", 1);
    }
    message.to_owned()
}

/// v2's `Found invalid choice` message (`awscli/argparser.py`,
/// `CLIArgParser._check_value`) from v1's `Invalid choice, valid choices
/// are:` one: the same argument, value and close matches (both use
/// `difflib.get_close_matches(value, choices, cutoff=0.8)`).
fn v2_invalid_choice(message: &str, args: &[String]) -> Result<String, String> {
    let (head, _) = message
        .split_once(": Invalid choice, valid choices are:")
        .ok_or_else(|| format!("not an invalid-choice message: {message:?}"))?;
    let argument = head.strip_prefix("argument ").ok_or_else(|| format!("no argument named in {message:?}"))?;
    let suggestions: Vec<&str> = match message.split_once(", maybe you meant:\n") {
        Some((_, rest)) => rest.lines().filter(|l| l.starts_with("  * ")).collect(),
        None => Vec::new(),
    };
    // v1 names the value only when it has suggestions; it is the argument's
    // value on the command line (or the word after `ec2` for `operation`).
    let value = if argument == "operation" {
        args.iter().skip_while(|a| *a != "ec2").nth(1).cloned()
    } else {
        let flag = argument.to_owned();
        args.iter().enumerate().find_map(|(i, a)| {
            if *a == flag { args.get(i + 1).cloned() } else { a.strip_prefix(&format!("{flag}=")).map(str::to_owned) }
        })
    };
    let value = value.ok_or_else(|| format!("cannot find the value of {argument} in {args:?}"))?;
    let mut parts = vec![format!("Found invalid choice '{value}'\n")];
    if !suggestions.is_empty() {
        parts.push("Maybe you meant:\n".to_owned());
        parts.extend(suggestions.iter().map(|s| (*s).to_owned()));
    }
    Ok(format!("argument {argument}: {}", parts.join("\n")))
}

/// What the AWS CLI v2 prints on stderr where v1 printed `v1`, for a failure
/// of kind `expect`, or why `v1` is not what that kind prints (the scenario
/// is then misclassified, and that is a failure too).
pub fn expected_stderr(v1: &str, expect: Expect, format: ErrorFormat, args: &[String]) -> Result<String, String> {
    // v1 writes most errors as "\n<message>\n"; credentials and region
    // errors without the blank line (`CLIDriver._show_error`).
    let plain = || -> Result<&str, String> {
        let m = v1.strip_prefix('\n').unwrap_or(v1);
        if m.trim().is_empty() {
            return Err("v1 printed no error".to_owned());
        }
        Ok(m.trim_end())
    };
    let usage = LITE_USAGE.trim_end();
    match expect {
        Expect::Ok => {
            if v1.is_empty() {
                Ok(String::new())
            } else {
                Err(format!("v1 succeeded but printed {v1:?}"))
            }
        }
        // `ClientErrorHandler`: `str(exception)` in every format but `json`
        // and the like; no additional fields for EC2's errors.
        Expect::Service => {
            let m = plain()?;
            if !m.starts_with("An error occurred (") {
                return Err(format!("not a service error: {v1:?}"));
            }
            Ok(v2_error(m))
        }
        // `GeneralExceptionHandler`: the message as is, in every format.
        Expect::General => Ok(v2_error(plain()?)),
        Expect::ParamValidation => Ok(v2_error(&coded("ParamValidation", &v2_words(plain()?), format))),
        // `NoCredentialsErrorHandler`: v2 points at `aws login` where v1
        // pointed at `aws configure`.
        Expect::NoCredentials => {
            let m = plain()?;
            let base = m
                .strip_suffix(". You can configure credentials by running \"aws configure\".")
                .ok_or_else(|| format!("not a credentials error: {v1:?}"))?;
            let m = format!("{base}. You can configure credentials by running \"aws login\".");
            Ok(v2_error(&coded("NoCredentials", &m, format)))
        }
        // `NoRegionErrorHandler`: the same words.
        Expect::NoRegion => {
            let m = plain()?;
            if !m.starts_with("You must specify a region.") {
                return Err(format!("not a region error: {v1:?}"));
            }
            Ok(v2_error(&coded("NoRegion", m, format)))
        }
        // `CLIArgParser.error` raises `ArgParseException(f'{message}\n\n{usage}')`,
        // which `ParamValidationErrorsHandler` writes.
        Expect::ArgParse => {
            let rest = v1.strip_prefix(V1_USAGE).ok_or_else(|| format!("no v1 usage block: {v1:?}"))?;
            let m = rest.strip_prefix("aws: error: ").ok_or_else(|| format!("no argparse error: {v1:?}"))?;
            let m = m.trim_end();
            let m = if m.contains(": Invalid choice, valid choices are:") {
                v2_invalid_choice(m, args)?
            } else {
                v2_words(m)
            };
            Ok(v2_error(&coded("ParamValidation", &format!("{m}\n\n{usage}"), format)))
        }
        // `UnknownArgumentErrorHandler`: a blank line, the usage, then the
        // error line; the same in every error format.
        Expect::Unknown => {
            let rest = v1.strip_prefix(V1_USAGE).ok_or_else(|| format!("no v1 usage block: {v1:?}"))?;
            let m = rest.strip_prefix('\n').unwrap_or(rest).trim_end();
            if !m.starts_with("Unknown options: ") {
                return Err(format!("not an unknown-options error: {v1:?}"));
            }
            Ok(format!("\n{LITE_USAGE}\n{}", v2_error(m)))
        }
    }
}

/// What both tools printed, and what v2 would have printed given v1's output.
#[derive(Debug)]
pub struct Outcome {
    pub v1: Output,
    pub lite: Output,
    pub expected_stdout: String,
    pub expected_stderr: Result<String, String>,
    pub expected_code: i32,
}

/// Runs `program ARGS` with exactly `env` (plus `PATH`) and no stdin; killed,
/// and the test failed, after [`RUN_TIMEOUT`].
pub fn run(program: &Path, args: &[String], env: &BTreeMap<String, String>) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.envs(env);
    let what = format!("{} {args:?}", program.display());
    super::process::run(cmd, &what, RUN_TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}

/// The venv's `aws`.
pub fn aws_exe() -> PathBuf {
    python::venv_bin("aws").unwrap_or_else(|| panic!("no aws in the venv at {}", python::venv_dir().display()))
}

/// The `ec2-lite` binary under test.
pub fn lite_exe() -> PathBuf {
    PathBuf::from(EXE)
}

/// A fresh directory for one scenario, removed on drop.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(prefix: &str) -> ScratchDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{prefix}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(path.join("home")).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        ScratchDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.0.join(name);
        fs::write(&p, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        p
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// v1's copy of the config file: every profile also says
/// `cli_timestamp_format = iso8601`, v2's default
/// (`awscli/customizations/timestampformat.py`, `add_timestamp_parser`),
/// where v1's is `wire`; a profile that sets it keeps its own.
pub fn v1_config(config: Option<&str>) -> String {
    let Some(config) = config else { return "[default]\ncli_timestamp_format = iso8601\n".to_owned() };
    if config.contains("cli_timestamp_format") {
        return config.to_owned();
    }
    let mut out = String::new();
    for line in config.lines() {
        out.push_str(line);
        out.push('\n');
        if line.trim_start().starts_with('[') {
            out.push_str("cli_timestamp_format = iso8601\n");
        }
    }
    out
}

/// The environment of a scenario's run, the same for both tools but for the
/// config file (see [`v1_config`]).
pub fn environment(s: &Scenario, values: &Values, dir: &ScratchDir, v1: bool) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        env.insert(k.to_owned(), v);
    };
    put("HOME", dir.path().join("home").display().to_string());
    put("LANG", "C.UTF-8".to_owned());
    put("AWS_PAGER", String::new());
    put("AWS_EC2_METADATA_DISABLED", "true".to_owned());
    put("AWS_ACCESS_KEY_ID", values.fill("{KEY}"));
    put("AWS_SECRET_ACCESS_KEY", values.fill("{SECRET}"));
    put("AWS_DEFAULT_REGION", values.fill("{REGION}"));
    put("AWS_ENDPOINT_URL", values.fill("{ENDPOINT}"));
    let config = s.config.map(|c| values.fill(c));
    let config = if v1 { Some(v1_config(config.as_deref())) } else { config };
    let config_path = match config {
        Some(c) => dir.write(if v1 { "config-v1" } else { "config" }, &c),
        None => dir.path().join("no-such-config"),
    };
    put("AWS_CONFIG_FILE", config_path.display().to_string());
    let credentials_path = match s.credentials {
        Some(c) => dir.write("credentials", &values.fill(c)),
        None => dir.path().join("no-such-credentials"),
    };
    put("AWS_SHARED_CREDENTIALS_FILE", credentials_path.display().to_string());
    for (k, v) in s.env {
        match v {
            Some(v) => {
                env.insert((*k).to_owned(), values.fill(v));
            }
            None => {
                env.remove(*k);
            }
        }
    }
    env
}

/// The ids of twin resources, ec2-lite's to the AWS CLI's.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    pairs: Vec<(String, String)>,
}

impl IdMap {
    pub fn twins(lite: &Seeded, aws: &Seeded) -> IdMap {
        IdMap {
            pairs: vec![
                (lite.association_id.clone(), aws.association_id.clone()),
                (lite.instance_id.clone(), aws.instance_id.clone()),
            ],
        }
    }

    pub fn push(&mut self, lite: &str, aws: &str) {
        self.pairs.push((lite.to_owned(), aws.to_owned()));
    }

    /// `lite_text` with ec2-lite's twin ids replaced by the AWS CLI's, and
    /// the association ids neither twin had (made by Associate or Replace)
    /// replaced in order of first appearance by those in `aws_text`.
    pub fn align(&self, lite_text: &str, aws_text: &str) -> String {
        let mut out = lite_text.to_owned();
        for (l, a) in &self.pairs {
            out = out.replace(l.as_str(), a.as_str());
        }
        let known: Vec<&str> = self.pairs.iter().flat_map(|(l, a)| [l.as_str(), a.as_str()]).collect();
        let new_lite: Vec<String> =
            association_ids(&out).into_iter().filter(|id| !known.contains(&id.as_str())).collect();
        let new_aws: Vec<String> =
            association_ids(aws_text).into_iter().filter(|id| !known.contains(&id.as_str())).collect();
        for (l, a) in new_lite.iter().zip(&new_aws) {
            out = out.replace(l.as_str(), a.as_str());
        }
        out
    }
}

/// The distinct `iip-assoc-...` ids in `text`, in order of first appearance.
fn association_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("iip-assoc-") {
        let tail = &rest[at..];
        let len =
            "iip-assoc-".len() + tail["iip-assoc-".len()..].chars().take_while(char::is_ascii_alphanumeric).count();
        let id = tail[..len].to_owned();
        if !ids.contains(&id) {
            ids.push(id);
        }
        rest = &tail[len..];
    }
    ids
}

fn quote(s: &str) -> String {
    if s.len() <= QUOTE {
        return s.to_owned();
    }
    let mut end = QUOTE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes in all)", &s[..end], s.len())
}

/// Where two texts first differ.
pub fn first_difference(ours: &str, theirs: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.split('\n').collect(), theirs.split('\n').collect());
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            return format!("first at line {}: ec2-lite {:?}, expected {:?}", i + 1, a.get(i), b.get(i));
        }
    }
    "identical".to_owned()
}

/// Compares one outcome; `None` when it matches, else a report quoting both
/// outputs. `lite_stdout` / `lite_stderr` are ec2-lite's, ids aligned.
pub fn compare(
    name: &str,
    args: &[String],
    o: &Outcome,
    lite_stdout: &str,
    lite_stderr: &str,
    stderr_rule: Stderr,
    v1_code: i32,
) -> Option<String> {
    let mut problems = String::new();
    let v1_stdout = String::from_utf8_lossy(&o.v1.stdout);
    let v1_stderr = String::from_utf8_lossy(&o.v1.stderr);
    let lite_code = o.lite.status.code();
    // The oracle first: the scenario says what v1 does.
    if o.v1.status.code() != Some(v1_code) {
        let _ = writeln!(
            problems,
            "  aws v1 exited {:?}, the scenario expects {v1_code}: misclassified\n  aws stderr: {}",
            o.v1.status.code(),
            quote(&v1_stderr)
        );
    }
    if lite_code != Some(o.expected_code) {
        let _ = writeln!(
            problems,
            "  exit: ec2-lite {lite_code:?}, expected {} (aws v1 exited {:?})",
            o.expected_code,
            o.v1.status.code()
        );
    }
    if lite_stdout != o.expected_stdout {
        let json_note = match (
            serde_json::from_str::<serde_json::Value>(lite_stdout),
            serde_json::from_str::<serde_json::Value>(&o.expected_stdout),
        ) {
            (Ok(a), Ok(b)) if a == b => " (the same JSON, other bytes)",
            (Ok(_), Ok(_)) => " (different JSON)",
            _ => "",
        };
        let _ = writeln!(
            problems,
            "  stdout differs{json_note}, {}\n  --- ec2-lite stdout:\n{}\n  --- expected stdout (aws v1{}):\n{}",
            first_difference(lite_stdout, &o.expected_stdout),
            quote(lite_stdout),
            if o.expected_stdout.as_str() == v1_stdout { "" } else { ", normalized" },
            quote(&o.expected_stdout)
        );
    }
    match (&o.expected_stderr, stderr_rule) {
        (_, Stderr::Ignored(_)) => {}
        (Err(why), Stderr::Exact) => {
            let _ = writeln!(problems, "  aws v1's stderr is not what the scenario expects: {why}");
        }
        (Ok(expected), Stderr::Exact) => {
            if lite_stderr != expected {
                let _ = writeln!(
                    problems,
                    "  stderr differs, {}\n  --- ec2-lite stderr:\n{}\n  --- expected stderr (v2's words from aws v1's):\n{}\n  --- aws v1 stderr:\n{}",
                    first_difference(lite_stderr, expected),
                    quote(lite_stderr),
                    quote(expected),
                    quote(&v1_stderr)
                );
            }
        }
    }
    if problems.is_empty() { None } else { Some(format!("scenario {name}: aws {}\n{problems}", shell_words(args))) }
}

/// `args` as one would type them.
pub fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fails with every mismatch when there is one, after saying how many of the
/// group matched.
#[track_caller]
pub fn report(group: &str, total: usize, failures: &[String]) {
    let line = format!("{group}: {} of {total} scenarios match the AWS CLI", total - failures.len());
    // Straight to the handle: libtest captures `eprintln!` of passing tests.
    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{line}\n").as_bytes());
    assert!(failures.is_empty(), "{line}; the others:\n\n{}", failures.join("\n"));
}
