//! Region and endpoint resolution.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>

use crate::env::Env;
use crate::http::Url;
use crate::profile::LoadedProfiles;
use crate::{Error, RetryMode};

/// Region from the environment, then the selected profile's `region`, with where it came from.
/// The Rust SDK's order; botocore reads `AWS_DEFAULT_REGION` only, not `AWS_REGION`.
pub(crate) fn configured_region(env: &Env, profiles: &LoadedProfiles) -> Option<(String, String)> {
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = env.get(var) {
            return Some((r.trim().to_owned(), var.to_owned()));
        }
    }
    let profile = profiles.profile()?;
    Some((profile.region()?.to_owned(), format!("region of profile `{}`", profile.name())))
}

/// A boolean setting from the environment, else from the selected profile.
fn env_or_profile_bool(
    env: &Env,
    var: &str,
    profiles: &LoadedProfiles,
    key: fn(&crate::profile::Section<'_>) -> Result<Option<bool>, Error>,
) -> Result<Option<bool>, Error> {
    if let Some(v) = env.get_bool(var)? {
        return Ok(Some(v));
    }
    match profiles.profile() {
        Some(p) => key(&p),
        None => Ok(None),
    }
}

/// `AWS_USE_FIPS_ENDPOINT`, else the profile's `use_fips_endpoint`.
pub(crate) fn use_fips(env: &Env, profiles: &LoadedProfiles) -> Result<bool, Error> {
    Ok(env_or_profile_bool(env, "AWS_USE_FIPS_ENDPOINT", profiles, |p| p.use_fips_endpoint())?.unwrap_or(false))
}

/// `AWS_USE_DUALSTACK_ENDPOINT`, else the profile's `use_dualstack_endpoint`.
pub(crate) fn use_dual_stack(env: &Env, profiles: &LoadedProfiles) -> Result<bool, Error> {
    Ok(env_or_profile_bool(env, "AWS_USE_DUALSTACK_ENDPOINT", profiles, |p| p.use_dualstack_endpoint())?
        .unwrap_or(false))
}

/// Attempts per call: `AWS_MAX_ATTEMPTS`, else the profile's `max_attempts`.
/// Zero or a non-number is an error naming where it came from.
pub(crate) fn max_attempts(env: &Env, profiles: &LoadedProfiles) -> Result<Option<u32>, Error> {
    if let Some(v) = env.get("AWS_MAX_ATTEMPTS") {
        return match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(Error::config(format!("AWS_MAX_ATTEMPTS must be a whole number of at least 1, not {v:?}"))),
        };
    }
    match profiles.profile() {
        Some(p) => p.max_attempts(),
        None => Ok(None),
    }
}

/// The retry mode: `AWS_RETRY_MODE`, else the profile's `retry_mode` (`standard` or
/// `adaptive`, any case); anything else is an error naming where it came from.
pub(crate) fn retry_mode(env: &Env, profiles: &LoadedProfiles) -> Result<Option<RetryMode>, Error> {
    if let Some(v) = env.get("AWS_RETRY_MODE") {
        return match v.trim().to_ascii_lowercase().as_str() {
            "standard" => Ok(Some(RetryMode::Standard)),
            "adaptive" => Ok(Some(RetryMode::Adaptive)),
            _ => Err(Error::config(format!("AWS_RETRY_MODE must be standard or adaptive, not {v:?}"))),
        };
    }
    match profiles.profile() {
        Some(p) => p.retry_mode(),
        None => Ok(None),
    }
}

/// Whether to correct for clock skew: on unless
/// `AWS_DISABLE_CLOCK_SKEW_CORRECTION` or the profile's
/// `disable_clock_skew_correction` is true.
pub(crate) fn clock_skew_correction(env: &Env, profiles: &LoadedProfiles) -> Result<bool, Error> {
    let disabled =
        env_or_profile_bool(env, "AWS_DISABLE_CLOCK_SKEW_CORRECTION", profiles, |p| p.disable_clock_skew_correction())?;
    Ok(!disabled.unwrap_or(false))
}

/// The environment variable that sets a service's endpoint: `AWS_ENDPOINT_URL_` and the
/// service id upper-cased, spaces as underscores (`EC2`, `STS`, `SSO`).
pub(crate) fn service_endpoint_var(service_id: &str) -> String {
    format!("AWS_ENDPOINT_URL_{}", service_id.trim().to_ascii_uppercase().replace(' ', "_"))
}

