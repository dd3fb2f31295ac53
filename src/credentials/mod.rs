//! AWS credentials, and the default chain of sources the AWS SDKs look them up in.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>

mod cache;
mod chain;
mod container;
mod context;
mod env;
mod imds;
mod imds_client;
mod json;
mod process;
mod profile;
mod sso;
mod sts;
mod web_identity;

// The cross-SDK credential suites (their data stays in tests/sdk-test-data/),
// the loopback server that replays their traffic, and botocore's precedence.
// They live under tests/, outside the published package, and are compiled in
// as unit tests because they need the crate's internals.
#[cfg(test)]
#[path = "../../tests/unit/credentials/botocore.rs"]
mod botocore;
#[cfg(test)]
#[path = "../../tests/unit/credentials/replay.rs"]
mod replay;
#[cfg(test)]
#[path = "../../tests/unit/credentials/suites.rs"]
mod suites;

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use crate::{ConfigErrorKind, Error};
pub use chain::{DefaultCredentialsChain, DefaultCredentialsChainBuilder};

/// How long the default chain may take to load credentials, a `credential_process` included,
/// unless [`ClientBuilder::credentials_load_timeout`](crate::ClientBuilder::credentials_load_timeout)
/// says otherwise: 5 s, the Rust SDK's default.
pub const DEFAULT_CREDENTIALS_LOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
pub(crate) use context::{Context, Setup};

/// A source of credentials, asked before every call. A source that fetches
/// temporary credentials should cache them until they are about to expire.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with.
    ///
    /// # Errors
    /// [`Error::Credentials`] when a source failed, naming it, with the error underneath
    /// (a refusal from STS, a broken connection); [`Error::Config`] when no source is
    /// configured or a setting is wrong.
    fn provide_credentials(&self) -> Result<Credentials, Error>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        Ok(self.clone())
    }
}

/// An access key, its secret and, for temporary credentials, a session token.
///
/// Cheap to clone (one shared allocation). `Debug` shows the access key id
/// only; the secret and the token are never printed by this crate.
///
/// ```
/// use ec2_lite::{Client, Credentials};
///
/// // Long-term keys, or temporary ones with their session token.
/// let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
/// let temporary = Credentials::new("ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG", Some("FwoGZXIvYXdzEXAMPLE".to_owned()));
/// let shown = format!("{keys:?} {temporary:?}");
/// assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("FwoGZXIv"));
/// let client = Client::builder().region("us-east-1").credentials(temporary).build()?;
/// # let _ = client;
/// # Ok::<(), ec2_lite::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiry: Option<SystemTime>,
    account_id: Option<String>,
    /// SHA-256 of the secret, computed on first use: the signer's key cache compares it, once
    /// per request, instead of hashing the secret again.
    fingerprint: OnceLock<[u8; 32]>,
}

impl PartialEq for Inner {
    fn eq(&self, other: &Self) -> bool {
        // The fingerprint follows from the secret.
        self.access_key_id == other.access_key_id
            && self.secret_access_key == other.secret_access_key
            && self.session_token == other.session_token
            && self.expiry == other.expiry
            && self.account_id == other.account_id
    }
}

impl Eq for Inner {}

