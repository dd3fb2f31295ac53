//! Which credential chain a profile resolves to: a base provider, then the roles to assume in turn.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html>

use std::fmt;

use super::parse::{ProfileSet, Section};
use crate::Error;

/// Where the first credentials come from, then the roles assumed with them, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProfileChain {
    /// The provider that needs no other credentials.
    pub(crate) base: BaseProvider,
    /// The profile the base provider is read from, for messages.
    pub(crate) base_profile: String,
    /// Roles to assume, first to last: each is assumed with the credentials of the one before.
    pub(crate) roles: Vec<RoleHop>,
}

/// The first link of a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BaseProvider {
    /// `aws_access_key_id`, `aws_secret_access_key` and maybe `aws_session_token`.
    StaticKeys(StaticKeys),
    /// `credential_source`, only with `role_arn`: the keys come from another provider.
    CredentialSource(CredentialSource),
    /// `role_arn` with `web_identity_token_file`: STS `AssumeRoleWithWebIdentity`.
    WebIdentityToken {
        /// The role to assume.
        role_arn: String,
        /// The file holding the OIDC token, read at each refresh.
        web_identity_token_file: String,
        /// `role_session_name`, if set.
        role_session_name: Option<String>,
    },
    /// IAM Identity Center, with or without an `[sso-session]`.
    Sso(Sso),
    /// `login_session`: a console sign-in session from `aws login`.
    LoginSession {
        /// The ARN of the signed-in principal.
        login_session_arn: String,
    },
    /// `credential_process`: a command printing credentials as JSON.
    CredentialProcess(CredentialProcess),
}

/// Static keys from a profile. `Debug` shows the access key id only.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StaticKeys {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: Option<String>,
    /// `aws_account_id`, used for account-based endpoints.
    pub(crate) account_id: Option<String>,
}

impl StaticKeys {
    /// The keys as the crate's credentials.
    pub(crate) fn to_credentials(&self) -> crate::Credentials {
        crate::Credentials::new(&self.access_key_id, &self.secret_access_key, self.session_token.clone())
    }
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .field("account_id", &self.account_id)
            .finish()
    }
}

/// The providers `credential_source` may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CredentialSource {
    /// `Environment`: `AWS_ACCESS_KEY_ID` and friends.
    Environment,
    /// `Ec2InstanceMetadata`: the instance profile's role, through IMDS.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the container credentials endpoint.
    EcsContainer,
}

impl CredentialSource {
    /// The name as written in the file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CredentialSource::Environment => "Environment",
            CredentialSource::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            CredentialSource::EcsContainer => "EcsContainer",
        }
    }

    /// Any case, as the Rust SDK matches it.
    fn parse(s: &str) -> Option<Self> {
        [CredentialSource::Environment, CredentialSource::Ec2InstanceMetadata, CredentialSource::EcsContainer]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// IAM Identity Center settings, the session's resolved from its `[sso-session]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sso {
    /// `sso_session`, when the profile uses an `[sso-session]` section (token provider).
    pub(crate) sso_session: Option<String>,
    pub(crate) sso_region: String,
    pub(crate) sso_start_url: String,
    /// With `sso_role_name`, the account whose role credentials to fetch. Both or neither.
    pub(crate) sso_account_id: Option<String>,
    pub(crate) sso_role_name: Option<String>,
}

/// A `credential_process` command line. `Debug` shows the program only: arguments often
/// carry secrets (`--password ...`).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CredentialProcess {
    /// The whole command line, as written.
    pub(crate) command: String,
    /// `aws_account_id`, used when the process's output has none.
    pub(crate) account_id: Option<String>,
}

impl fmt::Debug for CredentialProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let command = self.command.trim();
        let shown = match command.split_once([' ', '\t']) {
            Some((program, _)) => format!("{program} ** arguments redacted **"),
            None => command.to_owned(),
        };
        f.debug_struct("CredentialProcess").field("command", &shown).field("account_id", &self.account_id).finish()
    }
}

