//! Every resolved setting of one run: from the global options, then the
//! environment, then the selected profile of `~/.aws/config`, as the AWS CLI
//! v2 chains them (`awscli/clidriver.py`, `_construct_cli_*_chain`).

use std::time::Duration;

use ec2_lite::ProfileSettings;

use crate::CliError;
pub(crate) use crate::args::python_int;
use crate::args::{OUTPUT_FORMATS, Parsed};

/// What the output side needs, and what the client is built with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// One of `args::OUTPUT_FORMATS`: `--output`, `AWS_DEFAULT_OUTPUT`, the
    /// profile's `output`, else `json`.
    pub(crate) output: String,
    /// `--query`, not compiled here.
    pub(crate) query: Option<String>,
    /// The profile's `cli_timestamp_format` (`iso8601` or `wire`; no option
    /// sets it), `None` when unset: v2's default is `iso8601`.
    pub(crate) timestamp_format: Option<String>,
    /// `--color`: `on`, `off` or `auto` (the default).
    pub(crate) color: String,
    /// `--cli-error-format`, `AWS_CLI_ERROR_FORMAT`, the profile's
    /// `cli_error_format`, else `enhanced`; lowercase, maybe not a valid one
    /// (v2 then falls back to `enhanced`). Errors are printed from the
    /// run's state, which has it before the settings are resolved.
    #[allow(dead_code)]
    pub(crate) error_format: String,
    /// `--cli-binary-format`, the profile's `cli_binary_format`, else `base64`:
    /// validated, and kept for completeness; no parameter of these commands is a blob.
    #[allow(dead_code)]
    pub(crate) binary_format: String,
    /// `--ca-bundle` (the profile's `ca_bundle` and `AWS_CA_BUNDLE` are read by
    /// the library).
    pub(crate) ca_bundle: Option<String>,
    /// `false` with `--no-verify-ssl`.
    pub(crate) verify_ssl: bool,
    /// `false` with `--no-sign-request`.
    pub(crate) sign_request: bool,
    /// `false` with `--no-paginate`.
    pub(crate) paginate: bool,
    pub(crate) debug: bool,
    /// `--cli-connect-timeout` / `--cli-read-timeout`: `Some(None)` for 0 (no
    /// limit).
    pub(crate) connect_timeout: Option<Option<Duration>>,
    pub(crate) read_timeout: Option<Option<Duration>>,
    /// `EC2_LITE_RATE_LIMITS` (an extension): `off`, or a factor on EC2's
    /// documented buckets, for an account whose limits were raised or a
    /// stand-in EC2 that runs faster; `None` for the library's default.
    pub(crate) rate_limits: Option<ec2_lite::RateLimits>,
}

/// `EC2_LITE_RATE_LIMITS`: `off` turns the client's pacing off, a number `F`
/// scales EC2's documented buckets (burst and refill) by `F`.
fn rate_limits() -> Result<Option<ec2_lite::RateLimits>, CliError> {
    const VAR: &str = "EC2_LITE_RATE_LIMITS";
    let Some(v) = std::env::var_os(VAR) else { return Ok(None) };
    let v = v.into_string().map_err(|_| CliError::configuration(format!("{VAR} is not valid UTF-8")))?;
    match v.trim() {
        "" => Ok(None),
        "off" => Ok(Some(ec2_lite::RateLimits::none())),
        n => match n.parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 && f <= 1e6 => Ok(Some(ec2_lite::RateLimits::ec2_documented().scaled(f))),
            _ => Err(CliError::configuration(format!(
                "{VAR}: expected off or a factor on EC2's documented rate limits (such as 2), got {v:?}"
            ))),
        },
    }
}

/// `AWS_CLI_ERROR_FORMAT` or the profile's `cli_error_format`, after
/// `--cli-error-format`.
pub(crate) fn error_format(flag: Option<&str>, profile: Option<&ProfileSettings>) -> String {
    flag.map(str::to_owned)
        .or_else(|| std::env::var("AWS_CLI_ERROR_FORMAT").ok())
        .or_else(|| profile.and_then(|p| p.get("cli_error_format")).map(str::to_owned))
        .filter(|f| !f.is_empty())
        .map_or_else(|| "enhanced".to_owned(), |f| f.to_lowercase())
}