impl Credentials {
    /// Credentials from their parts. A blank session token counts as none.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Credentials {
            inner: Arc::new(Inner {
                access_key_id: access_key_id.into(),
                secret_access_key: secret_access_key.into(),
                session_token: session_token.filter(|t| !t.trim().is_empty()),
                expiry: None,
                account_id: None,
                fingerprint: OnceLock::new(),
            }),
        }
    }

    /// The same credentials, valid until `expiry`.
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        Arc::make_mut(&mut self.inner).expiry = Some(expiry);
        self
    }

    /// The same credentials, of the account `account_id` (the 12 digits). A blank id counts as none.
    pub fn with_account_id(mut self, account_id: impl Into<String>) -> Self {
        let id = account_id.into();
        Arc::make_mut(&mut self.inner).account_id = Some(id).filter(|id| !id.trim().is_empty());
        self
    }

    /// The access key id (`AKIA...` or, for temporary credentials, `ASIA...`).
    pub fn access_key_id(&self) -> &str {
        &self.inner.access_key_id
    }

    /// The secret access key. Never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.inner.secret_access_key
    }

    /// SHA-256 of the secret access key, for caches that must tell secrets apart without
    /// holding one.
    pub(crate) fn secret_fingerprint(&self) -> [u8; 32] {
        use sha2::Digest;
        *self.inner.fingerprint.get_or_init(|| sha2::Sha256::digest(self.inner.secret_access_key.as_bytes()).into())
    }

    /// The session token of temporary credentials. Never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.inner.session_token.as_deref()
    }

    /// When temporary credentials stop working, if known.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.inner.expiry
    }

    /// The account the credentials belong to, when the source said
    /// (`AWS_ACCOUNT_ID`, `aws_account_id`, the ARN of an assumed role).
    pub fn account_id(&self) -> Option<&str> {
        self.inner.account_id.as_deref()
    }

    /// The same credentials, expiring at `expiry` instead.
    pub(crate) fn set_expiry(mut self, expiry: Option<SystemTime>) -> Self {
        Arc::make_mut(&mut self.inner).expiry = expiry;
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.inner.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.inner.session_token.as_ref().map(|_| "** redacted **"))
            .field("expiry", &self.inner.expiry)
            .field("account_id", &self.inner.account_id)
            .finish()
    }
}

/// What a source found: credentials, or nothing because it is not configured here (with why,
/// for the message when no source has any). A source that is configured but fails returns an
/// error instead, and the chain stops there.
#[derive(Debug)]
pub(crate) enum Load {
    Loaded(Credentials),
    NotConfigured(String),
}

/// The message of an error from a credential source, without `Error::Config`'s prefix.
pub(crate) fn reason(e: &Error) -> String {
    match e {
        Error::Config(c) => c.message().to_owned(),
        other => other.to_string(),
    }
}

/// A configuration error naming the setting (`source`) that is wrong, and why.
pub(crate) fn bad_setting(source: &str, e: &Error) -> Error {
    Error::configuration(e.config_kind().unwrap_or(ConfigErrorKind::InvalidValue), format!("{source}: {}", reason(e)))
}

/// Every parser of what a credential source answers, for the fuzz targets.
#[cfg(feature = "_fuzzing")]
pub(crate) fn fuzz_parsers(text: &str) {
    let _ = json::parse_object(text);
    let _ = json::parse_credentials(text);
    let _ = process::parse_output(text);
    let _ = sso::parse_cached_token(text, std::time::SystemTime::UNIX_EPOCH);
    let _ = sso::parse_role_credentials(text, "123456789012");
    let _ = sts::parse_response("AssumeRole", text);
    let _ = sts::parse_response("AssumeRoleWithWebIdentity", text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_or_the_token() {
        let c = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            Some("FQoGZXIvYXdzEXAMPLETOKEN".into()),
        )
        .with_account_id("123456789012");
        let dbg = format!("{c:?} {c:#?}");
        assert!(dbg.contains("AKIDEXAMPLE") && dbg.contains("123456789012"));
        assert!(!dbg.contains("wJalrXUtnFEMI"));
        assert!(!dbg.contains("FQoGZXIvYXdzEXAMPLETOKEN"));
    }

    #[test]
    fn blank_token_and_account_are_none() {
        assert_eq!(Credentials::new("a", "b", Some("  ".into())).session_token(), None);
        assert_eq!(Credentials::new("a", "b", None).with_account_id(" ").account_id(), None);
    }

    #[test]
    fn clones_share_and_changes_copy() {
        let a = Credentials::new("a", "b", None);
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
        let t = SystemTime::UNIX_EPOCH;
        let c = b.clone().with_expiry(t);
        assert_eq!((a.expiry(), c.expiry()), (None, Some(t)));
        assert_eq!(a, b);
    }
}
