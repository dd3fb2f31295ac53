//! A small, blocking client for EC2's IAM instance profile association API.
//!
//! ```no_run
//! let client = ec2_lite::Client::from_env()?;
//! let assoc = client.disassociate_iam_instance_profile("iip-assoc-05020b59952902f5f")?;
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
//! use ec2_lite::Credentials;
//!
//! let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
//! let body = b"Action=DisassociateIamInstanceProfile&AssociationId=iip-assoc-0123456789abcdef0&Version=2016-11-15";
//! let headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")];
//! let request = SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/").headers(&headers).body(body);
//! let time = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap(); // 2015-08-30T12:36:00Z
//! let signed = sigv4::sign(&request, &SigningParams::new(&credentials, "us-east-1", "ec2", time));
//! assert_eq!(signed.signature(), "51cd4bf7c17326490a2068282a2876e85bac4790c0a2f2fe793c6595757eb60d");
//! for (name, value) in signed.headers() {
//!     // add (name, value) to the request
//! #   let _ = (name, value);
//! }
//! ```
//!
//! [`wire`] has each operation's request body and response parser, so the
//! whole exchange can go through another HTTP client.
//!
//! # Errors
//!
//! Every call returns [`Error`]. A refusal from EC2 is [`Error::Service`] with
//! its code, message, request id and HTTP status; predicates such as
//! [`Error::is_not_found`], [`Error::is_auth`], [`Error::is_throttling`] and
//! [`Error::is_retryable`] answer the usual questions.
//!
//! # Crate features
//!
//! - `cli` (default): the `ec2-lite` command-line tool. The library needs no feature.

#![forbid(unsafe_code)]

mod builder;
mod client;
mod config;
mod credentials;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod model;
mod ops;
mod profile;
pub mod query;
mod retry;
pub mod sigv4;
mod waiter;
pub mod wire;
mod xml;

pub use builder::ClientBuilder;
pub use client::{Client, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DebugHook, MAX_RESPONSE_BYTES, RawResponse};
pub use config::{default_endpoint, partition_of};
pub use credentials::{Credentials, DefaultCredentialsChain, DefaultCredentialsChainBuilder, ProvideCredentials};
pub use error::{Error, ServiceError, TransportError, TransportErrorKind};
pub use model::{
    AssociationState, AssociationsPage, IamInstanceProfile, IamInstanceProfileAssociation,
    IamInstanceProfileSpecification, Output, format_timestamp, parse_timestamp,
};
pub use ops::describe_iam_instance_profile_associations::{
    DescribeIamInstanceProfileAssociations, Filter, Items, MAX_RESULTS_RANGE, Pages,
};
pub use profile::ProfileSettings;
pub use retry::RetryConfig;
pub use waiter::{WaitOptions, WaitTarget};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
