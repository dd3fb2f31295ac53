//! How the `ec2-lite` program is linked on Linux with glibc, for a cheaper start.
//!
//! - At a fixed address (`-no-pie`). A position-independent program is relocated by the
//!   dynamic loader at every start: for a program that makes one call and exits, that is a
//!   tenth of its work (76 K of 865 K instructions, `scripts/bench`).
//! - With the unwinder linked in (gcc's `libgcc_eh.a`) rather than loaded (`libgcc_s.so.1`):
//!   one shared object fewer to map, relocate and bind at every start (38 K instructions).
//!   Done only when the compiler has the archive and the build is not a cross build.
//!
//! The library is not affected: this applies to this package's own programs only.
//! `EC2_LITE_PIE=1` at build time keeps the toolchain's defaults for both.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=EC2_LITE_PIE");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let linux_gnu = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let crt_static = var("CARGO_CFG_TARGET_FEATURE").split(',').any(|f| f == "crt-static");
    if !linux_gnu || crt_static || !var("EC2_LITE_PIE").is_empty() {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-no-pie");
    if var("HOST") == var("TARGET")
        && let Some(archive) = gcc_eh()
    {
        // Whole, so that its definitions win over libgcc_s's wherever the linker meets them;
        // `--as-needed` (rustc's default) then drops libgcc_s.so.1, nothing being bound to it.
        println!("cargo:rustc-link-arg-bins=-Wl,--whole-archive,{archive},--no-whole-archive");
    }
}

/// The path of gcc's static unwinder, as the linker driver (`cc`, or cargo's configured
/// linker) finds it; `None` when it has none (clang alone, for instance).
fn gcc_eh() -> Option<String> {
    let driver = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_owned());
    let out = Command::new(driver).arg("-print-file-name=libgcc_eh.a").output().ok()?;
    let path = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    // A driver that does not find the file prints its bare name back.
    let usable = out.status.success() && path.ends_with("/libgcc_eh.a") && !path.contains(',');
    (usable && std::path::Path::new(&path).is_file()).then_some(path)
}