/// One role to assume through STS `AssumeRole`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RoleHop {
    /// The profile that asked for the role, for error messages.
    pub(crate) profile: String,
    pub(crate) role_arn: String,
    pub(crate) external_id: Option<String>,
    /// `role_session_name`; the caller picks a default when unset.
    pub(crate) role_session_name: Option<String>,
    /// `duration_seconds`, checked to be within STS's 900 to 43200.
    pub(crate) duration_seconds: Option<u32>,
}

/// Why a profile gives no chain.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Unresolved {
    /// The files configure no credentials here: the default chain moves on to the next source.
    NotConfigured(String),
    /// A configuration the user has to fix.
    Invalid(String),
}

impl Unresolved {
    pub(super) fn message(&self) -> &str {
        match self {
            Unresolved::NotConfigured(m) | Unresolved::Invalid(m) => m,
        }
    }
}

/// The credential chain of profile `selected`. `Ok(None)` when the files hold no credentials
/// for it (no profiles at all, no `default` profile when `default` is selected, or a selected
/// profile with settings but no credentials), so the next source in the default chain is
/// tried; an error for a configuration that is wrong, naming the profile and the problem.
pub(crate) fn resolve_chain(set: &ProfileSet, selected: &str) -> Result<Option<ProfileChain>, Error> {
    match resolve(set, selected) {
        Ok(chain) => Ok(Some(chain)),
        Err(Unresolved::NotConfigured(_)) => Ok(None),
        Err(Unresolved::Invalid(message)) => Err(Error::config(message)),
    }
}

/// What to do after a profile that names a role.
enum Next<'a> {
    /// Read the base provider from this same profile (`source_profile` = itself, or
    /// `credential_source`).
    ThisProfile,
    Profile(&'a str),
}

/// [`resolve_chain`], telling "nothing configured" apart from "wrong" with a message either way.
pub(super) fn resolve(set: &ProfileSet, selected: &str) -> Result<ProfileChain, Unresolved> {
    if set.is_empty() {
        return Err(Unresolved::NotConfigured("no profiles were defined".into()));
    }
    if selected == "default" && set.profile("default").is_none() {
        return Err(Unresolved::NotConfigured("no default profile is defined".into()));
    }
    let mut visited: Vec<&str> = Vec::new();
    // The same names, for a check in constant time: a chain of 100,000 profiles is linear.
    let mut seen = std::collections::HashSet::new();
    let mut roles = Vec::new();
    let mut name = selected;
    let base = loop {
        let Some(profile) = set.profile(name) else {
            let message = match visited.last() {
                None => format!("the selected profile `{name}` is not defined in the config or credentials file"),
                Some(from) => format!("could not find source profile {name} referenced from {from}"),
            };
            return Err(Unresolved::Invalid(message));
        };
        if !seen.insert(name) {
            visited.push(name);
            return Err(Unresolved::Invalid(format!("profile formed an infinite loop: {}", loop_path(&visited))));
        }
        visited.push(name);
        // Past the first profile, a source profile's own keys win over its own `role_arn`, as
        // in the other SDKs (suite case "ignore assume role when static credentials present").
        if visited.len() > 1
            && let Ok(Some(keys)) = static_keys(profile)
        {
            break BaseProvider::StaticKeys(keys);
        }
        // `role_arn` is the only sign of a chain; with `web_identity_token_file` it belongs to
        // the web identity base provider instead.
        if profile.get("role_arn").is_none() || profile.get("web_identity_token_file").is_some() {
            break base_provider(set, profile).map_err(|e| match (e, visited.len()) {
                // A selected profile with only settings (`region`) is not an error.
                (e, 1) => e,
                (e, _) => {
                    let from = visited.iter().rev().nth(1).copied().unwrap_or(selected);
                    Unresolved::Invalid(format!("could not load source profile `{name}` of `{from}`: {}", e.message()))
                }
            })?;
        }
        roles.push(role_hop(profile)?);
        match next(profile)? {
            Next::ThisProfile => {
                // A profile that names a role always means to use one, so missing keys here
                // are an error, not "nothing configured".
                break base_provider(set, profile).map_err(|e| Unresolved::Invalid(e.message().to_owned()))?;
            }
            Next::Profile(source) => name = source,
        }
    };
    roles.reverse();
    Ok(ProfileChain { base, base_profile: name.to_owned(), roles })
}

