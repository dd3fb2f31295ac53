//! Shared helpers of the integration tests: the Python venv (moto, botocore,
//! the AWS CLI), the moto server, loopback servers.
// Not every module of the tests uses every helper.
#![allow(dead_code, unreachable_pub)]

pub mod cli;
pub mod fault;
#[path = "../../../src/credentials/replay/http1.rs"]
pub mod http1;
pub mod listing;
pub mod moto;
pub mod process;
pub mod python;
pub mod standin;
pub mod twin;
