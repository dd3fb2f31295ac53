//! The one error type of this crate.

use std::fmt;

/// Everything that can go wrong, from a bad argument to a refused call.
///
/// Each variant says what happened; [`Error::is_retryable`] says whether the
/// same call may succeed if made again.
///
/// # Every kind of answer, and its class
/// | the server answered | error | retried |
/// | --- | --- | --- |
/// | 2xx, a body the operation parses | none: the output | - |
/// | 2xx, a body that is not valid UTF-8, not XML, empty, or not the operation's answer | [`Error::MalformedResponse`] | no |
/// | 3xx (redirects are not followed) | [`Error::UnexpectedResponse`] | no |
/// | 4xx or 5xx with an AWS error document | [`Error::Service`] | throttling, transient codes, 500, 502, 503, 504 |
/// | 4xx or 5xx with anything else (a proxy's HTML page, an empty body) | [`Error::UnexpectedResponse`] | 429, 500, 502, 503, 504 |
/// | no complete answer: refused, reset, cut short, too slow, too large | [`Error::Transport`] | all but [`TransportErrorKind::BodyTooLarge`] |
/// | a credential source failed | [`Error::Credentials`] | as its cause |
/// | no answer needed: an ensure run was cancelled before this instance's write | [`Error::Cancelled`] | yes, by running again |
///
/// Whatever came from outside (codes, messages, bodies) is shown by `Display` with control
/// characters and bytes that are not UTF-8 escaped (see [`escape`](crate::escape)); the fields
/// hold the values as received.
/// ```
/// use ec2_lite::{Error, wire};
///
/// // What a call returns when EC2 refuses it (here parsed from EC2's answer).
/// let err = wire::parse_error(
///     400,
///     "<Response><Errors><Error><Code>InvalidAssociationID.NotFound</Code>\
///      <Message>gone</Message></Error></Errors><RequestID>r-1</RequestID></Response>",
/// );
/// assert!(err.is_not_found() && !err.is_retryable());
/// match &err {
///     Error::Service(service) => assert_eq!((service.code.as_str(), service.status), ("InvalidAssociationID.NotFound", 400)),
///     Error::Config(_) | Error::InvalidInput(_) => unreachable!("a setting or an argument, before any request"),
///     Error::Transport(_) | Error::UnexpectedResponse { .. } => unreachable!("the network, or not EC2's XML"),
///     _ => unreachable!("a waiter that gave up, or a kind added later"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// EC2 (or another AWS service) answered with an error document.
    Service(ServiceError),
    /// The server answered with something that is not the expected XML: an
    /// HTML error page from a proxy, an empty or truncated body.
    UnexpectedResponse {
        /// HTTP status code.
        status: u16,
        /// What was wrong with the body.
        reason: String,
        /// The start of the body, for diagnosis (at most 512 bytes), escaped: see
        /// [`escape`](crate::escape).
        body_start: String,
        /// The request id from the `x-amzn-requestid` header, if any.
        request_id: Option<String>,
        /// How many attempts were made, retries included.
        attempts: u32,
    },
    /// A 2xx answer whose body could not be read as the operation's answer: not valid UTF-8,
    /// not well-formed XML, empty, or another document than the one expected. The AWS CLI's
    /// "Unable to parse response"; not retried (the SDKs do not retry it either: the call may
    /// have taken effect).
    MalformedResponse {
        /// HTTP status code.
        status: u16,
        /// What was wrong with the body.
        reason: String,
        /// The start of the body (at most 512 bytes), escaped: see [`escape`](crate::escape).
        body_start: String,
        /// The request id from the `x-amzn-requestid` header, if any.
        request_id: Option<String>,
        /// How many attempts were made, retries included.
        attempts: u32,
    },
    /// An argument was rejected before any request was made.
    InvalidInput(String),
    /// No usable configuration: missing region or credentials, a bad
    /// endpoint, a malformed environment variable or config file. Its
    /// [`ConfigError::kind`] (also [`Error::config_kind`]) tells them apart.
    Config(ConfigError),
    /// The request did not complete: connection refused or reset, DNS, TLS,
    /// a timeout, or a body that ended early.
    Transport(TransportError),
    /// A credential source failed: which one, what it was doing, and the error underneath
    /// (a refusal from STS, a broken connection), as [`std::error::Error::source`] and through
    /// [`Error::code`], [`Error::status`] and [`Error::is_retryable`].
    Credentials(CredentialsError),
    /// A waiter gave up: its deadline passed, or the association reached a
    /// state from which the awaited one cannot follow.
    WaitFailed {
        /// The waiter, e.g. `IamInstanceProfileAssociated`.
        waiter: &'static str,
        /// Whether the deadline passed (else a failure state was seen).
        timed_out: bool,
        /// What the last poll saw.
        last_seen: String,
        /// How long it waited.
        waited: std::time::Duration,
    },
    /// An ensure run was cancelled (see
    /// [`EnsureOptions::cancel_on`](crate::EnsureOptions::cancel_on)) before
    /// any change was made to this instance. Running again finishes it.
    Cancelled {
        /// The instance left as it was.
        instance_id: String,
    },
}

