//! A small, blocking client for EC2's IAM instance profile association API.
//!
//! # A first call
//!
//! A call needs a region and credentials, found where the AWS CLI finds them:
//!
//! - the region: `AWS_REGION` (else `AWS_DEFAULT_REGION`, the profile's
//!   `region`, the instance metadata);
//! - credentials: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with
//!   `AWS_SESSION_TOKEN` for temporary ones), else the profile (`AWS_PROFILE`,
//!   else `default`) in `~/.aws/config` and `~/.aws/credentials` (static keys,
//!   SSO, an assumed role, `credential_process`), a web identity, the container's
//!   or the instance's role;
//! - the endpoint: EC2's for the region, or `AWS_ENDPOINT_URL` (or
//!   `AWS_ENDPOINT_URL_EC2`) for an emulator such as moto, which may be plain
//!   HTTP on a loopback address.
//!
//! ```sh
//! export AWS_REGION=us-east-1 AWS_PROFILE=dev
//! ```
//!
//! Then list the associations, and disassociate one of them:
//!
//! ```no_run
//! use ec2_lite::{Client, DescribeIamInstanceProfileAssociations};
//!
//! let client = Client::from_env()?;
//! let listed = client.describe_iam_instance_profile_associations(&DescribeIamInstanceProfileAssociations::new())?;
//! for assoc in &listed.iam_instance_profile_associations {
//!     println!("{} {} {}", assoc.association_id, assoc.instance_id, assoc.state);
//! }
//! if let Some(first) = listed.iam_instance_profile_associations.first() {
//!     let out = client.disassociate_iam_instance_profile(&first.association_id)?;
//!     println!("{}", out.iam_instance_profile_association.state); // disassociating
//! }
//! # Ok::<(), ec2_lite::Error>(())
//! ```
//!
//! [`Client::from_env`] settles the region and endpoint when it is called; the
//! credentials are looked up at the first call (so a missing key is that call's
//! [`Error`]) and refreshed before they expire. [`Client::builder`] sets any of
//! them explicitly, with the profile, timeouts and retries. With no AWS
//! account, `scripts/demo --keep` in a clone of the repository starts moto, a
//! local EC2 emulator, and prints the `export` lines that point a shell at it.
//!
//! # Where to go next
//!
//! - [`Client`]: every call, with an example per group: single calls, pages,
//!   waiters, ensure and the generic [`Client::call`] for any other EC2 action.
//! - `examples/` in the package: `quickstart` (the README's first program: the
//!   association id from the command line), `disassociate_instance`,
//!   `list_associations`, `replace_and_wait`, `errors` and `sign_request`;
//!   `cargo run --example NAME -- ARGS` in a clone.
//! - Ensure, an extension of this crate: [`Client::ensure_instance_profile`]
//!   makes an instance run with a profile (or none) whatever it has now,
//!   [`Client::ensure_instance_profiles`] and [`Client::ensure_desired_profiles`]
//!   do a fleet; [`EnsureOptions::dry_run`] returns the plan and writes
//!   nothing.
//! - The command-line tool is the package `ec2-lite-cli` (program
//!   `ec2-lite`): `aws ec2`'s commands and options for these operations, with
//!   the AWS CLI v2's output and exit codes, plus `wait` and
//!   `ensure-iam-instance-profile`. `cargo install --locked --path cli` in a
//!   clone. A library user builds none of its crates.
//!
//! # Errors
//!
//! Every call returns [`Error`]. A refusal from EC2 is [`Error::Service`] with
//! its code, message, request id and HTTP status; predicates such as
//! [`Error::is_not_found`], [`Error::is_auth`], [`Error::is_throttling`] and
//! [`Error::is_retryable`] answer the usual questions. A credential source that
//! failed is [`Error::Credentials`], naming the source and keeping the error
//! underneath (an STS throttling stays retryable). Its `Display` is one line
//! for a user (`eprintln!("{e}")`).
//!
//! # Sans-IO core
//!
//! No async runtime: one call is one blocking HTTPS request made with
//! [ureq](https://docs.rs/ureq), signed by a hand-written SigV4 signer
//! ([`sigv4`]) and parsed with [roxmltree](https://docs.rs/roxmltree) into plain
//! structs. Signing and parsing do no I/O and read no clock, so a program with
//! another HTTP stack can use them directly:
//!
//! ```
//! use ec2_lite::sigv4::{self, SignableRequest, SigningParams};
//! use ec2_lite::{Credentials, wire};
//! use std::time::{Duration, SystemTime};
//!
//! let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
//! let body = wire::disassociate_iam_instance_profile_body("iip-assoc-0123456789abcdef0")?;
//! let request = SignableRequest::from_url("POST", "https://ec2.us-east-1.amazonaws.com/")?
//!     .header("Content-Type", wire::CONTENT_TYPE)
//!     .body(body.as_bytes());
//! let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z; use SystemTime::now()
//! let signed = sigv4::sign(&request, &SigningParams::new(&credentials, "us-east-1", "ec2", time));
//! assert_eq!(signed.signed_headers(), "content-type;host;x-amz-date");
//! for (name, value) in signed.headers() {
//!     // add (name, value) to the request, send it, and parse the answer
//!     // with `wire::parse_disassociate_iam_instance_profile(status, &text)`
//! #   let _ = (name, value);
//! }
//! # Ok::<(), ec2_lite::Error>(())
//! ```
//!
//! [`wire`] has each operation's request body and response parser, so the
//! whole exchange can go through another HTTP client. How the source is laid
//! out, file by file along the path of one call, is in `ARCHITECTURE.md` at
//! the root of the repository.
//!
//! # Crate features
//!
//! None to choose: the library's default build is all of it, and has nothing
//! but the library's own stack. The `ec2-lite` command-line tool is a package
//! of its own, `ec2-lite-cli`.
//!
//! `cargo add ec2-lite` lists two features, `_fuzzing` and `_test`. Neither is
//! a public API: they may change or go in any release, and nothing outside this
//! repository should enable them. `_fuzzing` exposes entry points for the fuzz
//! targets in the repository's `fuzz/`; `_test` exposes the seams the
//! repository's tests run through (a fake environment, files and clock on the
//! builder, counters on the client). The leading underscore marks them
//! internal, as ureq marks its own; Cargo (1.95) still lists such features, as
//! it has no way to hide one.

