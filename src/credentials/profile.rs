//! The profile source: the credentials the selected profile names (keys, a process, web
//! identity, SSO, another source), then the roles it assumes with them, in order.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html>

use super::web_identity::{self, WebIdentity};
use super::{Context, Credentials, Load, container, env, process, sso, sts};
use crate::profile::{BaseProvider, CredentialSource, RoleHop};
use crate::{ConfigErrorKind, Error};

/// Credentials from the selected profile. Not configured when the files have no profiles, no
/// `default` profile is selected and there is none, or the profile holds only settings; a
/// profile that names credentials which then fail is an error.
pub(crate) fn load(ctx: &Context) -> Result<Load, Error> {
    let name = &ctx.profiles.selected;
    let Some(chain) = ctx.profiles.credential_chain()? else {
        return Ok(Load::NotConfigured(format!(
            "profile `{name}` has no credentials in {}",
            ctx.profiles.describe_files()
        )));
    };
    let mut credentials = base(ctx, &chain.base, &chain.base_profile)
        .map_err(|e| Error::credentials("profile", format!("profile `{}`", chain.base_profile), Some(e)))?;
    for hop in &chain.roles {
        credentials = assume_role(ctx, hop, &credentials).map_err(|e| {
            let context = format!("profile `{}`: assuming role {}", hop.profile, hop.role_arn);
            Error::credentials("profile", context, Some(e))
        })?;
    }
    Ok(Load::Loaded(credentials))
}

fn base(ctx: &Context, base: &BaseProvider, profile: &str) -> Result<Credentials, Error> {
    // A source named by `credential_source` is configured on purpose: "not here" is an error.
    let required = |source: CredentialSource, load: Result<Load, Error>| match load? {
        Load::Loaded(c) => Ok(c),
        Load::NotConfigured(why) => Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("credential_source {}: {why}", source.as_str()),
        )),
    };
    match base {
        BaseProvider::StaticKeys(keys) => {
            let credentials = keys.to_credentials();
            Ok(match &keys.account_id {
                Some(id) => credentials.with_account_id(id),
                None => credentials,
            })
        }
        BaseProvider::CredentialSource(source @ CredentialSource::Environment) => {
            let load = env::from_env(&ctx.env)
                .map(|c| c.map_or_else(|| Load::NotConfigured("AWS_ACCESS_KEY_ID is not set".into()), Load::Loaded));
            required(*source, load)
        }
        BaseProvider::CredentialSource(source @ CredentialSource::Ec2InstanceMetadata) => {
            required(*source, ctx.imds.load_credentials(ctx))
        }
        BaseProvider::CredentialSource(source @ CredentialSource::EcsContainer) => {
            required(*source, container::load(ctx))
        }
        BaseProvider::WebIdentityToken { role_arn, web_identity_token_file, role_session_name } => {
            let w = WebIdentity {
                role_arn: role_arn.clone(),
                token_file: web_identity_token_file.clone(),
                session_name: role_session_name.clone(),
            };
            web_identity::assume(ctx, &w, "web-identity-token-profile")
        }
        BaseProvider::Sso(s) => sso::load(ctx, profile, s),
        BaseProvider::LoginSession { .. } => Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            "login_session (a console sign-in from `aws login`) is not supported by this crate; \
             use `aws configure export-credentials` with credential_process, or SSO",
        )),
        BaseProvider::CredentialProcess(p) => process::load(ctx, p),
    }
}

/// `AssumeRole` signed with `source`; the session name is the profile's, else the Rust SDK's
/// `assume-role-from-profile-<millis>`.
fn assume_role(ctx: &Context, hop: &RoleHop, source: &Credentials) -> Result<Credentials, Error> {
    let session_name = match &hop.role_session_name {
        Some(s) => s.clone(),
        None => sts::default_session_name("assume-role-from-profile", ctx.now()),
    };
    let call = sts::AssumeRole {
        role_arn: &hop.role_arn,
        session_name: &session_name,
        external_id: hop.external_id.as_deref(),
        duration_seconds: hop.duration_seconds,
    };
    sts::call(ctx, "AssumeRole", &sts::assume_role_body(&call), Some(source))
}