/// An error document returned by an AWS service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The error code, e.g. `InvalidAssociationID.NotFound`.
    pub code: String,
    /// The message, as the service wrote it.
    pub message: String,
    /// The request id, for AWS support.
    pub request_id: Option<String>,
    /// HTTP status code.
    pub status: u16,
    /// How many attempts were made, retries included.
    pub attempts: u32,
}

/// A configuration that cannot be used: what kind of problem, and the words for it.
///
/// A caller that needs to tell problems apart matches on [`ConfigError::kind`], never on the
/// message, whose words may change.
/// ```
/// use ec2_lite::{ConfigError, ConfigErrorKind, Error};
///
/// // What a credentials provider of one's own returns when it has nothing to offer.
/// let err: Error = ConfigError::new(ConfigErrorKind::NoCredentials, "the vault is sealed").into();
/// assert!(err.is_no_credentials());
/// assert_eq!(err.to_string(), "configuration error: the vault is sealed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    message: String,
}

/// What kind of configuration problem an [`Error::Config`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// No region was found: none set on the builder, in `AWS_REGION` or `AWS_DEFAULT_REGION`,
    /// in the profile, or (where allowed) from instance metadata.
    NoRegion,
    /// No credential source in the chain had credentials to offer.
    NoCredentials,
    /// An endpoint URL that is not a usable URL.
    InvalidEndpoint,
    /// An endpoint that would carry credentials over plain http to a host that is not
    /// loopback, without that being allowed.
    InsecureEndpoint,
    /// The profile chosen by name is defined in neither file.
    ProfileNotFound,
    /// A file named by the configuration (the config or credentials file, a token file, a CA
    /// bundle) cannot be read or does not parse.
    File,
    /// A credential source is configured but cannot be used: half a key pair, a
    /// `credential_process` that fails, a token that cannot be sent.
    CredentialSource,
    /// A setting (a variable, a profile key, a builder value) holds a value that is not
    /// allowed.
    InvalidValue,
    /// `AWS_CA_BUNDLE`, the profile's `ca_bundle` or
    /// [`ClientBuilder::ca_bundle`](crate::ClientBuilder::ca_bundle) is set but blank: refused
    /// when the client is built, before any request, plain HTTP included (as botocore refuses
    /// an empty `verify` value).
    EmptyCaBundle,
}

impl ConfigError {
    /// A configuration error of `kind`, for a [`ProvideCredentials`](crate::ProvideCredentials)
    /// of one's own. `message` follows the crate's style: lowercase, no trailing period.
    pub fn new(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        ConfigError { kind, message: message.into() }
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The words for it, without the `configuration error: ` that [`Error`]'s `Display` adds.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A credential source that failed.
///
/// Its `Display` says what failed; the cause, when there is one, is not repeated there but
/// comes through [`std::error::Error::source`] (and, typed, [`CredentialsError::cause`]).
#[derive(Debug)]
pub struct CredentialsError {
    pub(crate) provider: &'static str,
    /// What failed, without the cause's words.
    pub(crate) message: String,
    pub(crate) source: Option<Box<Error>>,
}

impl CredentialsError {
    /// The source that failed: `environment`, `profile`, `process`, `web identity`, `sts`,
    /// `sso`, `container` or `instance metadata`; `chain` when loading took longer than its
    /// timeout.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The error underneath, when there is one.
    pub fn cause(&self) -> Option<&Error> {
        self.source.as_deref()
    }
}

/// A request that did not complete.
#[derive(Debug)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) message: String,
    pub(crate) source: Option<Box<dyn std::error::Error + Send + Sync>>,
    pub(crate) attempts: u32,
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, unreachable, DNS).
    Connect,
    /// A connect or read timeout.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// The response (its body, or its headers) was larger than this crate accepts.
    BodyTooLarge,
    /// The TLS handshake failed, for this reason: the server's certificate was refused, or
    /// the two sides had no protocol in common.
    Tls(TlsReason),
    /// Anything else (protocol errors).
    Other,
}

