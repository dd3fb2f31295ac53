//! The README's promises about code: its first program is
//! `examples/quickstart.rs` word for word (CI builds every example, and the
//! README's blocks also run as doc tests; `first_program.rs` builds it in a
//! new crate and runs it against moto), and every example is listed.

use std::fs;
use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}

/// The text of the first fenced block whose info string starts with `rust`.
fn first_rust_block(markdown: &str) -> Option<String> {
    let mut lines = markdown.lines();
    lines.by_ref().find(|l| l.starts_with("```rust"))?;
    let block: Vec<&str> = lines.take_while(|l| !l.starts_with("```")).collect();
    Some(block.join("\n") + "\n")
}

#[test]
fn the_first_program_is_the_quickstart_example() {
    let readme = read("README.md");
    let block = first_rust_block(&readme).expect("the README has a rust block");
    let example = read("examples/quickstart.rs");
    // The example opens with its own doc line and a blank line, then the block.
    let body = example.splitn(3, '\n').nth(2).expect("examples/quickstart.rs has a header");
    assert_eq!(block, body, "README's first program and examples/quickstart.rs differ");
    assert!(block.contains("fn main() -> ExitCode"), "a complete program, with its own main");
    // An error reaches the user as one line (`Display`), not as `main`'s `Debug` dump.
    assert!(block.contains(r#"eprintln!("{e}")"#), "the first program prints errors with Display");
    assert!(!block.contains("iip-assoc-"), "the first program takes the association id from the command line");
    // Hidden doc-test lines (`# ...`) show on forges and crates.io.
    assert!(!block.lines().any(|l| l.trim_start().starts_with("# ")), "no hidden lines in the first program");
}

#[test]
fn every_example_is_listed_in_the_readme() {
    let readme = read("README.md");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("examples/ exists")
        .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "examples: {names:?}");
    let missing: Vec<&String> = names.iter().filter(|n| !readme.contains(&format!("(examples/{n})"))).collect();
    assert!(missing.is_empty(), "examples not linked from the README: {missing:?}");
}

#[test]
fn block_extraction_takes_the_first_rust_block_only() {
    let md = "text\n```sh\nls\n```\n```rust,no_run\nfn main() {}\n```\n```rust\nsecond\n```\n";
    assert_eq!(first_rust_block(md).as_deref(), Some("fn main() {}\n"));
    assert_eq!(first_rust_block("no code"), None);
}
