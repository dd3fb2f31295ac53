//! The CLI's integration tests: one binary with one module per area, so the
//! helpers in `support/` are compiled once.

mod support;

mod cli_differential;
mod cli_offline;
mod cli_output;
mod cli_scenarios;
mod credential_chain;
mod demo;
mod ensure_fleet;
mod ensure_moto;
mod ensure_offline;
mod hardening;
mod moto_cli;
mod secrets;
