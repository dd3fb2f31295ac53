//! AWS credentials, and where they come from.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>

mod env;

use std::fmt;
use std::time::SystemTime;

use crate::Error;
pub(crate) use env::from_env;

/// A source of credentials, asked before every call. A source that fetches
/// temporary credentials should cache them until they are about to expire.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with.
    ///
    /// # Errors
    /// [`Error::Config`] when the source cannot produce credentials, with the
    /// reason; a transport error when a remote source could not be reached.
    fn provide_credentials(&self) -> Result<Credentials, Error>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        Ok(self.clone())
    }
}

/// An access key, its secret and, for temporary credentials, a session token.
///
/// `Debug` shows the access key id only; the secret and the token are never
/// printed by this crate.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiry: Option<SystemTime>,
}

impl Credentials {
    /// Credentials from their parts. A blank session token counts as none.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: session_token.filter(|t| !t.trim().is_empty()),
            expiry: None,
        }
    }

    /// The same credentials, valid until `expiry`.
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// The access key id (`AKIA...` or, for temporary credentials, `ASIA...`).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token of temporary credentials. Never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// When temporary credentials stop working, if known.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .field("expiry", &self.expiry)
            .finish()
    }
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
        );
        let dbg = format!("{c:?} {c:#?}");
        assert!(dbg.contains("AKIDEXAMPLE"));
        assert!(!dbg.contains("wJalrXUtnFEMI"));
        assert!(!dbg.contains("FQoGZXIvYXdzEXAMPLETOKEN"));
    }

    #[test]
    fn blank_token_is_none() {
        assert_eq!(Credentials::new("a", "b", Some("  ".into())).session_token(), None);
    }
}