/// Why a TLS handshake failed ([`TransportErrorKind::Tls`], [`TransportError::tls_reason`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsReason {
    /// The server's certificate chain leads to no trusted root: a private CA missing from
    /// `AWS_CA_BUNDLE`, a self-signed certificate, or a TLS-inspecting proxy.
    UnknownIssuer,
    /// The server's certificate has expired (or this machine's clock is ahead).
    Expired,
    /// The server's certificate is not valid yet (or this machine's clock is behind).
    NotValidYet,
    /// The server's certificate is not for the host name (or address) connected to.
    NameMismatch,
    /// The server and this client have no TLS version in common (this client speaks 1.2 and 1.3).
    ProtocolVersion,
    /// Any other refusal: a bad signature, an unsupported algorithm, an alert from the server.
    Other,
}

impl fmt::Display for TlsReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsReason::UnknownIssuer => "the certificate's issuer is not trusted",
            TlsReason::Expired => "the certificate has expired",
            TlsReason::NotValidYet => "the certificate is not valid yet",
            TlsReason::NameMismatch => "the certificate is not valid for this host name",
            TlsReason::ProtocolVersion => "no tls version in common with the server",
            TlsReason::Other => "the handshake was refused",
        })
    }
}

impl TransportError {
    pub(crate) fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError { kind, message: message.into(), source: None, attempts: 1 }
    }

    pub(crate) fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this was.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Why the TLS handshake failed, when that is what failed.
    pub fn tls_reason(&self) -> Option<TlsReason> {
        match self.kind {
            TransportErrorKind::Tls(reason) => Some(reason),
            _ => None,
        }
    }

    /// How many attempts were made, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl Error {
    /// An [`Error::Config`] of kind [`ConfigErrorKind::InvalidValue`]: a setting that holds a
    /// value that is not allowed.
    pub(crate) fn config(msg: impl Into<String>) -> Self {
        Error::configuration(ConfigErrorKind::InvalidValue, msg)
    }

    /// An [`Error::Config`] of `kind`.
    pub(crate) fn configuration(kind: ConfigErrorKind, msg: impl Into<String>) -> Self {
        Error::Config(ConfigError::new(kind, msg))
    }

    pub(crate) fn invalid_input(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    /// An [`Error::Credentials`] of `provider`, saying what failed (`context`) and why
    /// (`cause`, kept as the source, not copied into the message). A cause that is itself a
    /// credentials error keeps its provider and its own cause: the context is prefixed to its
    /// message.
    pub(crate) fn credentials(provider: &'static str, context: impl Into<String>, cause: Option<Error>) -> Self {
        let context = context.into();
        Error::Credentials(match cause {
            Some(Error::Credentials(inner)) => CredentialsError {
                provider: inner.provider,
                message: format!("{context}: {}", inner.message),
                source: inner.source,
            },
            cause => CredentialsError { provider, message: context, source: cause.map(Box::new) },
        })
    }

    /// An [`Error::UnexpectedResponse`] quoting the start of `body`: at most
    /// [`BODY_QUOTE_BYTES`], cut at a character boundary.
    pub(crate) fn unexpected(status: u16, reason: &str, body: &[u8], request_id: Option<String>) -> Self {
        Error::UnexpectedResponse {
            status,
            reason: reason.to_owned(),
            body_start: quote(body),
            request_id,
            attempts: 1,
        }
    }

    /// An [`Error::MalformedResponse`]: a 2xx answer whose `body` did not parse.
    pub(crate) fn malformed(status: u16, reason: &str, body: &[u8], request_id: Option<String>) -> Self {
        Error::MalformedResponse { status, reason: reason.to_owned(), body_start: quote(body), request_id, attempts: 1 }
    }

    /// The same error again, for an instance listed twice in one ensure run:
    /// everything a caller reads (variant, code, message, status, request
    /// id, attempts) is kept; a transport error's underlying cause, which
    /// cannot be copied, is kept in its message only.
    pub(crate) fn replicate(&self) -> Error {
        match self {
            Error::Service(e) => Error::Service(e.clone()),
            Error::UnexpectedResponse { status, reason, body_start, request_id, attempts } => {
                Error::UnexpectedResponse {
                    status: *status,
                    reason: reason.clone(),
                    body_start: body_start.clone(),
                    request_id: request_id.clone(),
                    attempts: *attempts,
                }
            }
            Error::MalformedResponse { status, reason, body_start, request_id, attempts } => Error::MalformedResponse {
                status: *status,
                reason: reason.clone(),
                body_start: body_start.clone(),
                request_id: request_id.clone(),
                attempts: *attempts,
            },
            Error::InvalidInput(m) => Error::InvalidInput(m.clone()),
            Error::Config(c) => Error::Config(c.clone()),
            Error::Transport(t) => Error::Transport(TransportError {
                kind: t.kind,
                message: t.message.clone(),
                source: None,
                attempts: t.attempts,
            }),
            Error::Credentials(c) => Error::Credentials(CredentialsError {
                provider: c.provider,
                message: c.message.clone(),
                source: c.source.as_ref().map(|cause| Box::new(cause.replicate())),
            }),
            Error::WaitFailed { waiter, timed_out, last_seen, waited } => {
                Error::WaitFailed { waiter, timed_out: *timed_out, last_seen: last_seen.clone(), waited: *waited }
            }
            Error::Cancelled { instance_id } => Error::Cancelled { instance_id: instance_id.clone() },
        }
    }

    /// The service's error code, for a [`Error::Service`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service(e) => Some(&e.code),
            Error::Credentials(CredentialsError { source: Some(cause), .. }) => cause.code(),
            _ => None,
        }
    }

    /// The request id, when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id.as_deref(),
            Error::UnexpectedResponse { request_id, .. } | Error::MalformedResponse { request_id, .. } => {
                request_id.as_deref()
            }
            Error::Credentials(CredentialsError { source: Some(cause), .. }) => cause.request_id(),
            _ => None,
        }
    }

    /// How many attempts the call made before this error, retries included
    /// (1 for errors raised before or without any retry).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Service(e) => e.attempts,
            Error::UnexpectedResponse { attempts, .. } | Error::MalformedResponse { attempts, .. } => *attempts,
            Error::Transport(t) => t.attempts,
            Error::Credentials(CredentialsError { source: Some(cause), .. }) => cause.attempts(),
            _ => 1,
        }
    }

    /// The same error, recording the number of attempts made.
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Error::Service(e) => e.attempts = n,
            Error::UnexpectedResponse { attempts, .. } | Error::MalformedResponse { attempts, .. } => *attempts = n,
            Error::Transport(t) => t.attempts = n,
            _ => {}
        }
        self
    }

    /// What kind of configuration problem this is: for an [`Error::Config`], and for an
    /// [`Error::Credentials`] whose cause is one (a profile that names no region for STS).
    pub fn config_kind(&self) -> Option<ConfigErrorKind> {
        match self {
            Error::Config(c) => Some(c.kind),
            Error::Credentials(CredentialsError { source: Some(cause), .. }) => cause.config_kind(),
            _ => None,
        }
    }

    /// No region was found ([`ConfigErrorKind::NoRegion`]): set one with
    /// [`ClientBuilder::region`](crate::ClientBuilder::region), `AWS_REGION`, or the profile's
    /// `region`.
    pub fn is_no_region(&self) -> bool {
        self.config_kind() == Some(ConfigErrorKind::NoRegion)
    }

    /// No credential source had credentials ([`ConfigErrorKind::NoCredentials`]).
    pub fn is_no_credentials(&self) -> bool {
        self.config_kind() == Some(ConfigErrorKind::NoCredentials)
    }

    /// An endpoint URL that is not a usable URL ([`ConfigErrorKind::InvalidEndpoint`]).
    pub fn is_invalid_endpoint(&self) -> bool {
        self.config_kind() == Some(ConfigErrorKind::InvalidEndpoint)
    }

    /// A CA bundle setting that is set but blank ([`ConfigErrorKind::EmptyCaBundle`]).
    pub fn is_empty_ca_bundle(&self) -> bool {
        self.config_kind() == Some(ConfigErrorKind::EmptyCaBundle)
    }

    /// The HTTP status, when a response came back.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::UnexpectedResponse { status, .. } | Error::MalformedResponse { status, .. } => Some(*status),
            Error::Credentials(CredentialsError { source: Some(cause), .. }) => cause.status(),
            _ => None,
        }
    }

    /// The thing named does not exist: `*.NotFound`, `NoSuchEntity`.
    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(|c| c.ends_with(".NotFound") || c == "NoSuchEntity" || c == "NotFound")
    }

    /// The credentials or the signature were refused (wrong key or secret,
    /// expired token, clock skew).
    pub fn is_auth(&self) -> bool {
        self.code().is_some_and(|c| AUTH_CODES.contains(&c))
    }

    /// The caller is authenticated but not allowed to do this.
    pub fn is_access_denied(&self) -> bool {
        self.code().is_some_and(|c| matches!(c, "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException"))
    }

    /// The service is throttling the caller.
    pub fn is_throttling(&self) -> bool {
        match self {
            Error::Service(e) => THROTTLING_CODES.contains(&e.code.as_str()) || e.status == 429,
            Error::UnexpectedResponse { status, .. } => *status == 429,
            Error::Credentials(CredentialsError { source: Some(cause), .. }) => cause.is_throttling(),
            _ => false,
        }
    }

    /// Whether making the same call again may succeed: throttling, server
    /// errors (500, 502, 503, 504), timeouts and broken connections. Auth,
    /// validation and not-found errors are not retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Service(e) => {
                self.is_throttling()
                    || TRANSIENT_CODES.contains(&e.code.as_str())
                    || matches!(e.status, 500 | 502 | 503 | 504)
            }
            Error::UnexpectedResponse { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            Error::Transport(t) => t.kind != TransportErrorKind::BodyTooLarge,
            Error::Credentials(c) => c.source.as_ref().is_some_and(|cause| cause.is_retryable()),
            // Nothing was done to the instance: running again does it.
            Error::Cancelled { .. } => true,
            Error::MalformedResponse { .. } | Error::InvalidInput(_) | Error::Config(_) | Error::WaitFailed { .. } => {
                false
            }
        }
    }
}

