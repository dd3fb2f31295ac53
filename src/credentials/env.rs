//! Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and `AWS_ACCOUNT_ID`.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html>

use super::Credentials;
use crate::env::Env;
use crate::{ConfigErrorKind, Error};

/// Reads the environment the way the AWS SDKs do: blank values count as
/// unset; no access key means "not configured" (`Ok(None)`), so the next
/// source is tried; an access key without its secret is an error (botocore's
/// `PartialCredentialsError`), since a half-set environment is a mistake the
/// user wants to hear about rather than credentials found elsewhere.
pub(crate) fn from_env(env: &Env) -> Result<Option<Credentials>, Error> {
    let Some(access_key_id) = env.get("AWS_ACCESS_KEY_ID") else {
        return Ok(None);
    };
    let Some(secret) = env.get("AWS_SECRET_ACCESS_KEY") else {
        return Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both, or neither",
        ));
    };
    let token = env.get("AWS_SESSION_TOKEN").map(|t| t.trim().to_owned());
    let credentials = Credentials::new(access_key_id.trim(), secret.trim(), token);
    Ok(Some(match env.get("AWS_ACCOUNT_ID") {
        Some(account) => credentials.with_account_id(account.trim()),
        None => credentials,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_partial_environments() {
        let env = Env::from_pairs([("AWS_ACCESS_KEY_ID", " "), ("AWS_SECRET_ACCESS_KEY", "")]);
        assert!(from_env(&env).unwrap().is_none());
        let env = Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKID")]);
        let err = from_env(&env).unwrap_err().to_string();
        assert!(err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
        let env = Env::from_pairs([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_SESSION_TOKEN", "t"),
        ]);
        let c = from_env(&env).unwrap().unwrap();
        assert_eq!((c.access_key_id(), c.secret_access_key(), c.session_token()), ("AKID", "s", Some("t")));
        assert_eq!(c.account_id(), None);
        let env = Env::from_pairs([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_ACCOUNT_ID", "123456789001"),
        ]);
        assert_eq!(from_env(&env).unwrap().unwrap().account_id(), Some("123456789001"));
    }
}
