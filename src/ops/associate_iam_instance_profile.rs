//! `AssociateIamInstanceProfile`
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateIamInstanceProfile.html>

use super::disassociate_iam_instance_profile::parse_association_response;
use crate::model::{IamInstanceProfileAssociation, IamInstanceProfileSpecification};
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error};

pub(crate) const ACTION: &str = "AssociateIamInstanceProfile";

/// Adds `IamInstanceProfile.Arn` / `IamInstanceProfile.Name`, after checking
/// at least one is there (EC2 answers `MissingParameter`; moto crashes).
pub(crate) fn push_profile(b: &mut QueryBody, profile: &IamInstanceProfileSpecification) -> Result<(), Error> {
    let arn = profile.arn.as_deref().filter(|s| !s.trim().is_empty());
    let name = profile.name.as_deref().filter(|s| !s.trim().is_empty());
    if arn.is_none() && name.is_none() {
        return Err(Error::invalid_input("the instance profile needs an arn or a name"));
    }
    if let Some(arn) = arn {
        b.push("IamInstanceProfile.Arn", arn);
    }
    if let Some(name) = name {
        b.push("IamInstanceProfile.Name", name);
    }
    Ok(())
}

pub(crate) fn body(instance_id: &str, profile: &IamInstanceProfileSpecification) -> Result<QueryBody, Error> {
    let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
    push_profile(&mut b, profile)?;
    b.push("InstanceId", instance_id);
    Ok(b)
}

/// What `AssociateIamInstanceProfile` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssociateIamInstanceProfileOutput {
    /// The new association, normally in state `associating`.
    pub iam_instance_profile_association: IamInstanceProfileAssociation,
    /// The request id EC2 gave this call, for AWS support.
    pub request_id: Option<String>,
}

pub(crate) fn parse(text: &str) -> Result<AssociateIamInstanceProfileOutput, String> {
    let (iam_instance_profile_association, request_id) =
        parse_association_response(text, "AssociateIamInstanceProfileResponse")?;
    Ok(AssociateIamInstanceProfileOutput { iam_instance_profile_association, request_id })
}

impl Client {
    /// Associates an IAM instance profile with an instance that has none.
    /// The association starts in state `associating`; see
    /// [`Client::wait_until_associated`].
    ///
    /// ```no_run
    /// use ec2_lite::IamInstanceProfileSpecification;
    /// let client = ec2_lite::Client::from_env()?;
    /// let out = client.associate_iam_instance_profile(
    ///     "i-1234567890abcdef0",
    ///     &IamInstanceProfileSpecification::name("AdminProfile"),
    /// )?;
    /// println!("{}", out.iam_instance_profile_association.association_id);
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed instance id or a profile with
    /// neither ARN nor name; [`Error::Service`] with `IncorrectState` when the
    /// instance already has an association, `InvalidInstanceID.NotFound`, or
    /// `InvalidParameterValue` for an unknown profile (moto: `NoSuchEntity`).
    ///
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateIamInstanceProfile.html>
    pub fn associate_iam_instance_profile(
        &self,
        instance_id: &str,
        profile: &IamInstanceProfileSpecification,
    ) -> Result<AssociateIamInstanceProfileOutput, Error> {
        super::check_instance_id(instance_id)?;
        self.send_and_parse(body(instance_id, profile)?, parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IamInstanceProfileAssociationState as State;

    #[test]
    fn body_by_name_and_by_arn() {
        let b = body("i-123", &IamInstanceProfileSpecification::name("p")).unwrap();
        assert_eq!(
            b.as_str(),
            "Action=AssociateIamInstanceProfile&Version=2016-11-15&IamInstanceProfile.Name=p&InstanceId=i-123"
        );
        let b = body("i-123", &IamInstanceProfileSpecification::arn("arn:aws:iam::123:instance-profile/p")).unwrap();
        assert!(
            b.as_str()
                .contains("IamInstanceProfile.Arn=arn%3Aaws%3Aiam%3A%3A123%3Ainstance-profile%2Fp&InstanceId=i-123")
        );
        assert!(matches!(body("i-1", &IamInstanceProfileSpecification::default()), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn parses_aws_sample() {
        let out = parse(include_str!("../../tests/fixtures/associate_iam_instance_profile.aws.xml")).unwrap();
        assert_eq!(out.request_id.as_deref(), Some("e10deeaf-7cda-48e7-950b-example"));
        let out = out.iam_instance_profile_association;
        assert_eq!(out.association_id, "iip-assoc-0750e3af14e2b40ad");
        assert_eq!(out.state, State::Associating);
    }

    #[test]
    fn parses_moto_body() {
        let out = parse(include_str!("../../tests/fixtures/associate_iam_instance_profile.moto.xml")).unwrap();
        assert_eq!(out.request_id.as_deref(), Some("request-id"));
        let out = out.iam_instance_profile_association;
        assert_eq!(out.iam_instance_profile.arn, "arn:aws:iam::123456789012:instance-profile/prof-a");
        assert_eq!(out.state, State::Associating);
    }
}