/// An error's words, then each cause's after `: `, as a program that prints one line would
/// show them (a configuration error as a cause without its `configuration error: `).
#[cfg(test)]
pub(crate) fn with_causes(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        match cause.downcast_ref::<Error>() {
            Some(Error::Config(c)) => text.push_str(&format!(": {c}")),
            _ => text.push_str(&format!(": {cause}")),
        }
        source = cause.source();
    }
    text
}

/// How much of an unexpected body [`Error::UnexpectedResponse`] quotes.
pub(crate) const BODY_QUOTE_BYTES: usize = 512;

/// The start of a body, escaped: at most [`BODY_QUOTE_BYTES`] of it, cut at a character
/// boundary when the body is UTF-8 there.
fn quote(body: &[u8]) -> String {
    let mut end = body.len().min(BODY_QUOTE_BYTES);
    if let Ok(s) = std::str::from_utf8(body) {
        while !s.is_char_boundary(end) {
            end -= 1;
        }
    }
    crate::escape(body.get(..end).unwrap_or_default()).into_owned()
}

/// Writes `text`, which may quote what a server sent, with its control characters escaped.
fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str(&crate::escape(text.as_bytes()))
}

/// Codes the AWS SDKs treat as throttling (botocore and aws-sdk-rust agree).
pub(crate) const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Codes that are transient whatever their status.
pub(crate) const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"];

