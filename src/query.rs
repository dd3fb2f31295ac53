//! EC2 Query request bodies: `Action`, `Version` and the parameters, form-encoded
//! per RFC 3986.
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html>
//!
//! Lists are flattened the way EC2 wants them: `AssociationId.1`,
//! `Filter.1.Name`, `Filter.1.Value.1`. An empty list is left out entirely
//! (EC2's serializer does not send `Name=`). Spaces are `%20`, never `+`: the
//! body is hashed for the signature, and these exact bytes are what is sent.

use crate::sigv4::percent::encode_into;

/// The API version of every EC2 Query action.
pub const EC2_API_VERSION: &str = "2016-11-15";

/// The content type of every Query request body (EC2's and STS's).
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The `User-Agent` of every request: ours, in the SDKs' ua/2.1 layout
/// without claiming to be an AWS SDK.
pub(crate) fn user_agent() -> String {
    format!(
        "ec2-lite/{} ua/2.1 api/ec2/{EC2_API_VERSION} os/{} lang/rust",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    )
}

/// A form body under construction.
#[derive(Debug, Clone)]
pub struct QueryBody {
    body: String,
    /// Where the encoded action ends in `body`.
    action_end: usize,
}

impl QueryBody {
    /// `Action={action}&Version={version}`.
    pub fn new(action: &str, version: &str) -> Self {
        let mut body = String::with_capacity(128);
        body.push_str("Action=");
        encode_into(&mut body, action, false);
        let action_end = body.len();
        body.push_str("&Version=");
        encode_into(&mut body, version, false);
        QueryBody { body, action_end }
    }

    /// Appends `name=value`.
    pub fn push(&mut self, name: &str, value: &str) -> &mut Self {
        self.body.push('&');
        encode_into(&mut self.body, name, false);
        self.body.push('=');
        encode_into(&mut self.body, value, false);
        self
    }

    /// Appends `{prefix}.1=v1&{prefix}.2=v2...`; nothing for an empty list.
    pub fn push_list<S: AsRef<str>>(&mut self, prefix: &str, values: &[S]) -> &mut Self {
        for (i, v) in values.iter().enumerate() {
            self.push(&format!("{prefix}.{}", i + 1), v.as_ref());
        }
        self
    }

    /// Appends EC2 filters: `Filter.N.Name` and `Filter.N.Value.M`.
    pub fn push_filters<N: AsRef<str>, V: AsRef<str>>(&mut self, filters: &[(N, Vec<V>)]) -> &mut Self {
        for (i, (name, values)) in filters.iter().enumerate() {
            let prefix = format!("Filter.{}", i + 1);
            self.push(&format!("{prefix}.Name"), name.as_ref());
            self.push_list(&format!("{prefix}.Value"), values);
        }
        self
    }

    /// The action, as encoded (the same for every EC2 action name: they are alphanumeric).
    pub(crate) fn action(&self) -> &str {
        self.body.get("Action=".len()..self.action_end).unwrap_or_default()
    }

    /// The encoded body.
    pub fn as_str(&self) -> &str {
        &self.body
    }

    /// The encoded body, owned.
    pub fn into_string(self) -> String {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disassociate_body_is_what_ec2_expects() {
        let mut b = QueryBody::new("DisassociateIamInstanceProfile", EC2_API_VERSION);
        b.push("AssociationId", "iip-assoc-0123");
        assert_eq!(b.as_str(), "Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId=iip-assoc-0123");
    }

    #[test]
    fn lists_and_filters_flatten_and_encode() {
        let mut b = QueryBody::new("X", "1");
        b.push_list::<&str>("AssociationId", &[]);
        b.push_list("AssociationId", &["a1", "a 2"]);
        b.push_filters(&[("instance-id", vec!["i-1", "i-2"]), ("state", vec!["associated"])]);
        b.push("IamInstanceProfile.Arn", "arn:aws:iam::1:instance-profile/p+q");
        assert_eq!(
            b.as_str(),
            "Action=X&Version=1&AssociationId.1=a1&AssociationId.2=a%202\
             &Filter.1.Name=instance-id&Filter.1.Value.1=i-1&Filter.1.Value.2=i-2\
             &Filter.2.Name=state&Filter.2.Value.1=associated\
             &IamInstanceProfile.Arn=arn%3Aaws%3Aiam%3A%3A1%3Ainstance-profile%2Fp%2Bq"
        );
    }
}
