//! Finds the test venv that `scripts/venv` creates (moto, botocore, awscli).
//!
//! `EC2_LITE_VENV` names another venv. The tests that need one are ignored by
//! plain `cargo test` (`#[ignore = "needs scripts/venv"]`); `scripts/test`
//! runs them, and a missing venv then fails them.

use std::path::PathBuf;

/// The repository root: the package's own directory for the library's tests, its
/// parent for the CLI's (`cli/`), found as the nearest directory holding `Cargo.lock`.
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().find(|d| d.join("Cargo.lock").is_file()).map_or(manifest.clone(), PathBuf::from)
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

/// The venv's python. Panics (fails the test) when the venv is missing: a
/// test that needs it is `#[ignore = "needs scripts/venv"]`, and runs only
/// when asked for (`scripts/test`, or `cargo test -- --include-ignored`).
pub fn python() -> PathBuf {
    venv_bin("python").unwrap_or_else(|| {
        panic!("the test venv is missing at {} (run scripts/venv, or scripts/test)", venv_dir().display())
    })
}
