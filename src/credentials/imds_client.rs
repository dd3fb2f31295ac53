//! Where instance metadata is and whether to use it (the environment's and the profile's
//! settings), and the state its client shares: the session token and the last credentials.
//! The requests are in `imds.rs`.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-imds-credentials.html>

use std::fmt;
use std::sync::Mutex;
use std::time::SystemTime;

use super::Credentials;
use crate::Error;
use crate::env::Env;
use crate::http::Url;
use crate::profile::{ImdsEndpointMode, LoadedProfiles};

pub(super) const IPV4_ENDPOINT: &str = "http://169.254.169.254";
pub(super) const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";

/// The IMDSv2 client shared by the credential source and the region lookup.
pub(crate) struct ImdsClient {
    /// `http://169.254.169.254`, no trailing slash.
    pub(super) endpoint: String,
    /// Why IMDS is not to be used (`AWS_EC2_METADATA_DISABLED`), if so.
    pub(super) disabled: Option<String>,
    pub(super) token: Mutex<Option<(String, SystemTime)>>,
    /// The last credentials IMDS gave, used when a refresh fails.
    pub(super) last: Mutex<Option<Credentials>>,
}

impl fmt::Debug for ImdsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsClient").field("endpoint", &self.endpoint).field("disabled", &self.disabled).finish()
    }
}

/// The IMDS endpoint: `AWS_EC2_METADATA_SERVICE_ENDPOINT`, the profile's
/// `ec2_metadata_service_endpoint`, else the address of the mode (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`,
/// the profile's `ec2_metadata_service_endpoint_mode`), IPv4 by default.
fn endpoint(env: &Env, profiles: &LoadedProfiles) -> Result<String, Error> {
    let profile = profiles.profile();
    let explicit = match env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
        Some(url) => Some((url, "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned())),
        None => profile.and_then(|p| {
            Some((
                p.ec2_metadata_service_endpoint()?,
                format!("ec2_metadata_service_endpoint of profile `{}`", p.name()),
            ))
        }),
    };
    if let Some((url, source)) = explicit {
        let parsed = Url::endpoint(url.trim()).map_err(|e| super::bad_setting(&source, &e))?;
        return Ok(parsed.url().trim_end_matches('/').to_owned());
    }
    let mode = match env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") {
        Some(m) if m.trim().eq_ignore_ascii_case("ipv4") => Some(ImdsEndpointMode::Ipv4),
        Some(m) if m.trim().eq_ignore_ascii_case("ipv6") => Some(ImdsEndpointMode::Ipv6),
        Some(m) => {
            return Err(Error::config(format!(
                "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6, not {m:?}"
            )));
        }
        None => match profile {
            Some(p) => p.ec2_metadata_service_endpoint_mode()?,
            None => None,
        },
    };
    Ok(match mode {
        Some(ImdsEndpointMode::Ipv6) => IPV6_ENDPOINT,
        _ => IPV4_ENDPOINT,
    }
    .to_owned())
}

impl ImdsClient {
    /// The client the environment and the selected profile describe. A bad endpoint setting
    /// is an error now, as in the Rust SDK, not a silent fallback later.
    pub(crate) fn from_env(env: &Env, profiles: &LoadedProfiles) -> Result<Self, Error> {
        // Any case of `true`, as in both SDKs; other values leave IMDS on, also as they do.
        let disabled = env
            .get("AWS_EC2_METADATA_DISABLED")
            .filter(|v| v.trim().eq_ignore_ascii_case("true"))
            .map(|_| "AWS_EC2_METADATA_DISABLED is true".to_owned());
        Ok(ImdsClient { endpoint: endpoint(env, profiles)?, disabled, token: Mutex::new(None), last: Mutex::new(None) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint_of(env: &[(&str, &str)], config: &str) -> Result<String, Error> {
        endpoint(&Env::from_pairs(env.iter().copied()), &LoadedProfiles::from_text(config, "default"))
    }

    #[test]
    fn endpoint_selection() {
        assert_eq!(endpoint_of(&[], "").unwrap(), "http://169.254.169.254");
        assert_eq!(
            endpoint_of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")], "").unwrap(),
            "http://[fd00:ec2::254]"
        );
        let config = "[default]\nec2_metadata_service_endpoint_mode = ipv6\n";
        assert_eq!(endpoint_of(&[], config).unwrap(), "http://[fd00:ec2::254]");
        assert_eq!(endpoint_of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv4")], config).unwrap(), IPV4_ENDPOINT);
        let with_url = "[default]\nec2_metadata_service_endpoint = http://127.0.0.1:1338/\n";
        assert_eq!(endpoint_of(&[], with_url).unwrap(), "http://127.0.0.1:1338");
        let env = [
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://localhost:9"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
        ];
        assert_eq!(endpoint_of(&env, with_url).unwrap(), "http://localhost:9");
        let err = endpoint_of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254")], "").unwrap_err().to_string();
        assert!(err.contains("AWS_EC2_METADATA_SERVICE_ENDPOINT: invalid endpoint url"), "{err}");
        let err = endpoint_of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "v6")], "").unwrap_err().to_string();
        assert!(err.contains("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6"), "{err}");
    }

    #[test]
    fn disabled_by_any_case_of_true() {
        for (value, disabled) in [("true", true), ("TRUE", true), (" True ", true), ("false", false), ("1", false)] {
            let env = Env::from_pairs([("AWS_EC2_METADATA_DISABLED", value)]);
            let client = ImdsClient::from_env(&env, &LoadedProfiles::default()).unwrap();
            assert_eq!(client.disabled.is_some(), disabled, "{value}");
        }
    }
}
