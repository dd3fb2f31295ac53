//! `AssociateIamInstanceProfile`
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateIamInstanceProfile.html>

use super::disassociate_iam_instance_profile::parse_association_response;
use crate::model::{IamInstanceProfileAssociation, IamInstanceProfileSpecification};
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error};

pub(crate) const ACTION: &str = "AssociateIamInstanceProfile";

/// The parameters of `AssociateIamInstanceProfile`, for [`Client::execute`]
/// and [`Client::execute_unchecked`]; [`Client::associate_iam_instance_profile`]
/// builds one.
///
/// ```
/// use ec2_lite::{AssociateIamInstanceProfile, IamInstanceProfileSpecification};
/// let request = AssociateIamInstanceProfile::new("i-1234567890abcdef0", IamInstanceProfileSpecification::name("p"));
/// assert!(request.check().is_ok());
/// assert!(AssociateIamInstanceProfile::new("i-x", IamInstanceProfileSpecification::name("p")).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociateIamInstanceProfile {
    instance_id: String,
    iam_instance_profile: IamInstanceProfileSpecification,
}

impl AssociateIamInstanceProfile {
    /// Associates `profile` with the instance `instance_id`.
    pub fn new(instance_id: impl Into<String>, profile: IamInstanceProfileSpecification) -> Self {
        AssociateIamInstanceProfile { instance_id: instance_id.into(), iam_instance_profile: profile }
    }

    /// What [`Client::execute`] refuses before any request: a malformed
    /// instance id, a profile with neither ARN nor name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`], saying which.
    pub fn check(&self) -> Result<(), Error> {
        super::check_instance_id(&self.instance_id)?;
        super::check_profile(&self.iam_instance_profile)
    }

    pub(crate) fn body(&self) -> QueryBody {
        let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
        super::push_profile(&mut b, &self.iam_instance_profile);
        b.push("InstanceId", &self.instance_id);
        b
    }
}

impl super::Request for AssociateIamInstanceProfile {
    type Output = AssociateIamInstanceProfileOutput;

    fn check(&self) -> Result<(), Error> {
        AssociateIamInstanceProfile::check(self)
    }
}

impl super::sealed::Sealed for AssociateIamInstanceProfile {
    fn query_body(&self) -> QueryBody {
        self.body()
    }

    fn parse_response(text: &str) -> Result<AssociateIamInstanceProfileOutput, String> {
        parse(text)
    }
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
        self.execute(&AssociateIamInstanceProfile::new(instance_id, profile.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IamInstanceProfileAssociationState as State;

    #[test]
    fn body_by_name_and_by_arn() {
        let body =
            |id: &str, p: &IamInstanceProfileSpecification| AssociateIamInstanceProfile::new(id, p.clone()).body();
        let b = body("i-123", &IamInstanceProfileSpecification::name("p"));
        assert_eq!(
            b.as_str(),
            "Action=AssociateIamInstanceProfile&Version=2016-11-15&IamInstanceProfile.Name=p&InstanceId=i-123"
        );
        let b = body("i-123", &IamInstanceProfileSpecification::arn("arn:aws:iam::123:instance-profile/p"));
        assert!(
            b.as_str()
                .contains("IamInstanceProfile.Arn=arn%3Aaws%3Aiam%3A%3A123%3Ainstance-profile%2Fp&InstanceId=i-123")
        );
        // Sent as given; refused by the check.
        let empty = IamInstanceProfileSpecification::name("");
        assert_eq!(
            body("i-x", &empty).as_str(),
            "Action=AssociateIamInstanceProfile&Version=2016-11-15&IamInstanceProfile.Name=&InstanceId=i-x"
        );
        for profile in [empty, IamInstanceProfileSpecification::default()] {
            let request = AssociateIamInstanceProfile::new("i-1", profile);
            assert!(matches!(request.check(), Err(Error::InvalidInput(_))));
        }
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
