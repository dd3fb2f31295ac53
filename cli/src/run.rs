//! One run of the program: both argparse passes, then the configuration, the
//! client, the command and its output.

use std::io::Write;

use ec2_lite::ProfileSettings;

use crate::args::{self, GLOBAL_OPTIONS, Known, Opt, Parsed, Positional};
use crate::commands::{self, COMMANDS, Command, Printable};
use crate::error::{CliError, eprint, exit, render_error, write_error};
use crate::settings::{self, Settings};
use crate::{PROG, client, complete, help, input, output};

/// What `main` needs to print an error as configured, learnt while parsing.
#[derive(Default)]
struct State {
    error_format: Option<String>,
    profile_name: Option<String>,
    profile: Option<ProfileSettings>,
    /// `--debug` (or the profile's setting), once resolved.
    debug: bool,
    /// The exit code of a command whose output was printed: 0, or what the command set
    /// (`ensure`: an instance failed, or a signal stopped it).
    exit_code: u8,
}

impl State {
    fn error_format(&mut self) -> String {
        if self.profile.is_none() {
            self.profile = ProfileSettings::load(self.profile_name.as_deref()).ok();
        }
        settings::error_format(self.error_format.as_deref(), self.profile.as_ref())
    }
}

/// Runs the command line `args` (without the program name): prints the
/// command's output or its error, and returns the exit code.
pub(crate) fn run(args: &[String]) -> u8 {
    let mut state = State::default();
    match command_line(args, &mut state) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
                Ok(()) => state.exit_code,
                // The reader stopped reading (`| head`): its choice, not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
                // A full disk must not look like a success whose output was saved.
                Err(e) => {
                    eprint(&write_error(&format!("could not write the output: {e}")));
                    exit::OTHER
                }
            }
        }
        Err(e) => {
            let format = state.error_format();
            eprint(&render_error(&e, &format, state.debug));
            e.code
        }
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

/// Both argparse passes, then everything else. Nothing is sent, and no
/// configuration read, before the whole command line was understood.
fn command_line(args: &[String], state: &mut State) -> Result<String, CliError> {
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
    let op_args = if !command.subcommands.is_empty() {
        match waiter_pass(command, &rest, wants_help)? {
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
    let opts = command.argument_table();
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
    state.debug = settings.debug;
    let client = client::build(&parsed, &profile, &settings, command.operation);
    state.profile = Some(profile);
    let client = client?;
    if skeleton.is_some() {
        // v2 makes the call against a stubbed client (`StubbedCLIOperationCaller`):
        // the configuration is resolved, a region needed, nothing sent.
        return render(
            Printable::Single(input::output_skeleton(command, &settings.output)),
            command.operation,
            &settings,
        );
    }
    command.check_required(&parsed)?;
    let exit_code = std::cell::Cell::new(0);
    let ctx = commands::Ctx { client: &client, parsed: &parsed, settings: &settings, exit_code: &exit_code };
    let value = (command.run)(&ctx);
    state.exit_code = exit_code.get();
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
fn waiter_pass(command: &Command, rest: &[String], wants_help: bool) -> Result<Waiter, CliError> {
    let waiters = command.subcommands;
    let wait_help = || Ok(Waiter::Help(help::wait(command)));
    if let [only] = rest
        && only == "help"
    {
        return wait_help();
    }
    let known =
        args::parse_known(rest, &[], Positional { name: "subcommand", choices: Some(waiters), optional: true }, false)
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

/// Prints as the AWS CLI v2 does, in the resolved format, through `--query`,
/// with timestamps as `cli_timestamp_format` says (`output/`).
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
    use crate::{paging, shorthand};

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

    proptest! {
        #[test]
        fn argument_passes_never_panic(args in proptest::collection::vec(word(), 0..12)) {
            let globals: Vec<&Opt> = GLOBAL_OPTIONS.iter().collect();
            let names = command_names();
            let _ = args::parse_known(&args, &globals, Positional { name: "operation", choices: Some(&names), optional: true }, false);
            for c in COMMANDS {
                let _ = args::parse_known(&args, &c.argument_table(), Positional { name: "help", choices: None, optional: true }, true);
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
