//! The integration tests: one binary with one module per area, so the helpers
//! in `tests/integration/support` are compiled once.

mod support;

mod doc_promises;
mod ensure_fleet;
mod ensure_moto;
mod ensure_offline;
mod faults;
mod first_program;
mod load;
mod moto_harness;
mod moto_library;
mod package;
mod properties;
mod rate_limits;
mod readme;
mod secrets;
mod sigv4_botocore;
mod sigv4_suite;
mod standin;
mod waiters;