const AUTH_CODES: &[&str] = &[
    "AuthFailure",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "RequestExpired",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestTimeTooSkewed",
    "RequestInTheFuture",
    "InvalidSignatureException",
    "UnrecognizedClientException",
];

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        fmt::Write::write_fmt(&mut text, format_args!("{}", Unescaped(self)))?;
        write_escaped(f, &text)
    }
}

/// [`Error`]'s words before escaping.
struct Unescaped<'a>(&'a Error);

impl fmt::Display for Unescaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::Service(e) => e.fmt(f),
            Error::MalformedResponse { status, reason, body_start, attempts, .. } => {
                write!(f, "unable to parse the response (http {status}): {reason}")?;
                if !body_start.is_empty() {
                    write!(f, "; body starts: {body_start}")?;
                }
                write_attempts(f, *attempts)
            }
            Error::UnexpectedResponse { status, reason, body_start, attempts, .. } => {
                write!(f, "unexpected response (http {status}): {reason}")?;
                if !body_start.is_empty() {
                    write!(f, "; body starts: {body_start}")?;
                }
                write_attempts(f, *attempts)
            }
            Error::InvalidInput(m) => write!(f, "invalid input: {m}"),
            Error::Config(c) => write!(f, "configuration error: {}", c.message),
            Error::Transport(t) => t.fmt(f),
            Error::Credentials(c) => c.fmt(f),
            Error::WaitFailed { waiter, timed_out: true, last_seen, waited } => {
                write!(f, "waiter {waiter} timed out after {:.1}s; last seen: {last_seen}", waited.as_secs_f64())
            }
            Error::WaitFailed { waiter, timed_out: false, last_seen, .. } => {
                write!(f, "waiter {waiter} failed: {last_seen}")
            }
            Error::Cancelled { instance_id } => {
                write!(f, "interrupted before any change was made to instance {instance_id}; run again to finish")
            }
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = format!("service error {} (http {}): {}", self.code, self.status, self.message);
        if let Some(id) = &self.request_id {
            text.push_str(&format!(" (request id {id})"));
        }
        if self.attempts > 1 {
            text.push_str(&format!(" (after {} attempts)", self.attempts));
        }
        write_escaped(f, &text)
    }
}

fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 { write!(f, " (after {attempts} attempts)") } else { Ok(()) }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, &self.message)?;
        write_attempts(f, self.attempts)
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, &self.message)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, &self.message)
    }
}

impl std::error::Error for ServiceError {}

impl std::error::Error for ConfigError {}

impl std::error::Error for CredentialsError {
    // The message says what failed; the cause is here, typed, not repeated in the message.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(t) => t.source(),
            Error::Credentials(c) => c.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, status: u16) -> Error {
        Error::Service(ServiceError { code: code.into(), message: "m".into(), request_id: None, status, attempts: 1 })
    }

    #[test]
    fn predicates() {
        assert!(service("InvalidAssociationID.NotFound", 400).is_not_found());
        assert!(service("NoSuchEntity", 404).is_not_found());
        assert!(service("AuthFailure", 401).is_auth());
        assert!(!service("AuthFailure", 401).is_retryable());
        assert!(service("RequestLimitExceeded", 503).is_throttling());
        assert!(service("RequestLimitExceeded", 503).is_retryable());
        assert!(service("InternalError", 500).is_retryable());
        assert!(service("Whatever", 429).is_throttling());
        assert!(!service("IncorrectState", 400).is_retryable());
        assert!(!Error::invalid_input("x").is_retryable());
        let cancelled = Error::Cancelled { instance_id: "i-1".into() };
        assert!(cancelled.is_retryable(), "running again finishes the instance");
        assert!(!cancelled.is_throttling() && cancelled.code().is_none() && cancelled.status().is_none());
    }

    #[test]
    fn a_replicated_error_reads_the_same() {
        let transport = Error::Transport(
            TransportError::new(TransportErrorKind::Timeout, "read timed out")
                .with_source(std::io::Error::other("slow")),
        );
        for e in [
            service("IncorrectState", 400),
            transport,
            Error::Cancelled { instance_id: "i-1".into() },
            Error::credentials("sts", "sts AssumeRole failed", Some(service("Throttling", 400))),
            Error::unexpected(502, "not an AWS error document", b"<html>", Some("r-1".into())),
        ] {
            let copy = e.replicate();
            assert_eq!(copy.to_string(), e.to_string());
            assert_eq!((copy.code(), copy.status(), copy.request_id()), (e.code(), e.status(), e.request_id()));
            assert_eq!((copy.is_retryable(), copy.is_throttling()), (e.is_retryable(), e.is_throttling()));
        }
    }

    #[test]
    fn messages_are_lowercase_without_period() {
        use crate::{Client, Credentials, Env, Fs};
        let e = service("AuthFailure", 401);
        assert_eq!(e.to_string(), "service error AuthFailure (http 401): m");
        assert_eq!(
            Error::Cancelled { instance_id: "i-1".into() }.to_string(),
            "interrupted before any change was made to instance i-1; run again to finish"
        );
        // What the crate itself says when it refuses: a builder with nothing configured, bad
        // values, bad input, an endpoint that refuses the connection, a body that is not XML.
        let nothing = || {
            Client::builder()
                .env(Env::from_pairs([("HOME", "/nonexistent"), ("AWS_EC2_METADATA_DISABLED", "true")]))
                .fs(Fs::rooted("/nonexistent"))
        };
        let keys = || Credentials::new("AKIDEXAMPLE", "secret", None);
        let closed = Client::builder()
            .region("us-east-1")
            .credentials(keys())
            .endpoint_url("http://127.0.0.1:9")
            .max_attempts(1)
            .build()
            .expect("a client");
        let refusals = [
            nothing().build().map(drop),
            nothing()
                .region("us-east-1")
                .build()
                .and_then(|c| c.disassociate_iam_instance_profile("iip-assoc-1").map(drop)),
            nothing().region("not a region!").build().map(drop),
            nothing().region("us-east-1").endpoint_url("ftp://x").build().map(drop),
            closed.disassociate_iam_instance_profile("").map(drop),
            crate::ops::check_instance_id("x-1"),
            closed.disassociate_iam_instance_profile("iip-assoc-1").map(drop),
            crate::wire::parse_disassociate_iam_instance_profile(200, "not xml").map(drop),
        ];
        for refusal in refusals {
            let err = refusal.expect_err("each of these is refused");
            let text = err.to_string();
            assert!(!text.ends_with('.'), "{text:?} ends with a period");
            assert!(!text.starts_with(|c: char| c.is_uppercase()), "{text:?} starts in upper case");
        }
    }

    #[test]
    fn credential_failures_keep_their_cause() {
        let sts = Error::credentials(
            "sts",
            "sts AssumeRole at https://sts.amazonaws.com/ failed",
            Some(service("ServiceUnavailable", 503)),
        );
        let chained = Error::credentials("profile", "could not load credentials: profile `r`", Some(sts));
        assert!(chained.is_retryable());
        assert_eq!((chained.code(), chained.status()), (Some("ServiceUnavailable"), Some(503)));
        let Error::Credentials(c) = &chained else { panic!("{chained:?}") };
        assert_eq!(c.provider(), "sts");
        assert!(matches!(c.cause(), Some(Error::Service(_))));
        assert_eq!(
            chained.to_string(),
            "could not load credentials: profile `r`: sts AssumeRole at https://sts.amazonaws.com/ failed"
        );
        assert_eq!(
            std::error::Error::source(&chained).map(|cause| cause.to_string()).as_deref(),
            Some("service error ServiceUnavailable (http 503): m"),
            "the cause comes through source(), once"
        );
        let denied = Error::credentials("sts", "sts AssumeRole failed", Some(service("AccessDenied", 403)));
        assert!(!denied.is_retryable() && denied.code() == Some("AccessDenied"));
        let config = Error::credentials(
            "process",
            "credential_process",
            Some(Error::configuration(ConfigErrorKind::CredentialSource, "exited with code 3")),
        );
        assert_eq!(config.to_string(), "credential_process");
        assert_eq!(with_causes(&config), "credential_process: exited with code 3");
        assert!(!config.is_retryable() && config.code().is_none());
        assert_eq!(config.config_kind(), Some(ConfigErrorKind::CredentialSource));
    }

    /// Every level of a `source()` chain: its words must not hold the words of any cause below
    /// it (house style: a cause is shown in the message or through `source()`, not both).
    fn assert_each_cause_shown_once(err: &(dyn std::error::Error + 'static)) {
        let mut levels = vec![err.to_string()];
        let mut source = err.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            for above in &levels {
                assert!(!above.contains(&text), "{above:?} repeats its cause {text:?} (chain of {err:?})");
            }
            levels.push(text);
            source = cause.source();
        }
        assert!(levels.len() > 1 || std::error::Error::source(err).is_none());
    }

    #[test]
    fn a_wrapped_cause_appears_once() {
        let io = || std::io::Error::other("connection reset by peer (os error 104)");
        let transport = || {
            Error::Transport(TransportError::new(TransportErrorKind::Io, "i/o error").with_source(io()))
                .with_attempts(3)
        };
        let config = || Error::configuration(ConfigErrorKind::File, "the config file /x, line 2: no '='");
        let every_variant = [
            service("ServiceUnavailable", 503),
            Error::unexpected(502, "not an AWS error document", b"<html>bad gateway</html>", Some("r-1".into())),
            Error::malformed(200, "not well-formed xml", b"<Resp", None),
            Error::invalid_input("association id must not be empty"),
            config(),
            transport(),
            Error::credentials("sts", "sts AssumeRole failed", Some(service("Throttling", 400))),
            Error::credentials("container", "container credentials from http://127.0.0.1/ failed", Some(transport())),
            Error::credentials("process", "could not load credentials: credential_process", Some(config())),
            Error::credentials(
                "profile",
                "could not load credentials: profile `r`",
                Some(Error::credentials("sts", "sts AssumeRole failed", Some(transport()))),
            ),
            Error::WaitFailed {
                waiter: "IamInstanceProfileAssociated",
                timed_out: true,
                last_seen: "associating".into(),
                waited: std::time::Duration::from_secs(3),
            },
            Error::Cancelled { instance_id: "i-1".into() },
        ];
        for err in &every_variant {
            assert_each_cause_shown_once(err);
        }
        // The parts on their own, too.
        let Error::Credentials(credentials) =
            Error::credentials("sso", "sso GetRoleCredentials failed", Some(transport()))
        else {
            unreachable!()
        };
        assert_each_cause_shown_once(&credentials);
        assert_eq!(credentials.to_string(), "sso GetRoleCredentials failed");
        let Error::Transport(t) = transport() else { unreachable!() };
        assert_each_cause_shown_once(&t);
        assert_each_cause_shown_once(&ConfigError::new(ConfigErrorKind::NoRegion, "no region"));
        // Shown once, and still shown: a program that prints the chain prints every cause.
        assert_eq!(
            with_causes(&every_variant[9]),
            "could not load credentials: profile `r`: sts AssumeRole failed: i/o error (after 3 attempts): connection \
             reset by peer (os error 104)"
        );
    }

    #[test]
    fn configuration_errors_have_a_kind() {
        use ConfigErrorKind as K;
        for kind in [
            K::NoRegion,
            K::NoCredentials,
            K::InvalidEndpoint,
            K::InsecureEndpoint,
            K::ProfileNotFound,
            K::File,
            K::EmptyCaBundle,
        ] {
            let err = Error::configuration(kind, "words that may change");
            assert_eq!(err.config_kind(), Some(kind));
            assert_eq!(err.is_no_region(), kind == K::NoRegion);
            assert_eq!(err.is_no_credentials(), kind == K::NoCredentials);
            assert_eq!(err.is_invalid_endpoint(), kind == K::InvalidEndpoint);
            assert_eq!(err.is_empty_ca_bundle(), kind == K::EmptyCaBundle);
            assert!(!err.is_retryable());
            assert_eq!(err.replicate().config_kind(), Some(kind));
        }
        assert_eq!(Error::config("AWS_MAX_ATTEMPTS must be ...").config_kind(), Some(K::InvalidValue));
        assert_eq!(service("AuthFailure", 401).config_kind(), None);
        // A credential source that needs a region it does not have.
        let sts = Error::credentials("sts", "sts AssumeRole", Some(Error::configuration(K::NoRegion, "no region")));
        assert!(sts.is_no_region());
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
