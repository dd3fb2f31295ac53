//! The published package holds what `Cargo.toml`'s `include` list says and
//! nothing else: `cargo package --list` must match `tests/package-files.txt`
//! (update that file when a source file is added or removed), and never hold a
//! private key, CI, scripts, benches or tests.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo package --list`, without the VCS stamp that exists only in a git checkout.
fn package_list() -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline", "--quiet", "-p", "ec2-lite"])
        .current_dir(root())
        .output()
        .expect("running cargo package --list");
    assert!(out.status.success(), "cargo package --list failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let mut files: Vec<String> = String::from_utf8(out.stdout)
        .expect("utf-8 file list")
        .lines()
        .filter(|l| !l.is_empty() && *l != ".cargo_vcs_info.json")
        .map(str::to_owned)
        .collect();
    files.sort();
    files
}

#[test]
fn package_holds_exactly_the_expected_files() {
    let files = package_list();
    let expected_text =
        std::fs::read_to_string(root().join("tests/package-files.txt")).expect("tests/package-files.txt");
    let mut expected: Vec<String> =
        expected_text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    expected.sort();
    let extra: Vec<&String> = files.iter().filter(|f| !expected.contains(f)).collect();
    let missing: Vec<&String> = expected.iter().filter(|f| !files.contains(f)).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "cargo package --list differs from tests/package-files.txt\n  in the package only: {extra:?}\n  in the list only: {missing:?}"
    );
}

#[test]
fn package_has_no_key_ci_scripts_benches_or_tests() {
    let files = package_list();
    let forbidden = |f: &str| {
        f.ends_with(".key")
            || f.ends_with(".pem")
            || [".ci/", "scripts/", "benches/", "tests/", "fuzz/", ".venv/"].iter().any(|p| f.starts_with(p))
    };
    let bad: Vec<&String> = files.iter().filter(|f| forbidden(f)).collect();
    assert!(bad.is_empty(), "the package must not hold: {bad:?}");
    for needed in ["README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE", "src/lib.rs", "Cargo.toml"] {
        assert!(files.iter().any(|f| f == needed), "the package lacks {needed}");
    }
}