/// The timeouts, as `awscli/customizations/globalargs.py` resolves them:
/// `int(value)`, 0 for none. Its failure is a plain `ValueError` (255).
pub(crate) fn timeout(parsed: &Parsed, name: &str) -> Result<Option<Option<Duration>>, CliError> {
    let Some(v) = parsed.one(name) else { return Ok(None) };
    match python_int(v) {
        Some(0) => Ok(Some(None)),
        Some(n) if n > 0 => Ok(Some(Some(Duration::from_secs(n.unsigned_abs())))),
        Some(n) => Err(CliError::general(format!(
            "Attempted to set {} timeout to {n}, but the timeout cannot be set to a value less than or equal to 0.",
            if name == "cli-read-timeout" { "read" } else { "connect" }
        ))),
        None => {
            Err(CliError::general(format!("invalid literal for int() with base 10: {}", crate::python::py_repr(v))))
        }
    }
}

/// `Bad value for --endpoint-url`: v2 refuses a URL without a scheme before
/// anything else (`awscli/customizations/globalargs.py`).
pub(crate) fn check_endpoint_url(parsed: &Parsed) -> Result<(), CliError> {
    let Some(url) = parsed.one("endpoint-url") else { return Ok(()) };
    // urlparse's scheme: letters first, then letters, digits, `+-.`, then `:`.
    let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if scheme.is_none() {
        return Err(CliError::param(format!(
            "Bad value for --endpoint-url \"{url}\": scheme is missing.  Must be of the form http://<hostname>/ or \
             https://<hostname>/"
        )));
    }
    Ok(())
}

impl Settings {
    /// Resolves everything from the parsed command line and the profile.
    pub(crate) fn resolve(parsed: &Parsed, profile: &ProfileSettings) -> Result<Settings, CliError> {
        let from_profile = |key: &str| profile.get(key).map(str::to_owned);
        let output = parsed
            .one("output")
            .map(str::to_owned)
            .or_else(|| std::env::var("AWS_DEFAULT_OUTPUT").ok().filter(|o| !o.is_empty()))
            .or_else(|| from_profile("output"))
            .unwrap_or_else(|| "json".to_owned());
        // v2's `formatter.get_formatter`: found only once a response is there,
        // but refused here before anything is sent.
        if !OUTPUT_FORMATS.contains(&output.as_str()) {
            return Err(CliError::general(format!("Unknown output type: {output}")));
        }
        let timestamp_format = from_profile("cli_timestamp_format");
        if let Some(t) = &timestamp_format
            && t != "wire"
            && t != "iso8601"
        {
            // awscli/customizations/timestampformat.py
            return Err(CliError::configuration(format!(
                "Unknown cli_timestamp_format value: {t}, valid values are \"wire\" or \"iso8601\""
            )));
        }
        Ok(Settings {
            output,
            query: parsed.one("query").map(str::to_owned),
            timestamp_format,
            color: parsed.one("color").unwrap_or("auto").to_owned(),
            error_format: error_format(parsed.one("cli-error-format"), Some(profile)),
            binary_format: parsed
                .one("cli-binary-format")
                .map(str::to_owned)
                .or_else(|| from_profile("cli_binary_format"))
                .unwrap_or_else(|| "base64".to_owned()),
            ca_bundle: parsed.one("ca-bundle").map(str::to_owned),
            verify_ssl: !parsed.flag("no-verify-ssl"),
            sign_request: !parsed.flag("no-sign-request"),
            paginate: !parsed.flag("no-paginate"),
            debug: parsed.flag("debug"),
            connect_timeout: timeout(parsed, "cli-connect-timeout")?,
            read_timeout: timeout(parsed, "cli-read-timeout")?,
            rate_limits: rate_limits()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" 15 "), Some(15));
        assert_eq!(python_int("+1_000"), Some(1000));
        assert_eq!(python_int("-3"), Some(-3));
        for bad in ["1.5", "", "_1", "1__0", "0x10", "ten"] {
            assert_eq!(python_int(bad), None, "{bad}");
        }
    }
}
