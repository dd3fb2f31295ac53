//! Shared helpers of the integration tests: the Python venv (moto, botocore,
//! the AWS CLI), the moto server, loopback servers. The CLI's tests
//! (`cli/tests/integration`) compile these files in too.
// Not every module of the tests uses every helper.
#![allow(dead_code, unreachable_pub)]

#[cfg(feature = "_test")]
pub mod clock;
pub mod fault;
pub mod fleet;
#[path = "../../unit/credentials/replay/http1.rs"]
pub mod http1;
pub mod loopback;
pub mod moto;
pub mod moto_fleet;
pub mod process;
pub mod python;
pub mod secrets;
pub mod standin;
