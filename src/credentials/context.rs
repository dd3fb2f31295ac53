//! What every credential source reads: the environment, the shared files, HTTP, the clock.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>

use std::fmt;
use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::ImdsClient;
use crate::Error;
use crate::config::{self, Env, Fs};
use crate::http::{self, HttpClient, HttpSettings};
use crate::profile::{self, LoadedProfiles};

/// The time now. A parameter so that tests replay recordings at the time they were made.
pub(crate) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
/// Waits between attempts. Tests do not wait.
pub(crate) type Sleep = Arc<dyn Fn(Duration) + Send + Sync>;
/// Resolves a host name to its addresses (the container source checks where a full URI points).
pub(crate) type Resolve = Arc<dyn Fn(&str, u16) -> io::Result<Vec<IpAddr>> + Send + Sync>;

/// How to build a [`Context`]: what the caller set, the rest comes from the environment.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) env: Env,
    pub(crate) fs: Fs,
    /// A profile named by the caller (builder, `--profile`); else `AWS_PROFILE`.
    pub(crate) profile: Option<String>,
    /// The region named by the caller; else the environment's or the profile's.
    pub(crate) region: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    /// Plain HTTP to a custom STS or SSO endpoint that is not this machine.
    pub(crate) allow_insecure_http: bool,
    #[cfg(test)]
    pub(crate) redirect: Option<String>,
}

impl Setup {
    /// The process environment and file system, the client's default timeouts.
    pub(crate) fn from_process() -> Self {
        Setup {
            env: Env::from_process(),
            fs: Fs::real(),
            profile: None,
            region: None,
            connect_timeout: crate::DEFAULT_CONNECT_TIMEOUT,
            read_timeout: crate::DEFAULT_READ_TIMEOUT,
            allow_insecure_http: false,
            #[cfg(test)]
            redirect: None,
        }
    }
}

/// Shared by every source of one chain; cheap to clone.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) env: Env,
    pub(crate) fs: Fs,
    pub(crate) profiles: Arc<LoadedProfiles>,
    /// The profile was named by the caller, not by `AWS_PROFILE`: as in botocore (`aws
    /// --profile`), the environment's keys are then not used.
    pub(crate) profile_explicit: bool,
    pub(crate) http: HttpClient,
    pub(crate) settings: HttpSettings,
    pub(crate) imds: Arc<ImdsClient>,
    /// The region STS is called in; `None` when neither the caller, the environment nor the
    /// profile names one.
    pub(crate) region: Option<String>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) clock: Clock,
    pub(crate) sleep: Sleep,
    pub(crate) resolve: Resolve,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("profile", &self.profiles.selected)
            .field("region", &self.region)
            .field("imds", &self.imds)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Reads the files, checks the profile, the proxies, the CA bundle and the metadata
    /// endpoint. Configuration errors surface here; nothing is fetched yet.
    pub(crate) fn load(setup: Setup) -> Result<Context, Error> {
        let Setup { env, fs, profile, region, connect_timeout, read_timeout, allow_insecure_http, .. } = setup;
        let mut profiles = profile::load(&env, &fs)?;
        let profile = profile.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        let profile_explicit = profile.is_some();
        if let Some(name) = profile {
            profiles.selected = name;
            profiles.check_selected("named explicitly")?;
        } else if env.get("AWS_PROFILE").is_some() {
            profiles.check_selected("from AWS_PROFILE")?;
        }
        #[allow(unused_mut)]
        let mut settings = HttpSettings::from_env(&env, &fs, &profiles, connect_timeout, read_timeout)?;
        #[cfg(test)]
        {
            settings.redirect = setup.redirect;
        }
        let http = HttpClient::new(http::agent(&settings, None)?, settings.clone());
        let imds = Arc::new(ImdsClient::from_env(&env, &profiles)?);
        let region = match region.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()) {
            Some(r) => Some(r),
            None => config::configured_region(&env, &profiles).map(|(r, _)| r),
        };
        if let Some(r) = &region {
            config::validate_region(r)?;
        }
        Ok(Context {
            env,
            fs,
            profiles: Arc::new(profiles),
            profile_explicit,
            http,
            settings,
            imds,
            region,
            allow_insecure_http,
            clock: Arc::new(SystemTime::now),
            sleep: Arc::new(std::thread::sleep),
            resolve: Arc::new(dns_lookup),
        })
    }

    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// The region STS is called in: the configured one, else `us-east-1`, where the SDKs'
    /// global STS endpoint lives.
    pub(crate) fn sts_region(&self) -> &str {
        self.region.as_deref().unwrap_or("us-east-1")
    }
}

/// The addresses of `host`, from the system resolver.
fn dns_lookup(host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
    Ok((host, port).to_socket_addrs()?.map(|a| a.ip()).collect())
}

/// A number in [0, 1) for backoff and expiry jitter. std's `RandomState` is seeded from the
/// OS and differs per instance: plenty for jitter, and no dependency.
pub(crate) fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Full-jitter backoff before attempt `attempt + 1`: up to `base * 2^(attempt - 1)`, at most 20 s.
pub(crate) fn backoff(base: Duration, attempt: u32) -> Duration {
    let cap = base.saturating_mul(1 << attempt.saturating_sub(1).min(10)).min(Duration::from_secs(20));
    cap.mul_f64(random_fraction())
}
