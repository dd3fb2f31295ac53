//! `scripts/demo --keep` as a new user meets it: the lines it prints for a
//! second call, pasted into a shell that has nothing else set, reach the
//! emulator it left running; `scripts/demo --stop` then stops it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::cli::EXE;
use crate::support::process::run;
use crate::support::python;

/// The venv's first install alone can take minutes.
const DEMO_TIMEOUT: Duration = Duration::from_secs(600);
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The demo's state directory; dropping it stops a kept emulator and removes the directory.
struct DemoDir(PathBuf);

impl DemoDir {
    fn new() -> DemoDir {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("demo-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        DemoDir(path)
    }

    fn demo(&self, arg: &str) -> Command {
        let mut cmd = Command::new(python::repo_root().join("scripts/demo"));
        cmd.arg(arg)
            .env("EC2_LITE_DEMO_DIR", &self.0)
            .env("EC2_LITE_VENV", python::venv_dir())
            // The binary of this test run, not a release build of its own.
            .env("EC2_LITE_BIN", EXE);
        cmd
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = run(self.demo("--stop"), "scripts/demo --stop", CALL_TIMEOUT);
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The lines after "paste these lines into a shell:", up to the next blank line.
fn paste_block(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines().skip_while(|l| !l.contains("paste these lines into a shell:")).skip(1);
    let lines: Vec<&str> = lines.by_ref().skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty()).collect();
    (!lines.is_empty()).then(|| lines.join("\n") + "\n")
}

#[test]
#[ignore = "needs scripts/venv"]
fn the_lines_demo_keep_prints_make_a_second_call() {
    python::python();
    let dir = DemoDir::new();
    let out = run(dir.demo("--keep"), "scripts/demo --keep", DEMO_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scripts/demo --keep failed ({}):\n{stderr}", out.status);
    let first: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("the demo's stdout is not the CLI's JSON: {e}\n{}", String::from_utf8_lossy(&out.stdout))
    });
    assert_eq!(first["IamInstanceProfileAssociation"]["State"], "disassociating", "{first}");
    for what in
        ["endpoint           http://127.0.0.1:", "region             us-east-1", "access key id", "secret access key"]
    {
        assert!(stderr.contains(what), "the demo's summary lacks {what:?}:\n{stderr}");
    }
    assert!(stderr.contains("scripts/demo --stop"), "the demo does not say how to stop the emulator:\n{stderr}");

    let block = paste_block(&stderr).unwrap_or_else(|| panic!("no lines to paste in:\n{stderr}"));
    assert_eq!(block.lines().filter(|l| l.starts_with("export ")).count(), 5, "{block}");
    // A fresh shell: nothing from this process's environment.
    let mut shell = Command::new("bash");
    shell.arg("-c").arg(&block).env_clear();
    let second = run(shell, "the pasted lines", CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        second.status.success(),
        "the pasted lines failed ({}):\n{block}\nstdout:\n{}\nstderr:\n{}",
        second.status,
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&second.stdout).expect("the second call printed JSON");
    assert_eq!(answer["IamInstanceProfileAssociation"]["State"], "associating", "{answer}");

    let stop = run(dir.demo("--stop"), "scripts/demo --stop", CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    let stop_err = String::from_utf8_lossy(&stop.stderr);
    assert!(stop.status.success() && stop_err.contains("stopped the emulator"), "{stop_err}");
    assert!(!dir.0.exists(), "scripts/demo --stop left {} behind", dir.0.display());
    // The emulator is gone: the same lines now fail to connect.
    let mut again = Command::new("bash");
    again.arg("-c").arg(&block).env_clear();
    let after = run(again, "the pasted lines, after --stop", CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    assert!(!after.status.success(), "a call still succeeded after scripts/demo --stop");
}

#[test]
fn the_paste_block_is_the_lines_between_the_header_and_a_blank_line() {
    let stderr = "x\nTo make a second call, paste these lines into a shell:\n\nexport A=1\nec2-lite x\n\nTo stop\n";
    assert_eq!(paste_block(stderr).as_deref(), Some("export A=1\nec2-lite x\n"));
    assert_eq!(paste_block("nothing"), None);
}
