//! The README's first program as a user builds it: a new crate (`cargo new`)
//! that depends on this one by path (`cargo add ec2-lite --path`), the
//! README's code as its `src/main.rs`, built with warnings denied, then run
//! against moto with an association id from the emulator, with none (it picks
//! the associated one), and with an id that does not exist (one `Display` line).
//!
//! The new crate's target directory is kept under `CARGO_TARGET_TMPDIR`, so
//! only the first run builds its dependencies.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::support::moto::Moto;
use crate::support::process::run;
use crate::support::python;

/// A first build compiles ureq, rustls and ring.
const BUILD_TIMEOUT: Duration = Duration::from_secs(900);
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The first fenced block of the README whose info string starts with `rust`.
fn first_program() -> String {
    let readme = fs::read_to_string(python::repo_root().join("README.md")).expect("read README.md");
    let mut lines = readme.lines();
    lines.by_ref().find(|l| l.starts_with("```rust")).expect("the README has a rust block");
    lines.take_while(|l| !l.starts_with("```")).collect::<Vec<_>>().join("\n") + "\n"
}

/// A directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn check(what: &str, cmd: Command, timeout: Duration) -> Output {
    let out = run(cmd, what, timeout).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `cargo ARGS` in `dir`, offline, with the shared target directory.
fn cargo_in(dir: &Path, target: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cargo());
    cmd.args(args).arg("--offline").current_dir(dir).env("CARGO_TARGET_DIR", target).env("RUSTFLAGS", "-Dwarnings");
    // What this test run's cargo set for its own build is not the new crate's.
    for name in ["CARGO_BUILD_TARGET_DIR", "CARGO_ENCODED_RUSTFLAGS", "RUSTDOCFLAGS"] {
        cmd.env_remove(name);
    }
    cmd
}

/// Builds the README's first program; returns its binary.
fn build(scratch: &Path) -> PathBuf {
    let repo = python::repo_root();
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("first-program-target");
    let krate = scratch.join("first-program");
    check("cargo new", cargo_in(scratch, &target, &["new", "--bin", "--vcs", "none", "first-program"]), RUN_TIMEOUT);
    // Its own workspace, whatever directory the scratch space is under; and
    // this repository's lock file, so that the versions are the tested ones.
    let manifest = krate.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).expect("read the new Cargo.toml");
    fs::write(&manifest, text + "\n[workspace]\n").expect("write the new Cargo.toml");
    fs::copy(repo.join("Cargo.lock"), krate.join("Cargo.lock")).expect("copy Cargo.lock");
    let repo_arg = repo.to_str().expect("a UTF-8 repository path");
    check(
        "cargo add ec2-lite --path",
        cargo_in(&krate, &target, &["add", "ec2-lite", "--path", repo_arg]),
        RUN_TIMEOUT,
    );
    fs::write(krate.join("src/main.rs"), first_program()).expect("write src/main.rs");
    check("cargo build (RUSTFLAGS=-Dwarnings)", cargo_in(&krate, &target, &["build", "--quiet"]), BUILD_TIMEOUT);
    target.join("debug/first-program")
}

/// Runs the program with only the emulator's environment.
fn run_program(bin: &Path, moto: &Moto, home: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(moto.env_for_cli());
    run(cmd, "the first program", RUN_TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
#[ignore = "needs scripts/venv"]
fn the_readmes_first_program_builds_in_a_new_crate_and_runs_against_moto() {
    let scratch = Scratch(std::env::temp_dir().join(format!("ec2-lite-first-program-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    fs::create_dir_all(&scratch.0).expect("create the scratch directory");
    let bin = build(&scratch.0);
    let home = scratch.0.join("home");
    fs::create_dir_all(&home).expect("create an empty home");

    // A server of its own: without an id the program takes whatever is associated.
    let moto = Moto::start();
    let by_id = moto.seed_association();
    let out = run_program(&bin, &moto, &home, &[&by_id.association_id]);
    assert!(out.status.success(), "with an id: {}\n{}", out.status, text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{} {} disassociating\n", by_id.association_id, by_id.instance_id));

    let listed = moto.seed_association();
    let out = run_program(&bin, &moto, &home, &[]);
    assert!(out.status.success(), "without an id: {}\n{}", out.status, text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{} {} disassociating\n", listed.association_id, listed.instance_id));

    let out = run_program(&bin, &moto, &home, &[]);
    assert_eq!(out.status.code(), Some(1), "nothing left to disassociate: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "no instance profile is associated; give an association id\n");

    let out = run_program(&bin, &moto, &home, &["iip-assoc-00000000000000000"]);
    assert_eq!(out.status.code(), Some(1), "an unknown id: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("InvalidAssociationID.NotFound"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line, not a Debug dump: {stderr}");
    assert!(!stderr.contains("ServiceError {") && !stderr.starts_with("Error: "), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}