fn next(profile: Section<'_>) -> Result<Next<'_>, Unresolved> {
    let invalid = |m: &str| Unresolved::Invalid(format!("profile `{}`: {m}", profile.name()));
    match (profile.get("source_profile"), profile.get("credential_source")) {
        (Some(_), Some(_)) => {
            Err(invalid("profile contained both source_profile and credential_source; set one of them"))
        }
        (None, None) => Err(invalid(
            "profile must contain `source_profile` or `credential_source` to say which credentials assume `role_arn`",
        )),
        (Some(source), None) if source.trim() == profile.name() => Ok(Next::ThisProfile),
        (Some(source), None) => Ok(Next::Profile(source.trim())),
        (None, Some(_)) => Ok(Next::ThisProfile),
    }
}

fn role_hop(profile: Section<'_>) -> Result<RoleHop, Unresolved> {
    let duration_seconds = match profile.get("duration_seconds") {
        None => None,
        Some(v) => match v.trim().parse::<u32>() {
            Ok(d) if (900..=43_200).contains(&d) => Some(d),
            _ => {
                return Err(Unresolved::Invalid(format!(
                    "profile `{}`: duration_seconds must be a whole number from 900 to 43200, not {v:?}",
                    profile.name()
                )));
            }
        },
    };
    let owned = |key| profile.get(key).map(|v| v.trim().to_owned());
    Ok(RoleHop {
        profile: profile.name().to_owned(),
        role_arn: owned("role_arn").unwrap_or_default(),
        external_id: owned("external_id"),
        role_session_name: owned("role_session_name"),
        duration_seconds,
    })
}

/// The provider a profile names without another profile's help, by the SDKs' precedence:
/// `credential_source`, web identity, SSO, `login_session`, `credential_process`, static keys.
fn base_provider(set: &ProfileSet, profile: Section<'_>) -> Result<BaseProvider, Unresolved> {
    let name = profile.name();
    let owned = |key| profile.get(key).map(|v| v.trim().to_owned());
    if let Some(source) = profile.get("credential_source") {
        return CredentialSource::parse(source).map(BaseProvider::CredentialSource).ok_or_else(|| {
            Unresolved::Invalid(format!(
                "profile `{name}`: credential_source {source:?} is not supported; \
                 use Environment, Ec2InstanceMetadata or EcsContainer"
            ))
        });
    }
    if let Some(web_identity_token_file) = owned("web_identity_token_file") {
        let Some(role_arn) = owned("role_arn") else {
            return Err(Unresolved::Invalid(format!(
                "profile `{name}`: `web_identity_token_file` was specified but `role_arn` was missing"
            )));
        };
        return Ok(BaseProvider::WebIdentityToken {
            role_arn,
            web_identity_token_file,
            role_session_name: owned("role_session_name"),
        });
    }
    if let Some(sso) = sso(set, profile)? {
        return Ok(BaseProvider::Sso(sso));
    }
    if let Some(login_session_arn) = owned("login_session") {
        return Ok(BaseProvider::LoginSession { login_session_arn });
    }
    if let Some(command) = owned("credential_process") {
        return Ok(BaseProvider::CredentialProcess(CredentialProcess { command, account_id: owned("aws_account_id") }));
    }
    match static_keys(profile)? {
        Some(keys) => Ok(BaseProvider::StaticKeys(keys)),
        None => Err(Unresolved::NotConfigured(format!("profile `{name}` did not contain credential information"))),
    }
}

/// `Ok(None)` when none of the three key properties is set; an error when only some are.
fn static_keys(profile: Section<'_>) -> Result<Option<StaticKeys>, Unresolved> {
    let owned = |key| profile.get(key).map(|v| v.trim().to_owned());
    let (id, secret, token) = (owned("aws_access_key_id"), owned("aws_secret_access_key"), owned("aws_session_token"));
    let missing = |key: &str| Unresolved::Invalid(format!("profile `{}`: profile missing {key}", profile.name()));
    match (id, secret) {
        (None, None) if token.is_none() => Ok(None),
        (None, _) => Err(missing("aws_access_key_id")),
        (Some(_), None) => Err(missing("aws_secret_access_key")),
        (Some(access_key_id), Some(secret_access_key)) => Ok(Some(StaticKeys {
            access_key_id,
            secret_access_key,
            session_token: token,
            account_id: owned("aws_account_id"),
        })),
    }
}

fn sso(set: &ProfileSet, profile: Section<'_>) -> Result<Option<Sso>, Unresolved> {
    let name = profile.name();
    let owned = |key| profile.get(key).map(|v| v.trim().to_owned());
    let sso_session = owned("sso_session");
    let sso_account_id = owned("sso_account_id");
    let sso_role_name = owned("sso_role_name");
    let (mut sso_region, mut sso_start_url) = (owned("sso_region"), owned("sso_start_url"));
    if [&sso_session, &sso_account_id, &sso_role_name, &sso_region, &sso_start_url].iter().all(|v| v.is_none()) {
        return Ok(None);
    }
    let invalid = |m: String| Unresolved::Invalid(format!("profile `{name}`: {m}"));
    if let Some(session) = &sso_session {
        // With a session, the region and start URL live in the `[sso-session]` section only,
        // so that they cannot disagree with it.
        for (key, value) in [("sso_start_url", &sso_start_url), ("sso_region", &sso_region)] {
            if value.is_some() {
                return Err(invalid(format!(
                    "`{key}` can only be specified in the [sso-session] config when a session name is given"
                )));
            }
        }
        let Some(section) = set.sso_session(session) else {
            return Err(Unresolved::Invalid(format!(
                "sso-session named `{session}` (referenced by profile `{name}`) was not found"
            )));
        };
        sso_region = section.get("sso_region").map(|v| v.trim().to_owned());
        sso_start_url = section.get("sso_start_url").map(|v| v.trim().to_owned());
    }
    match (&sso_account_id, &sso_role_name) {
        (Some(_), None) => {
            return Err(invalid("if `sso_account_id` is set, then `sso_role_name` must also be set".into()));
        }
        (None, Some(_)) => {
            return Err(invalid("if `sso_role_name` is set, then `sso_account_id` must also be set".into()));
        }
        _ => {}
    }
    let (Some(sso_region), Some(sso_start_url)) = (sso_region, sso_start_url) else {
        return Err(invalid("SSO needs both `sso_region` and `sso_start_url`".into()));
    };
    Ok(Some(Sso { sso_session, sso_region, sso_start_url, sso_account_id, sso_role_name }))
}

/// A loop of profiles as `a -> b -> a`; a long one shortened to its first and last five names,
/// so that the message stays short whatever the files hold.
fn loop_path(visited: &[&str]) -> String {
    const SHOWN: usize = 5;
    if visited.len() <= 2 * SHOWN + 1 {
        return visited.join(" -> ");
    }
    let (head, tail) = (&visited[..SHOWN], &visited[visited.len() - SHOWN..]);
    let skipped = visited.len() - 2 * SHOWN;
    format!("{} -> ... ({skipped} more) ... -> {}", head.join(" -> "), tail.join(" -> "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(config: &str) -> ProfileSet {
        ProfileSet::parse(Some(config), None).unwrap()
    }

    #[test]
    fn not_configured_is_none_and_invalid_is_an_error() {
        assert_eq!(resolve_chain(&ProfileSet::default(), "dev").unwrap(), None);
        assert_eq!(resolve_chain(&set("[profile dev]\nregion = x"), "default").unwrap(), None);
        assert_eq!(resolve_chain(&set("[default]\nregion = us-east-1"), "default").unwrap(), None);
        let err = resolve_chain(&set("[default]\nregion = x"), "dev").unwrap_err().to_string();
        assert!(err.contains("the selected profile `dev` is not defined"), "{err}");
        let err = resolve_chain(&set("[default]\naws_access_key_id = A"), "default").unwrap_err().to_string();
        assert!(err.contains("profile `default`: profile missing aws_secret_access_key"), "{err}");
        // A role with nothing to assume it with is an error even at the root.
        let err = resolve_chain(&set("[default]\nrole_arn = r\nsource_profile = default"), "default").unwrap_err();
        assert!(err.to_string().contains("did not contain credential information"), "{err}");
    }

    #[test]
    fn role_hops_carry_their_settings() {
        let s = set("[profile a]\nrole_arn = arn:a\nsource_profile = b\nduration_seconds = 3600\nexternal_id = x\n\
             [profile b]\nrole_arn = arn:b\ncredential_source = ecscontainer\nrole_session_name = s");
        let chain = resolve(&s, "a").unwrap();
        assert_eq!(chain.base, BaseProvider::CredentialSource(CredentialSource::EcsContainer));
        let hops: Vec<_> =
            chain.roles.iter().map(|r| (r.profile.as_str(), r.role_arn.as_str(), r.duration_seconds)).collect();
        assert_eq!(hops, [("b", "arn:b", None), ("a", "arn:a", Some(3600))]);
        assert_eq!(chain.roles[0].role_session_name.as_deref(), Some("s"));
        assert_eq!(chain.roles[1].external_id.as_deref(), Some("x"));
        for bad in ["899", "43201", "1h", "-1"] {
            let s = set(&format!("[default]\nrole_arn = r\ncredential_source = Environment\nduration_seconds = {bad}"));
            let err = resolve(&s, "default").unwrap_err();
            assert!(err.message().contains("profile `default`: duration_seconds must be"), "{err:?}");
        }
    }

    #[test]
    fn unknown_credential_source_is_an_error() {
        let err = resolve(&set("[default]\nrole_arn = r\ncredential_source = Floozle"), "default").unwrap_err();
        assert!(err.message().contains("credential_source \"Floozle\" is not supported"), "{err:?}");
    }

    #[test]
    fn base_provider_precedence() {
        let all = "[default]\naws_access_key_id = A\naws_secret_access_key = S\ncredential_process = p\n";
        let chain = resolve(&set(all), "default").unwrap();
        assert!(matches!(chain.base, BaseProvider::CredentialProcess(_)), "{chain:?}");
        let with_login = format!("{all}login_session = arn:u");
        let chain = resolve(&set(&with_login), "default").unwrap();
        assert!(matches!(chain.base, BaseProvider::LoginSession { .. }), "{chain:?}");
        let with_sso = format!("{with_login}\nsso_region = r\nsso_start_url = u");
        let chain = resolve(&set(&with_sso), "default").unwrap();
        assert!(matches!(chain.base, BaseProvider::Sso(_)), "{chain:?}");
        let err = resolve(&set("[default]\nsso_region = r"), "default").unwrap_err();
        assert!(err.message().contains("needs both `sso_region` and `sso_start_url`"), "{err:?}");
    }

    #[test]
    fn debug_hides_secrets() {
        let chain = resolve(
            &set("[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\naws_session_token = TOKEN"),
            "default",
        )
        .unwrap();
        let shown = format!("{chain:?}");
        assert!(shown.contains("AKID") && !shown.contains("SECRET") && !shown.contains("TOKEN"), "{shown}");
        let BaseProvider::StaticKeys(keys) = &chain.base else { panic!("{chain:?}") };
        assert_eq!(keys.to_credentials().session_token(), Some("TOKEN"));
        let p = CredentialProcess { command: "/bin/creds --password hunter2".into(), account_id: None };
        let shown = format!("{p:?}");
        assert!(shown.contains("/bin/creds ** arguments redacted **") && !shown.contains("hunter2"), "{shown}");
    }
}