/// An endpoint URL the user configured, and where: the variable, or the profile setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfiguredEndpoint {
    pub(crate) url: String,
    /// `AWS_ENDPOINT_URL_EC2`, or `endpoint_url of profile `dev``, for messages.
    pub(crate) source: String,
}

impl ConfiguredEndpoint {
    /// The URL parsed, an error naming where it came from when it is not a URL.
    pub(crate) fn parse(&self) -> Result<Url, Error> {
        Url::endpoint(&self.url).map_err(|e| match e {
            Error::Config(c) => Error::configuration(c.kind(), format!("{}: {}", self.source, c.message())),
            other => other,
        })
    }
}

/// The endpoint configured for a service, in the SDKs' order: `AWS_ENDPOINT_URL_<SERVICE>`,
/// `AWS_ENDPOINT_URL`, the `[services]` section the selected profile names, the profile's
/// `endpoint_url`. None of them when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (else the profile's
/// `ignore_configured_endpoint_urls`) is true. botocore agrees on all of it.
pub(crate) fn configured_endpoint(
    service_id: &str,
    env: &Env,
    profiles: &LoadedProfiles,
) -> Result<Option<ConfiguredEndpoint>, Error> {
    let ignore = env_or_profile_bool(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", profiles, |p| {
        p.ignore_configured_endpoint_urls()
    })?;
    if ignore == Some(true) {
        return Ok(None);
    }
    let found = |url: &str, source: String| Some(ConfiguredEndpoint { url: url.trim().to_owned(), source });
    let service_var = service_endpoint_var(service_id);
    for var in [service_var.as_str(), "AWS_ENDPOINT_URL"] {
        if let Some(url) = env.get(var) {
            return Ok(found(url, var.to_owned()));
        }
    }
    let Some(profile) = profiles.profile() else { return Ok(None) };
    let key = service_id.trim().to_ascii_lowercase().replace(' ', "_");
    if let Some(url) = profiles.set.service_endpoint_url(profile, &key) {
        let section = profile.services_name().unwrap_or_default();
        return Ok(found(url, format!("`{key}` endpoint_url in the [services {section}] section")));
    }
    Ok(profile.endpoint_url().and_then(|url| found(url, format!("endpoint_url of profile `{}`", profile.name()))))
}

/// Checks a region name is a DNS label, as botocore does, so it cannot bend
/// the endpoint's host name (`us-east-1.evil.com/`).
pub(crate) fn validate_region(region: &str) -> Result<(), Error> {
    let b = region.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric);
    if ok { Ok(()) } else { Err(Error::config(format!("invalid region name {region:?}"))) }
}

/// One AWS partition: which regions it holds and its DNS suffixes.
struct Partition {
    /// Region prefix (`cn-`), checked in table order; the `aws` partition is the fallback.
    prefix: &'static str,
    name: &'static str,
    dns_suffix: &'static str,
    dual_stack_dns_suffix: &'static str,
}

/// From botocore's `partitions.json`, less the `aws` partition ([`AWS`]), which
/// the endpoint rules fall back to for any region they do not know.
const PARTITIONS: &[Partition] = &[
    Partition {
        prefix: "cn-",
        name: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
    },
    Partition { prefix: "us-gov-", name: "aws-us-gov", dns_suffix: "amazonaws.com", dual_stack_dns_suffix: "api.aws" },
    Partition {
        prefix: "us-isob-",
        name: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
    },
    Partition {
        prefix: "us-isof-",
        name: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
    },
    Partition { prefix: "us-iso-", name: "aws-iso", dns_suffix: "c2s.ic.gov", dual_stack_dns_suffix: "api.aws.ic.gov" },
    Partition {
        prefix: "eu-isoe-",
        name: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
    },
    Partition {
        prefix: "eusc-de-",
        name: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
    },
];

fn partition(region: &str) -> &'static Partition {
    // Each partition's regionRegex is `^{prefix}\w+-\d+$`.
    let shaped = |rest: &str| {
        rest.rsplit_once('-').is_some_and(|(word, num)| {
            !word.is_empty()
                && word.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                && !num.is_empty()
                && num.bytes().all(|c| c.is_ascii_digit())
        })
    };
    PARTITIONS
        .iter()
        .find(|p| !p.prefix.is_empty() && region.strip_prefix(p.prefix).is_some_and(shaped))
        .unwrap_or(&AWS)
}

