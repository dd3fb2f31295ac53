//! Typed reads of a profile's non-credential settings: region, endpoints, retries, IMDS.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>

use super::parse::{ProfileSet, Section};
use crate::{Error, RetryMode};

/// `ec2_metadata_service_endpoint_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImdsEndpointMode {
    /// `IPv4`: `http://169.254.169.254`
    Ipv4,
    /// `IPv6`: `http://[fd00:ec2::254]`
    Ipv6,
}

impl<'a> Section<'a> {
    /// `region`.
    pub(crate) fn region(&self) -> Option<&'a str> {
        self.get("region").map(str::trim)
    }

    /// `endpoint_url`: the endpoint for every service, below the `[services]` section's.
    pub(crate) fn endpoint_url(&self) -> Option<&'a str> {
        self.get("endpoint_url").map(str::trim)
    }

    /// `services`: the name of the `[services x]` section this profile uses.
    pub(crate) fn services_name(&self) -> Option<&'a str> {
        self.get("services").map(str::trim)
    }

    /// `use_fips_endpoint`.
    pub(crate) fn use_fips_endpoint(&self) -> Result<Option<bool>, Error> {
        self.bool("use_fips_endpoint")
    }

    /// `use_dualstack_endpoint`.
    pub(crate) fn use_dualstack_endpoint(&self) -> Result<Option<bool>, Error> {
        self.bool("use_dualstack_endpoint")
    }

    /// `ignore_configured_endpoint_urls`: when true, `endpoint_url` and the `[services]`
    /// section are not used (nor `AWS_ENDPOINT_URL*`).
    pub(crate) fn ignore_configured_endpoint_urls(&self) -> Result<Option<bool>, Error> {
        self.bool("ignore_configured_endpoint_urls")
    }

    /// `disable_clock_skew_correction`.
    pub(crate) fn disable_clock_skew_correction(&self) -> Result<Option<bool>, Error> {
        self.bool("disable_clock_skew_correction")
    }

    /// `max_attempts`: attempts in all, the first included, so at least 1.
    pub(crate) fn max_attempts(&self) -> Result<Option<u32>, Error> {
        let Some(v) = self.get("max_attempts") else { return Ok(None) };
        match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(self.invalid("max_attempts", "a whole number of 1 or more", v)),
        }
    }

    /// `retry_mode`: `standard` or `adaptive`, any case. `legacy` is botocore's alone; the Rust
    /// SDK refuses it, and so does this crate.
    pub(crate) fn retry_mode(&self) -> Result<Option<RetryMode>, Error> {
        let Some(v) = self.get("retry_mode") else { return Ok(None) };
        match v.trim().to_ascii_lowercase().as_str() {
            "standard" => Ok(Some(RetryMode::Standard)),
            "adaptive" => Ok(Some(RetryMode::Adaptive)),
            _ => Err(self.invalid("retry_mode", "standard or adaptive", v)),
        }
    }

    /// `ca_bundle`: a PEM file of the certificates to trust instead of the built-in roots;
    /// blank when set so (an error, as botocore's).
    pub(crate) fn ca_bundle(&self) -> Option<&'a str> {
        self.raw("ca_bundle").map(str::trim)
    }

    /// `ec2_metadata_service_endpoint`, unchecked: the IMDS client validates it as a URL.
    pub(crate) fn ec2_metadata_service_endpoint(&self) -> Option<&'a str> {
        self.get("ec2_metadata_service_endpoint").map(str::trim)
    }

    /// `ec2_metadata_service_endpoint_mode`: `IPv4` or `IPv6`, any case.
    pub(crate) fn ec2_metadata_service_endpoint_mode(&self) -> Result<Option<ImdsEndpointMode>, Error> {
        let key = "ec2_metadata_service_endpoint_mode";
        let Some(v) = self.get(key) else { return Ok(None) };
        match v.trim().to_ascii_lowercase().as_str() {
            "ipv4" => Ok(Some(ImdsEndpointMode::Ipv4)),
            "ipv6" => Ok(Some(ImdsEndpointMode::Ipv6)),
            _ => Err(self.invalid(key, "IPv4 or IPv6", v)),
        }
    }

    /// A boolean setting: `true`/`false`, any case, as for environment variables.
    fn bool(&self, key: &str) -> Result<Option<bool>, Error> {
        let Some(v) = self.get(key) else { return Ok(None) };
        match v.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            f if f.eq_ignore_ascii_case("false") => Ok(Some(false)),
            _ => Err(self.invalid(key, "true or false", v)),
        }
    }

    fn invalid(&self, key: &str, expected: &str, value: &str) -> Error {
        Error::config(format!("profile `{}`: {key} must be {expected}, not {value:?}", self.name()))
    }
}

