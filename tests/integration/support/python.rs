//! Finds the test venv that `scripts/venv` creates (moto, botocore, awscli).
//!
//! `EC2_LITE_VENV` names another venv. When `EC2_LITE_REQUIRE_VENV=1` (set by
//! `scripts/test`), a missing venv fails the test; otherwise the test prints
//! that it is skipped, by name, and passes, so plain `cargo test` works on a
//! machine without Python.

use std::io::Write;
use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv directory.
pub fn venv_dir() -> PathBuf {
    match std::env::var_os("EC2_LITE_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => repo_root().join(".venv"),
    }
}

/// A program of the venv (`python`, `moto_server`, `aws`), if the venv exists.
pub fn venv_bin(name: &str) -> Option<PathBuf> {
    let p = venv_dir().join("bin").join(name);
    p.exists().then_some(p)
}

/// Whether a missing venv must fail the tests (`scripts/test` sets this).
pub fn venv_required() -> bool {
    std::env::var("EC2_LITE_REQUIRE_VENV").is_ok_and(|v| v == "1")
}

/// The venv's python, or `None` after printing that `test` is skipped.
/// Panics (fails the test) when the venv is required but missing.
pub fn python_or_skip(test: &str) -> Option<PathBuf> {
    match venv_bin("python") {
        Some(p) => Some(p),
        None if venv_required() => {
            panic!("{test}: the test venv is missing at {} (run scripts/venv)", venv_dir().display())
        }
        None => {
            // Straight to the stderr handle: libtest captures what `eprintln!`
            // prints in a passing test, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: {test} (no test venv at {}; run scripts/venv or scripts/test)",
                venv_dir().display()
            );
            None
        }
    }
}