/// The commercial partition, which every unknown region falls back to.
const AWS: Partition =
    Partition { prefix: "", name: "aws", dns_suffix: "amazonaws.com", dual_stack_dns_suffix: "api.aws" };

/// The partition name of a region (`aws`, `aws-cn`, `aws-us-gov`, ...).
pub fn partition_of(region: &str) -> &'static str {
    partition(region).name
}

/// Which variant of a service's endpoint [`default_endpoint`] gives.
///
/// ```
/// use ec2_lite::{EndpointOptions, default_endpoint};
/// let options = EndpointOptions::default().fips(true).dual_stack(true);
/// assert_eq!(default_endpoint("ec2", "eu-west-1", options), "https://ec2-fips.eu-west-1.api.aws");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointOptions {
    /// The FIPS 140 endpoint (`AWS_USE_FIPS_ENDPOINT`). Default off.
    pub fips: bool,
    /// The dual-stack (IPv6) endpoint (`AWS_USE_DUALSTACK_ENDPOINT`). Default off.
    pub dual_stack: bool,
}

impl EndpointOptions {
    /// The FIPS endpoint, or not.
    pub fn fips(mut self, fips: bool) -> Self {
        self.fips = fips;
        self
    }

    /// The dual-stack endpoint, or not.
    pub fn dual_stack(mut self, dual_stack: bool) -> Self {
        self.dual_stack = dual_stack;
        self
    }
}