impl ProfileSet {
    /// `endpoint_url` for `service_id` in the `[services x]` section that `profile` names, as in
    /// `ec2 =` followed by an indented `endpoint_url = ...`. The key is the service id in
    /// lowercase with spaces as underscores: `ec2`, `sts`.
    pub(crate) fn service_endpoint_url(&self, profile: Section<'_>, service_id: &str) -> Option<&str> {
        let key = service_id.trim().to_ascii_lowercase().replace(' ', "_");
        self.services(profile.services_name()?)?.sub_property(&key, "endpoint_url").map(str::trim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default profile of a config file of `body`, kept for the test's whole run.
    fn profile(body: &str) -> Section<'static> {
        let set = ProfileSet::parse(Some(&format!("[default]\n{body}")), None).unwrap();
        Box::leak(Box::new(set)).profile("default").unwrap()
    }

    #[test]
    fn typed_settings() {
        let p = profile(
            "region = eu-west-1\nuse_fips_endpoint = TRUE\nuse_dualstack_endpoint = false\nmax_attempts = 5\n\
             retry_mode = Adaptive\nec2_metadata_service_endpoint_mode = ipv6\n\
             ec2_metadata_service_endpoint = http://[fd00:ec2::254]\nca_bundle = /etc/ca.pem\n\
             disable_clock_skew_correction = true\nignore_configured_endpoint_urls = false\nendpoint_url = http://e",
        );
        assert_eq!(p.region(), Some("eu-west-1"));
        assert_eq!(p.use_fips_endpoint().unwrap(), Some(true));
        assert_eq!(p.use_dualstack_endpoint().unwrap(), Some(false));
        assert_eq!(p.max_attempts().unwrap(), Some(5));
        assert_eq!(p.retry_mode().unwrap(), Some(RetryMode::Adaptive));
        assert_eq!(p.ec2_metadata_service_endpoint_mode().unwrap(), Some(ImdsEndpointMode::Ipv6));
        assert_eq!(p.ec2_metadata_service_endpoint(), Some("http://[fd00:ec2::254]"));
        assert_eq!(p.ca_bundle(), Some("/etc/ca.pem"));
        assert_eq!(p.disable_clock_skew_correction().unwrap(), Some(true));
        assert_eq!(p.ignore_configured_endpoint_urls().unwrap(), Some(false));
        assert_eq!(p.endpoint_url(), Some("http://e"));
        let empty = profile("region =");
        assert_eq!((empty.region(), empty.max_attempts().unwrap(), empty.retry_mode().unwrap()), (None, None, None));
    }

    #[test]
    fn bad_values_are_errors_naming_profile_and_key() {
        let p = profile(
            "max_attempts = 0\nretry_mode = legacy\nuse_fips_endpoint = yes\nec2_metadata_service_endpoint_mode = v6",
        );
        let errors = [
            p.max_attempts().unwrap_err(),
            p.retry_mode().unwrap_err(),
            p.use_fips_endpoint().unwrap_err(),
            p.ec2_metadata_service_endpoint_mode().unwrap_err(),
        ]
        .map(|e| e.to_string());
        assert!(errors[0].contains("profile `default`: max_attempts must be a whole number of 1 or more, not \"0\""));
        assert!(errors[1].contains("retry_mode must be standard or adaptive, not \"legacy\""), "{}", errors[1]);
        assert!(errors[2].contains("use_fips_endpoint must be true or false, not \"yes\""), "{}", errors[2]);
        assert!(errors[3].contains("must be IPv4 or IPv6"), "{}", errors[3]);
        assert!(profile("max_attempts = x").max_attempts().is_err());
    }

    #[test]
    fn services_section_endpoints() {
        let set = ProfileSet::parse(
            Some(
                "[profile a]\nservices = local\n[profile b]\nservices = nope\n\
                 [services local]\nec2 =\n  endpoint_url = http://ec2\nsts =\n  endpoint_url = http://sts\n",
            ),
            None,
        )
        .unwrap();
        let (a, b) = (set.profile("a").unwrap(), set.profile("b").unwrap());
        assert_eq!(set.service_endpoint_url(a, "EC2"), Some("http://ec2"));
        assert_eq!(set.service_endpoint_url(a, "sts"), Some("http://sts"));
        assert_eq!(set.service_endpoint_url(a, "s3"), None);
        assert_eq!(set.service_endpoint_url(b, "ec2"), None);
    }
}
