//! A small, blocking client for EC2's IAM instance profile association API.
//!
//! ```no_run
//! let client = ec2_lite::Client::from_env()?;
//! let out = client.disassociate_iam_instance_profile("iip-assoc-05020b59952902f5f")?;
//! let assoc = out.iam_instance_profile_association;
//! println!("{} {} {}", assoc.association_id, assoc.instance_id, assoc.state);
//! # Ok::<(), ec2_lite::Error>(())
//! ```
//!
//! No async runtime: one call is one blocking HTTPS request made with
//! [ureq](https://docs.rs/ureq), signed by a hand-written SigV4 signer
//! ([`sigv4`]) and parsed with [roxmltree](https://docs.rs/roxmltree) into plain
//! structs.
//!
//! # Sans-IO core
//!
//! Signing and parsing do no I/O and read no clock, so a program with another
//! HTTP stack can use them directly:
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
//! whole exchange can go through another HTTP client.
//!
//! # Layout
//!
//! One call, from the operation to the parsed struct: the operation's file in
//! `ops/` builds the Query parameters ([`query`]); `Client::send` (`client.rs`)
//! makes each attempt, first taking a token from the action's bucket
//! (`rate_limit.rs`: EC2's buckets and adaptive mode), then getting credentials
//! (`credentials/`), signing with [`sigv4`] at the time of the injected clock
//! (`timestamp.rs`), and sending
//! through the one request runner of the transport (`http/`: the agent, proxies,
//! TLS and its trust roots, the URL type); `retry.rs` decides whether and when
//! to try again, for EC2 calls and for every credential source alike. A 2xx
//! body goes to the operation's parser
//! (`xml.rs`, `model.rs`); anything else becomes an [`Error`]. `builder.rs`
//! resolves what a [`Client`] needs from the environment (`env.rs`), the shared
//! files (`profile/`) and the endpoint rules (`config.rs`). The waiters
//! (`waiter.rs`) and `ensure.rs` are built on the operations. Dependencies
//! point one way, down this path: no file imports one that imports it back.
//!
//! # Errors
//!
//! Every call returns [`Error`]. A refusal from EC2 is [`Error::Service`] with
//! its code, message, request id and HTTP status; predicates such as
//! [`Error::is_not_found`], [`Error::is_auth`], [`Error::is_throttling`] and
//! [`Error::is_retryable`] answer the usual questions. A credential source that
//! failed is [`Error::Credentials`], naming the source and keeping the error
//! underneath (an STS throttling stays retryable).
//!
//! # Crate features
//!
//! None: the library needs no feature, and its default build has nothing but
//! the library's own stack. The `ec2-lite` command-line tool is a crate of its
//! own, `ec2-lite-cli`. (`_fuzzing`, with a leading underscore as ureq marks
//! its internal features, exposes entry points for the fuzz targets; it is not
//! a public API and may change in any release.)

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
