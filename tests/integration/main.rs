//! The integration tests: one binary with one module per area, so the helpers
//! in `tests/integration/support` are compiled once. The modules that run the
//! client on a fake clock, environment or files need the crate's internal
//! `_test` feature (`scripts/test` and CI pass `--all-features`).

mod support;

mod doc_promises;
#[cfg(feature = "_test")]
mod ensure_fleet;
#[cfg(feature = "_test")]
mod ensure_moto;
#[cfg(feature = "_test")]
mod ensure_offline;
#[cfg(feature = "_test")]
mod faults;
mod first_program;
#[cfg(feature = "_test")]
mod load;
mod moto_harness;
mod moto_library;
mod package;
mod properties;
#[cfg(feature = "_test")]
mod rate_limits;
mod readme;
mod secrets;
mod sigv4_botocore;
mod sigv4_suite;
mod standin;
#[cfg(feature = "_test")]
mod waiters;
