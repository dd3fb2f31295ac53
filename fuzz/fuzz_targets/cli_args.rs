//! The CLI's parsers of what a user types and the output formats they feed
//! (`ec2_lite_cli::fuzzing::cli_args`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ec2_lite_cli::fuzzing::cli_args(data));