/// The default endpoint of `service` (`ec2`, `sts`) in `region`, following
/// the service's endpoint rules: `https://{service}[-fips].{region}.{suffix}`,
/// where GovCloud's regular endpoint is already FIPS.
pub fn default_endpoint(service: &str, region: &str, options: EndpointOptions) -> String {
    let EndpointOptions { fips, dual_stack } = options;
    let p = partition(region);
    let suffix = if dual_stack { p.dual_stack_dns_suffix } else { p.dns_suffix };
    // GovCloud's regular endpoint is already FIPS; its dual-stack one is not.
    let fips_suffix = if fips && (dual_stack || p.name != "aws-us-gov") { "-fips" } else { "" };
    format!("https://{service}{fips_suffix}.{region}.{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_endpoints_match_botocore() {
        let cases = [
            ("us-east-1", false, false, "https://ec2.us-east-1.amazonaws.com"),
            ("us-east-1", true, false, "https://ec2-fips.us-east-1.amazonaws.com"),
            ("us-east-1", false, true, "https://ec2.us-east-1.api.aws"),
            ("us-east-1", true, true, "https://ec2-fips.us-east-1.api.aws"),
            ("cn-north-1", false, false, "https://ec2.cn-north-1.amazonaws.com.cn"),
            ("cn-north-1", true, false, "https://ec2-fips.cn-north-1.amazonaws.com.cn"),
            ("cn-north-1", false, true, "https://ec2.cn-north-1.api.amazonwebservices.com.cn"),
            ("cn-north-1", true, true, "https://ec2-fips.cn-north-1.api.amazonwebservices.com.cn"),
            ("us-gov-west-1", false, false, "https://ec2.us-gov-west-1.amazonaws.com"),
            ("us-gov-west-1", true, false, "https://ec2.us-gov-west-1.amazonaws.com"),
            ("us-gov-west-1", false, true, "https://ec2.us-gov-west-1.api.aws"),
            ("us-gov-west-1", true, true, "https://ec2-fips.us-gov-west-1.api.aws"),
            ("us-iso-east-1", false, false, "https://ec2.us-iso-east-1.c2s.ic.gov"),
            ("us-iso-east-1", true, false, "https://ec2-fips.us-iso-east-1.c2s.ic.gov"),
            ("us-iso-east-1", false, true, "https://ec2.us-iso-east-1.api.aws.ic.gov"),
            ("us-isob-east-1", false, false, "https://ec2.us-isob-east-1.sc2s.sgov.gov"),
            ("us-isob-east-1", true, false, "https://ec2-fips.us-isob-east-1.sc2s.sgov.gov"),
            ("us-isob-east-1", false, true, "https://ec2.us-isob-east-1.api.aws.scloud"),
            ("eu-isoe-west-1", false, false, "https://ec2.eu-isoe-west-1.cloud.adc-e.uk"),
            ("us-isof-south-1", false, false, "https://ec2.us-isof-south-1.csp.hci.ic.gov"),
            ("eusc-de-east-1", false, false, "https://ec2.eusc-de-east-1.amazonaws.eu"),
            ("eusc-de-east-1", true, false, "https://ec2-fips.eusc-de-east-1.amazonaws.eu"),
            ("eusc-de-east-1", false, true, "https://ec2.eusc-de-east-1.api.amazonwebservices.eu"),
            ("mars-1", false, false, "https://ec2.mars-1.amazonaws.com"),
        ];
        for (region, fips, ds, want) in cases {
            let options = EndpointOptions::default().fips(fips).dual_stack(ds);
            assert_eq!(default_endpoint("ec2", region, options), want, "{region} fips={fips} ds={ds}");
        }
    }

    #[test]
    fn regions_must_be_dns_labels() {
        assert!(validate_region("us-east-1").is_ok());
        for bad in ["", "us-east-1.evil.com", "us east", "-us", "us/1"] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }

    fn profiles(config: &str, selected: &str) -> LoadedProfiles {
        LoadedProfiles::from_text(config, selected)
    }

    fn endpoint(env: &[(&str, &str)], config: &str, service: &str) -> Option<(String, String)> {
        let env = Env::from_pairs(env.iter().copied());
        configured_endpoint(service, &env, &profiles(config, "default")).unwrap().map(|e| (e.url, e.source))
    }

    #[test]
    fn endpoint_precedence() {
        let config = "[default]\nendpoint_url = http://profile\nservices = s\n\
                      [services s]\nec2 =\n  endpoint_url = http://section\n";
        let both = [("AWS_ENDPOINT_URL", "http://a"), ("AWS_ENDPOINT_URL_EC2", "http://b")];
        assert_eq!(endpoint(&both, config, "EC2"), Some(("http://b".into(), "AWS_ENDPOINT_URL_EC2".into())));
        assert_eq!(endpoint(&both, config, "STS"), Some(("http://a".into(), "AWS_ENDPOINT_URL".into())));
        let (url, source) = endpoint(&[], config, "EC2").unwrap();
        assert_eq!(
            (url.as_str(), source.as_str()),
            ("http://section", "`ec2` endpoint_url in the [services s] section")
        );
        let (url, source) = endpoint(&[], config, "STS").unwrap();
        assert_eq!((url.as_str(), source.as_str()), ("http://profile", "endpoint_url of profile `default`"));
        let ignored = [("AWS_ENDPOINT_URL", "http://a"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")];
        assert_eq!(endpoint(&ignored, config, "EC2"), None);
        let in_profile = format!("{config}\n[default]\nignore_configured_endpoint_urls = true\n");
        assert_eq!(endpoint(&[("AWS_ENDPOINT_URL", "http://a")], &in_profile, "EC2"), None);
        // The variable beats the profile, either way.
        let not_ignored = [("AWS_ENDPOINT_URL", "http://a"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")];
        assert_eq!(endpoint(&not_ignored, &in_profile, "EC2").map(|e| e.0).as_deref(), Some("http://a"));
        let env = Env::from_pairs([("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "yes")]);
        assert!(configured_endpoint("EC2", &env, &profiles("", "default")).is_err());
        assert_eq!(service_endpoint_var("elastic load balancing"), "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING");
        let bad = ConfiguredEndpoint { url: "ftp://x".into(), source: "AWS_ENDPOINT_URL_STS".into() };
        assert!(bad.parse().unwrap_err().to_string().contains("AWS_ENDPOINT_URL_STS: invalid endpoint url"));
    }

    #[test]
    fn region_and_flags_env_before_profile() {
        let env = Env::from_pairs([("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "us-east-1")]);
        let p = profiles("[profile dev]\nregion = ap-south-1\nuse_fips_endpoint = true\n", "dev");
        assert_eq!(configured_region(&env, &p), Some(("eu-west-1".into(), "AWS_REGION".into())));
        let none = Env::from_pairs([]);
        assert_eq!(configured_region(&none, &p), Some(("ap-south-1".into(), "region of profile `dev`".into())));
        assert!(use_fips(&none, &p).unwrap());
        assert!(!use_fips(&Env::from_pairs([("AWS_USE_FIPS_ENDPOINT", "false")]), &p).unwrap());
        assert!(!use_dual_stack(&none, &p).unwrap());
        assert!(use_dual_stack(&Env::from_pairs([("AWS_USE_DUALSTACK_ENDPOINT", "TRUE")]), &p).unwrap());
    }
}
