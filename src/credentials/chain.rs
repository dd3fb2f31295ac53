//! The default credential chain, in the Rust SDK's order, cached and refreshed before expiry.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>

use std::fmt;
use std::sync::Arc;

use super::cache::LazyCache;
use super::context::Setup;
use super::{Context, Credentials, Load, ProvideCredentials, container, env, profile, web_identity};
use crate::error::{TransportError, TransportErrorKind};
use crate::{ConfigErrorKind, Error};

/// The credentials of the AWS SDKs' default chain, looked up where the AWS CLI would look.
///
/// The sources, in the Rust SDK's order:
///
/// 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
/// 2. the profile (`AWS_PROFILE`, else `default`) of the shared `config` and `credentials`
///    files: keys, `credential_process`, `role_arn` with `source_profile` or
///    `credential_source` (STS `AssumeRole`, chains of them), `web_identity_token_file`, and
///    `sso_session` / `sso_*` with the token `aws sso login` cached;
/// 3. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`;
/// 4. the container endpoint: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`;
/// 5. EC2 instance metadata (IMDSv2), unless `AWS_EC2_METADATA_DISABLED` is true.
///
/// A source that is not configured is skipped; one that is configured but fails stops the
/// chain with an error naming it and the reason. Temporary credentials are cached and
/// refreshed a few minutes before they expire, by one caller while the others keep using
/// them. Clones share the cache.
///
/// ```no_run
/// let chain = ec2_lite::DefaultCredentialsChain::builder().profile("prod").build()?;
/// let client = ec2_lite::Client::builder().credentials_provider(chain).region("eu-west-1").build()?;
/// # Ok::<(), ec2_lite::Error>(())
/// ```
///
/// [`Client::from_env`](crate::Client::from_env) uses this chain already.
#[derive(Clone)]
pub struct DefaultCredentialsChain {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Context,
    cache: LazyCache,
}

impl fmt::Debug for DefaultCredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredentialsChain")
            .field("profile", &self.inner.ctx.profiles.selected)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

/// Builds a [`DefaultCredentialsChain`]; what is not set comes from the environment.
#[derive(Debug, Clone, Default)]
pub struct DefaultCredentialsChainBuilder {
    profile: Option<String>,
    region: Option<String>,
}

impl DefaultCredentialsChainBuilder {
    /// Use this profile rather than `AWS_PROFILE`. As with the AWS CLI's `--profile`, the
    /// environment's keys are then not used: a profile named here means its credentials.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// The region of the STS endpoint roles are assumed at; else `AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, the profile's `region`, and last `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Reads the environment and the shared files. Nothing is fetched until credentials are
    /// first asked for.
    ///
    /// # Errors
    /// [`Error::Config`] for a configuration that is wrong: a file that does not parse (with
    /// its path and line), a named profile that does not exist, a bad proxy, CA bundle or
    /// instance metadata endpoint setting.
    pub fn build(self) -> Result<DefaultCredentialsChain, Error> {
        let setup = Setup { profile: self.profile, region: self.region, ..Setup::from_process() };
        Ok(DefaultCredentialsChain::from_context(Context::load(setup)?))
    }
}

impl DefaultCredentialsChain {
    /// A builder, to name the profile or the region.
    pub fn builder() -> DefaultCredentialsChainBuilder {
        DefaultCredentialsChainBuilder::default()
    }

    /// The chain as the environment configures it.
    ///
    /// # Errors
    /// As [`DefaultCredentialsChainBuilder::build`].
    pub fn from_env() -> Result<DefaultCredentialsChain, Error> {
        DefaultCredentialsChain::builder().build()
    }

    pub(crate) fn from_context(ctx: Context) -> Self {
        let cache = LazyCache::new(Arc::clone(&ctx.clock));
        DefaultCredentialsChain { inner: Arc::new(Inner { ctx, cache }) }
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        self.inner.cache.get(|| resolve_within(&self.inner.ctx))
    }
}

/// [`resolve`], given up after the context's load timeout (5 s by default, as in the Rust
/// SDK): a slow IMDS, a container endpoint that trickles, a `credential_process` waiting on a
/// prompt must not hang the call. The walk goes on in its thread until its own timeouts end
/// it (the process is killed at the same deadline); its result is dropped.
fn resolve_within(ctx: &Context) -> Result<Credentials, Error> {
    // The first source reads variables already in memory and cannot block: when it has the
    // keys, no thread is needed (most CLI calls and every container with injected keys).
    if let Ok(Load::Loaded(c)) = environment(ctx) {
        return Ok(c);
    }
    let timeout = ctx.load_timeout;
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let walker = ctx.clone();
    let spawned = std::thread::Builder::new().name("ec2-lite-credentials".into()).spawn(move || {
        let _ = tx.send(resolve(&walker));
    });
    if spawned.is_err() {
        // No thread to spare: walk here, bounded by the sources' own timeouts.
        return resolve(ctx);
    }
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => {
            let cause = TransportError::new(
                TransportErrorKind::Timeout,
                format!("loading credentials took longer than {:.1}s", timeout.as_secs_f64()),
            );
            Err(Error::credentials("chain", "could not load credentials", Some(Error::Transport(cause))))
        }
    }
}

/// One source of the chain: a label for messages (none when the source's own messages say
/// which it is) and how to load.
/// The second name is the provider an [`Error::Credentials`] names when the source's own
/// error is not one.
type Source = (&'static str, &'static str, Option<&'static str>, fn(&Context) -> Result<Load, Error>);

const SOURCES: [Source; 5] = [
    ("the environment", "environment", None, environment),
    ("the profile", "profile", None, profile::load),
    (
        "web identity",
        "web identity",
        Some("web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)"),
        web_identity::load_from_env,
    ),
    ("the container endpoint", "container", Some("container credentials"), container::load),
    ("instance metadata", "instance metadata", Some("instance metadata (IMDS)"), instance_metadata),
];

fn environment(ctx: &Context) -> Result<Load, Error> {
    if ctx.profile_explicit {
        return Ok(Load::NotConfigured(format!("skipped: profile `{}` was named", ctx.profiles.selected)));
    }
    Ok(match env::from_env(&ctx.env)? {
        Some(c) => Load::Loaded(c),
        None => Load::NotConfigured("AWS_ACCESS_KEY_ID is not set".into()),
    })
}

fn instance_metadata(ctx: &Context) -> Result<Load, Error> {
    ctx.imds.load_credentials(ctx)
}

/// Walks the chain once, uncached: the first source that is configured decides.
pub(crate) fn resolve(ctx: &Context) -> Result<Credentials, Error> {
    let mut tried = Vec::with_capacity(SOURCES.len());
    for (name, provider, label, load) in SOURCES {
        match load(ctx) {
            Ok(Load::Loaded(c)) => return Ok(c),
            Ok(Load::NotConfigured(why)) => tried.push(format!("{name} ({why})")),
            Err(e) => {
                let context = match label {
                    Some(label) => format!("could not load credentials: {label}"),
                    None => "could not load credentials".to_owned(),
                };
                return Err(Error::credentials(provider, context, Some(e)));
            }
        }
    }
    Err(Error::configuration(
        ConfigErrorKind::NoCredentials,
        format!("no credentials found; tried {}", tried.join(", ")),
    ))
}
