//! The CLI tests' helpers, which say how a test runs: the binary (`cli`), a
//! loopback listener with no EC2 (`offline`), moto (`on_moto`), the AWS CLI beside
//! it (`differential`, `listing`, `scenarios`, `twin`), hostile servers and inputs
//! (`hostile`), the credential chain's stand-ins (`chain`), and the helpers shared
//! with the library's tests, which live in the root's `tests/integration/support/`
//! and are compiled in here.
// Not every module of the tests uses every helper.
#![allow(dead_code, unreachable_pub)]

pub mod chain;
pub mod cli;
pub mod differential;
pub mod hostile;
pub mod listing;
pub mod offline;
pub mod on_moto;
pub mod scenarios;
pub mod twin;

#[path = "../../../../tests/integration/support/fault.rs"]
pub mod fault;
#[path = "../../../../tests/integration/support/fleet.rs"]
pub mod fleet;
#[path = "../../../../tests/unit/credentials/replay/http1.rs"]
pub mod http1;
#[path = "../../../../tests/integration/support/loopback.rs"]
pub mod loopback;
#[path = "../../../../tests/integration/support/moto.rs"]
pub mod moto;
#[path = "../../../../tests/integration/support/moto_fleet.rs"]
pub mod moto_fleet;
#[path = "../../../../tests/integration/support/process.rs"]
pub mod process;
#[path = "../../../../tests/integration/support/python.rs"]
pub mod python;
#[path = "../../../../tests/integration/support/secrets.rs"]
pub mod secrets;
#[path = "../../../../tests/integration/support/standin.rs"]
pub mod standin;
