//! The HTTP agent every request of this crate goes through (EC2, and the
//! credential sources): timeouts, no redirects, error statuses returned as
//! responses so their bodies can be read.

use std::time::Duration;

use crate::Error;

/// Connection settings shared by all requests of a client.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
}

/// The `User-Agent` of every request: ours, in the SDKs' ua/2.1 layout
/// without claiming to be an AWS SDK.
pub(crate) fn user_agent() -> String {
    format!(
        "ec2-lite/{} ua/2.1 api/ec2/{} os/{} lang/rust",
        env!("CARGO_PKG_VERSION"),
        crate::query::EC2_API_VERSION,
        std::env::consts::OS
    )
}

/// A ureq agent with these settings.
pub(crate) fn agent(settings: &HttpSettings) -> Result<ureq::Agent, Error> {
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        // AWS APIs do not redirect; following one would send a signed
        // request somewhere it was not signed for.
        .max_redirects(0)
        .user_agent(user_agent())
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_per_read(Some(settings.read_timeout))
        .timeout_per_write(Some(settings.read_timeout))
        .build()
        .into())
}