#![forbid(unsafe_code)]

mod builder;
mod client;
mod config;
mod credentials;
mod ensure;
mod env;
mod error;
mod escape;
#[cfg(feature = "_fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod model;
mod ops;
mod profile;
pub mod query;
mod rate_limit;
mod retry;
pub mod sigv4;
mod timestamp;
mod waiter;
pub mod wire;
mod xml;

pub use builder::ClientBuilder;
pub use client::{Client, DEFAULT_ATTEMPT_TIMEOUT, MAX_RESPONSE_BYTES, RawResponse};
pub use config::{EndpointOptions, default_endpoint, partition_of};
pub use credentials::{
    Credentials, DEFAULT_CREDENTIALS_LOAD_TIMEOUT, DefaultCredentialsChain, DefaultCredentialsChainBuilder,
    ProvideCredentials,
};
pub use ensure::{EnsureAction, EnsureOptions, EnsureOutcome, PropagationWait};
#[cfg(any(test, feature = "_test"))]
#[doc(hidden)]
pub use env::{Env, Fs};
pub use error::{
    ConfigError, ConfigErrorKind, CredentialsError, Error, ServiceError, TlsReason, TransportError, TransportErrorKind,
};
pub use escape::{escape, escape_lines};
pub use http::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
pub use model::{
    IamInstanceProfile, IamInstanceProfileAssociation, IamInstanceProfileAssociationState,
    IamInstanceProfileSpecification, Instance,
};
pub use ops::Request;
pub use ops::associate_iam_instance_profile::{AssociateIamInstanceProfile, AssociateIamInstanceProfileOutput};
pub use ops::by_instance::AssociationForInstanceOutput;
pub use ops::describe_iam_instance_profile_associations::{
    DescribeIamInstanceProfileAssociations, DescribeIamInstanceProfileAssociationsOutput, Filter, Items,
    MAX_RESULTS_RANGE, Pages,
};
pub use ops::describe_instances::{
    DescribeInstances, DescribeInstancesItems, DescribeInstancesOutput, DescribeInstancesPages,
};
pub use ops::disassociate_iam_instance_profile::{
    DisassociateIamInstanceProfile, DisassociateIamInstanceProfileOutput,
};
pub use ops::replace_iam_instance_profile_association::{
    ReplaceIamInstanceProfileAssociation, ReplaceIamInstanceProfileAssociationOutput,
};
pub use profile::ProfileSettings;
pub use rate_limit::{RateLimit, RateLimits, RetryMode};
pub use retry::RetryConfig;
/// The [`time`](https://docs.rs/time) crate, whose `OffsetDateTime` the signer
/// takes and the model's timestamps are, re-exported so its version matches.
pub use time;
pub use timestamp::{format_timestamp, parse_timestamp};
pub use waiter::{WaitOptions, WaitTarget, WaitUntilAssociatedOutput, WaitUntilDisassociatedOutput};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
