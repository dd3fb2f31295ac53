//! Region and endpoint resolution, and the environment they are read from.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>

use std::collections::HashMap;

use crate::Error;

/// A snapshot of the environment variables, read once. Tests build one by hand.
#[derive(Clone, Default)]
pub(crate) struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// The process environment. Variables whose name or value is not UTF-8
    /// are skipped rather than panicking, as `std::env::vars` would.
    pub(crate) fn from_process() -> Self {
        let vars =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
        Env { vars }
    }

    #[cfg(test)]
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env { vars: pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }
    }

    /// The value of `name`, or `None` when unset or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// A boolean variable: `true`/`false`, any case. Anything else is an error
    /// naming the variable.
    pub(crate) fn get_bool(&self, name: &str) -> Result<Option<bool>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Error::config(format!("{name} must be true or false, not {v:?}"))),
        }
    }
}

impl std::fmt::Debug for Env {
    // Values may be secrets: show names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Env").field("names", &names).finish()
    }
}

/// Region from `AWS_REGION`, then `AWS_DEFAULT_REGION`.
pub(crate) fn region_from_env(env: &Env) -> Option<String> {
    env.get("AWS_REGION").or_else(|| env.get("AWS_DEFAULT_REGION")).map(|r| r.trim().to_owned())
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

/// Custom endpoint from `AWS_ENDPOINT_URL_EC2`, then `AWS_ENDPOINT_URL`,
/// unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
pub(crate) fn endpoint_from_env(env: &Env, service_env: &str) -> Result<Option<String>, Error> {
    if env.get_bool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")? == Some(true) {
        return Ok(None);
    }
    Ok(env.get(service_env).or_else(|| env.get("AWS_ENDPOINT_URL")).map(|s| s.trim().to_owned()))
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

/// The default endpoint of `service` (`ec2`, `sts`) in `region`, following
/// the service's endpoint rules: `https://{service}[-fips].{region}.{suffix}`,
/// where GovCloud's regular endpoint is already FIPS.
pub fn default_endpoint(service: &str, region: &str, fips: bool, dual_stack: bool) -> String {
    let p = partition(region);
    let suffix = if dual_stack { p.dual_stack_dns_suffix } else { p.dns_suffix };
    // GovCloud's regular endpoint is already FIPS; its dual-stack one is not.
    let fips_suffix = if fips && (dual_stack || p.name != "aws-us-gov") { "-fips" } else { "" };
    format!("https://{service}{fips_suffix}.{region}.{suffix}")
}

/// A parsed endpoint URL: where requests go and the `Host` they are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `https` or `http`.
    pub(crate) scheme: &'static str,
    /// Host name or address, lowercase, IPv6 in brackets.
    pub(crate) host: String,
    /// The `Host` header: the host, plus `:port` when not the scheme's default.
    pub(crate) authority: String,
    /// The path, `/` when the URL has none.
    pub(crate) path: String,
}

impl Endpoint {
    /// Parses `scheme://host[:port][/path]`. Query, fragment and user info
    /// are refused: they have no meaning for an AWS endpoint.
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::config(format!("invalid endpoint url {url:?}: {why}"));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("expected scheme://host"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => "https",
            "http" => "http",
            _ => return Err(bad("the scheme must be http or https")),
        };
        if rest.contains(['?', '#']) {
            return Err(bad("query and fragment are not allowed"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(bad("user info is not allowed"));
        }
        if path.chars().any(|c| c.is_control() || c == ' ') {
            return Err(bad("the path has spaces or control characters"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6.split_once(']').ok_or_else(|| bad("unclosed ["))?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("bad IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ]"))?),
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (authority.to_ascii_lowercase(), None),
            }
        };
        if host.is_empty() || host.trim_matches(['[', ']']).is_empty() {
            return Err(bad("no host"));
        }
        if !host.starts_with('[') && !host.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
        {
            return Err(bad("the host has characters a host name cannot have"));
        }
        let port = match port {
            None => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad("the port must be a number from 0 to 65535"))?),
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        let authority = match port {
            Some(p) if p != default_port => format!("{host}:{p}"),
            _ => host.clone(),
        };
        Ok(Endpoint { scheme, host, authority, path: path.to_owned() })
    }

    /// The URL requests are sent to, with a default port left out so that the
    /// `Host` the HTTP client sends is the one that was signed.
    pub(crate) fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.path)
    }

    /// Whether the host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
    pub(crate) fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost" || h.ends_with(".localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
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
            assert_eq!(default_endpoint("ec2", region, fips, ds), want, "{region} fips={fips} ds={ds}");
        }
    }

    #[test]
    fn endpoint_urls() {
        let e = Endpoint::parse("http://127.0.0.1:5055").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.path.as_str(), e.url().as_str()),
            ("127.0.0.1:5055", "/", "http://127.0.0.1:5055/")
        );
        assert!(e.is_loopback());
        let e = Endpoint::parse("HTTPS://EC2.us-east-1.amazonaws.com:443/").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.url().as_str()),
            ("ec2.us-east-1.amazonaws.com", "https://ec2.us-east-1.amazonaws.com/")
        );
        assert!(!e.is_loopback());
        let e = Endpoint::parse("http://[::1]:8080/prefix").unwrap();
        assert_eq!((e.authority.as_str(), e.path.as_str()), ("[::1]:8080", "/prefix"));
        assert!(e.is_loopback());
        assert!(Endpoint::parse("http://localhost:1").unwrap().is_loopback());
        for bad in [
            "",
            "ec2.amazonaws.com",
            "ftp://x",
            "http://",
            "http://:80",
            "http://h:99999",
            "http://u@h",
            "http://h/?q",
            "http://h h/",
            "http://[::1",
            "http://h:x",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_must_be_dns_labels() {
        assert!(validate_region("us-east-1").is_ok());
        for bad in ["", "us-east-1.evil.com", "us east", "-us", "us/1"] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_endpoint_precedence() {
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://a"), ("AWS_ENDPOINT_URL_EC2", "http://b")]);
        assert_eq!(endpoint_from_env(&env, "AWS_ENDPOINT_URL_EC2").unwrap().as_deref(), Some("http://b"));
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://a")]);
        assert_eq!(endpoint_from_env(&env, "AWS_ENDPOINT_URL_EC2").unwrap().as_deref(), Some("http://a"));
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://a"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")]);
        assert_eq!(endpoint_from_env(&env, "AWS_ENDPOINT_URL_EC2").unwrap(), None);
        let env = Env::from_pairs([("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "us-east-1")]);
        assert_eq!(region_from_env(&env).as_deref(), Some("eu-west-1"));
    }
}
