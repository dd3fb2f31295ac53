//! Running the `ec2-lite` binary the way a user would, with nothing from this
//! machine's environment leaking in, and reading what it printed.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The binary cargo built for this test run.
pub const EXE: &str = env!("CARGO_BIN_EXE_ec2-lite");

/// A home directory with no `.aws` in it.
fn empty_home() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-empty-home");
    std::fs::create_dir_all(&dir).expect("create an empty home");
    dir
}

/// Runs `ec2-lite ARGS` with only `env` set, plus `PATH`, an empty home, no
/// config or credentials file and IMDS off. Killed, failing the test, if it
/// has not finished within two minutes.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    finish(command(args, env), args)
}

/// `ec2-lite ARGS` as [`run`] starts it, for a test to add to.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(EXE);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    isolated(&mut cmd, env);
    cmd
}

/// Clears `cmd`'s environment to `PATH`, an empty home, no config or credentials file and
/// IMDS off, then sets `env`.
fn isolated(cmd: &mut Command, env: &[(&str, &str)]) {
    let home = empty_home();
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("no-such-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-such-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
}

/// `ec2-lite ARGS` (`args` as one shell line, its stdout sent to `/dev/null`) on a terminal
/// that `script(1)` gives it, with only `env` set as [`run`] sets it: the command's stdout is
/// what the terminal showed, which is what the program wrote to its stderr.
pub fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> Command {
    let line = format!("{EXE} {args} >/dev/null");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]).stdin(Stdio::null()).stdout(Stdio::piped());
    isolated(&mut cmd, env);
    cmd
}

/// Runs `cmd` (`ec2-lite ARGS`) to its end, or kills it after two minutes and fails the test.
pub fn finish(cmd: Command, args: &[&str]) -> Output {
    super::process::run(cmd, &format!("ec2-lite {args:?}"), Duration::from_secs(120)).unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `text` to `NAME` in the test scratch folder `folder` and returns its path: an input
/// file for `file://` and `--cli-input-*`.
pub fn scratch(folder: &str, name: &str, text: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(folder);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a scratch file");
    path.display().to_string()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Checks the exit code, quoting both streams when it is not the expected one.
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}, got {:?}\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// stderr without v2's `ec2-lite: [ERROR]: ` prefix (`awscli/errorformat.py`),
/// to compare with the AWS CLI v1 of the test venv, which has none.
#[allow(dead_code)]
pub fn without_v2_prefix(text: &str) -> String {
    text.replace("ec2-lite: [ERROR]: ", "")
}

/// The commands, as the AWS CLI names them.
pub const DESCRIBE: &str = "describe-iam-instance-profile-associations";
pub const ASSOCIATE: &str = "associate-iam-instance-profile";
pub const DISASSOCIATE: &str = "disassociate-iam-instance-profile";
pub const REPLACE: &str = "replace-iam-instance-profile-association";

/// v2's exit codes (`awscli/constants.py`): a command line refused, the configuration
/// missing or wrong, an error from the service, anything else.
pub const USAGE: i32 = 252;
pub const CONFIG: i32 = 253;
pub const SERVICE_ERROR: i32 = 254;
pub const OTHER: i32 = 255;

/// An association id EC2 never hands out.
pub const UNKNOWN_ASSOC: &str = "iip-assoc-00000000000000000";
