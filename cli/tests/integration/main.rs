//! The CLI's integration tests: one binary with one module per feature, so the
//! helpers in `support/` are compiled once. How a test runs (a loopback listener
//! offline, moto, side by side with the AWS CLI) is a helper in `support/`, not a
//! file of its own: look for a behaviour in the file of its feature.

mod support;

mod arguments;
mod commands;
mod credentials;
mod demo;
mod ensure;
mod ensure_fleet;
mod errors;
mod input;
mod output;
mod paging;
mod secrets;
mod timeouts;
mod waiters;
