//! One file per EC2 operation: its parameters, its response parser, and its
//! [`Client`](crate::Client) method.

pub(crate) mod associate_iam_instance_profile;
pub(crate) mod by_instance;
pub(crate) mod describe_iam_instance_profile_associations;
pub(crate) mod describe_instances;
pub(crate) mod disassociate_iam_instance_profile;
pub(crate) mod replace_iam_instance_profile_association;

use crate::query::QueryBody;
use crate::{Client, Error};

/// One EC2 operation's parameters, for [`Client::execute`] and
/// [`Client::execute_unchecked`]: [`AssociateIamInstanceProfile`](crate::AssociateIamInstanceProfile),
/// [`DescribeIamInstanceProfileAssociations`](crate::DescribeIamInstanceProfileAssociations),
/// [`DisassociateIamInstanceProfile`](crate::DisassociateIamInstanceProfile) and
/// [`ReplaceIamInstanceProfileAssociation`](crate::ReplaceIamInstanceProfileAssociation).
///
/// A request is encoded as it is, every member that is set sent as given:
/// the checks live in [`Request::check`], which the typed `Client` methods
/// make before any request. Sealed: only this crate's requests implement it.
pub trait Request: sealed::Sealed {
    /// What the operation returns.
    type Output;

    /// What this crate refuses before any request, as [`Error::InvalidInput`]:
    /// ids that are not of EC2's form, a profile with neither ARN nor name,
    /// ranges EC2 documents. EC2 would refuse each of them too, later.
    ///
    /// # Errors
    /// [`Error::InvalidInput`], saying what is wrong.
    fn check(&self) -> Result<(), Error>;
}

mod sealed {
    use crate::query::QueryBody;

    /// Keeps [`Request`](super::Request) to this crate's requests, and holds what only
    /// [`Client::execute`](crate::Client::execute) calls: a trait that cannot be named outside
    /// the crate keeps the encoding and the parser out of the public API (the [`wire`](crate::wire)
    /// module is the public way to them).
    #[allow(unreachable_pub)]
    pub trait Sealed {
        /// The Query body, as sent.
        fn query_body(&self) -> QueryBody;

        /// The operation's response parser.
        fn parse_response(text: &str) -> Result<<Self as super::Request>::Output, String>
        where
            Self: super::Request;
    }
}

impl Client {
    /// Sends `request` after its [`Request::check`]: what the typed methods
    /// (such as [`Client::disassociate_iam_instance_profile`]) do.
    ///
    /// ```no_run
    /// use ec2_lite::DisassociateIamInstanceProfile;
    /// let client = ec2_lite::Client::from_env()?;
    /// let out = client.execute(&DisassociateIamInstanceProfile::new("iip-assoc-05020b59952902f5f"))?;
    /// println!("{}", out.iam_instance_profile_association.state);
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] from the check, before any request; otherwise
    /// as for any call.
    pub fn execute<R: Request>(&self, request: &R) -> Result<R::Output, Error> {
        request.check()?;
        self.execute_unchecked(request)
    }

    /// Sends `request` as it is, without [`Request::check`]: EC2 judges it.
    /// For tools that must send exactly what another client would (a
    /// drop-in for the AWS CLI, which leaves ids and ranges to EC2), and for
    /// values this crate's checks do not know yet.
    ///
    /// # Errors
    /// As for any call; what the check would have refused comes back as
    /// EC2's [`Error::Service`] (`InvalidAssociationID.Malformed`,
    /// `MissingParameter`, ...).
    pub fn execute_unchecked<R: Request>(&self, request: &R) -> Result<R::Output, Error> {
        self.send_and_parse(sealed::Sealed::query_body(request), <R as sealed::Sealed>::parse_response)
    }
}

/// Checks an association id (`iip-assoc-` and hex digits) before any request.
pub(crate) fn check_association_id(id: &str) -> Result<(), Error> {
    check_id(id, "association id", "iip-assoc-")
}

/// Checks an instance id (`i-` and hex digits) before any request.
pub(crate) fn check_instance_id(id: &str) -> Result<(), Error> {
    check_id(id, "instance id", "i-")
}

/// Checks that a profile names an ARN or a name, not blank (EC2 answers
/// `MissingParameter`; moto crashes).
pub(crate) fn check_profile(profile: &crate::IamInstanceProfileSpecification) -> Result<(), Error> {
    let given = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
    if given(&profile.arn) || given(&profile.name) {
        Ok(())
    } else {
        Err(Error::invalid_input("the instance profile needs an arn or a name"))
    }
}

/// Adds `IamInstanceProfile.Arn` / `IamInstanceProfile.Name`, each that is
/// set, as given.
pub(crate) fn push_profile(b: &mut QueryBody, profile: &crate::IamInstanceProfileSpecification) {
    if let Some(arn) = &profile.arn {
        b.push("IamInstanceProfile.Arn", arn);
    }
    if let Some(name) = &profile.name {
        b.push("IamInstanceProfile.Name", name);
    }
}

fn check_id(id: &str, what: &str, prefix: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid_input(format!("the {what} is empty")));
    }
    let ok = id
        .strip_prefix(prefix)
        .is_some_and(|hex| (1..=64).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!("malformed {what} {id:?}: expected {prefix} followed by hexadecimal digits")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_association_id("iip-assoc-05020b59952902f5f").is_ok());
        assert!(check_instance_id("i-123456789abcde123").is_ok());
        for bad in
            ["", "iip-assoc-", "i-123", "iip-assoc-xyz", " iip-assoc-0123", "iip-assoc-01 23", "iip-assoc-0&Action=x"]
        {
            assert!(matches!(check_association_id(bad), Err(Error::InvalidInput(_))), "{bad}");
        }
    }
}
