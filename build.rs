//! Links the `ec2-lite` program at a fixed address on Linux with glibc (`-no-pie`).
//!
//! A position-independent program is relocated by the dynamic loader at every start: for a
//! program that makes one call and exits, that is a tenth of its work (76 K of 865 K
//! instructions, `scripts/bench`). The library is not affected: this applies to this
//! package's own programs only. `EC2_LITE_PIE=1` at build time keeps the toolchain's default
//! (a position-independent program, its address randomized at every start).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=EC2_LITE_PIE");
    let cfg = |name: &str| std::env::var(name).unwrap_or_default();
    let linux_gnu = cfg("CARGO_CFG_TARGET_OS") == "linux" && cfg("CARGO_CFG_TARGET_ENV") == "gnu";
    if linux_gnu && std::env::var_os("EC2_LITE_PIE").is_none_or(|v| v.is_empty()) {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
