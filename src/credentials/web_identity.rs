//! Web identity: an OIDC token from a file (Kubernetes service accounts, CI systems) exchanged
//! for a role's credentials with STS `AssumeRoleWithWebIdentity`.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html>

use std::path::Path;

use super::{Context, Credentials, Load, sts};
use crate::{ConfigErrorKind, Error};

/// What to exchange: the role, the token file (read at every refresh: it is rotated) and the
/// session name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebIdentity {
    pub(crate) role_arn: String,
    pub(crate) token_file: String,
    pub(crate) session_name: Option<String>,
}

/// `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` (and `AWS_ROLE_SESSION_NAME`). Not
/// configured without the token file; a token file without a role is an error, as in the
/// Rust SDK: half of a setting is a mistake to report.
pub(crate) fn from_env(ctx: &Context) -> Result<Option<WebIdentity>, Error> {
    let Some(token_file) = ctx.env.get("AWS_WEB_IDENTITY_TOKEN_FILE") else { return Ok(None) };
    let Some(role_arn) = ctx.env.get("AWS_ROLE_ARN") else {
        return Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set both, or neither",
        ));
    };
    Ok(Some(WebIdentity {
        role_arn: role_arn.trim().to_owned(),
        token_file: token_file.trim().to_owned(),
        session_name: ctx.env.get("AWS_ROLE_SESSION_NAME").map(|s| s.trim().to_owned()),
    }))
}

/// The web identity source of the default chain (the environment variables).
pub(crate) fn load_from_env(ctx: &Context) -> Result<Load, Error> {
    match from_env(ctx)? {
        None => Ok(Load::NotConfigured("AWS_WEB_IDENTITY_TOKEN_FILE is not set".into())),
        Some(w) => assume(ctx, &w, "web-identity-token").map(Load::Loaded),
    }
}

/// Reads the token and exchanges it. `session_base` names the default session: the Rust SDK's
/// `web-identity-token` for the environment, `web-identity-token-profile` for a profile.
pub(crate) fn assume(ctx: &Context, w: &WebIdentity, session_base: &str) -> Result<Credentials, Error> {
    let token = ctx.fs.read_to_string(Path::new(&w.token_file)).map_err(|e| {
        Error::configuration(
            ConfigErrorKind::File,
            format!("could not read the web identity token file {}: {e}", w.token_file),
        )
    })?;
    // A trailing newline is how editors and `echo` end files; it is not part of a token.
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::configuration(
            ConfigErrorKind::File,
            format!("the web identity token file {} is empty", w.token_file),
        ));
    }
    let session_name = match &w.session_name {
        Some(s) => s.clone(),
        None => sts::default_session_name(session_base, ctx.now()),
    };
    let body = sts::web_identity_body(&w.role_arn, &session_name, token);
    sts::call(ctx, "AssumeRoleWithWebIdentity", &body, None)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use super::super::replay::{self, ReplayServer, answer};
    use super::*;

    #[test]
    fn environment_settings() {
        let server = ReplayServer::start(Vec::new(), false);
        let ctx = |env: &[(&str, &str)]| replay::context(env, &server, None, Arc::new(SystemTime::now));
        assert_eq!(from_env(&ctx(&[("AWS_ROLE_ARN", "arn:r")])).unwrap(), None);
        let err = from_env(&ctx(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")])).unwrap_err().to_string();
        assert!(err.contains("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"), "{err}");
        let w = from_env(&ctx(&[("AWS_WEB_IDENTITY_TOKEN_FILE", " /t "), ("AWS_ROLE_ARN", "arn:r")])).unwrap().unwrap();
        assert_eq!((w.token_file.as_str(), w.session_name), ("/t", None));
    }

    #[test]
    fn the_call_is_unsigned_and_the_token_file_is_read_each_time() {
        let dir = std::env::temp_dir().join(format!("ec2-lite-web-identity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
            <AccessKeyId>ASIAW</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
            <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>\
            </AssumeRoleWithWebIdentityResponse>";
        let server = ReplayServer::start(vec![answer(200, &[], ok), answer(200, &[], ok)], false);
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_629_147_173_000);
        let env = [
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/token"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
            ("AWS_REGION", "eu-west-1"),
        ];
        let ctx = replay::context(&env, &server, Some(&dir), Arc::new(move || at));
        std::fs::write(dir.join("token"), "first\n").unwrap();
        let first = load_from_env(&ctx);
        std::fs::write(dir.join("token"), "second").unwrap();
        let second = load_from_env(&ctx);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(first, Ok(Load::Loaded(ref c)) if c.access_key_id() == "ASIAW"), "{first:?}");
        assert!(matches!(second, Ok(Load::Loaded(_))), "{second:?}");
        let sent = server.received();
        assert_eq!(sent[0].uri, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(sent[0].header("authorization"), None);
        assert!(
            sent[0].body.ends_with("RoleSessionName=web-identity-token-1629147173000&WebIdentityToken=first"),
            "{}",
            sent[0].body
        );
        assert!(sent[1].body.ends_with("&WebIdentityToken=second"), "{}", sent[1].body);
    }
}
