//! `ReplaceIamInstanceProfileAssociation`
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceIamInstanceProfileAssociation.html>

use super::disassociate_iam_instance_profile::parse_association_response;
use crate::model::{IamInstanceProfileAssociation, IamInstanceProfileSpecification};
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error};

pub(crate) const ACTION: &str = "ReplaceIamInstanceProfileAssociation";

/// The parameters of `ReplaceIamInstanceProfileAssociation`, for
/// [`Client::execute`] and [`Client::execute_unchecked`];
/// [`Client::replace_iam_instance_profile_association`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceIamInstanceProfileAssociation {
    association_id: String,
    iam_instance_profile: IamInstanceProfileSpecification,
}

impl ReplaceIamInstanceProfileAssociation {
    /// Replaces the profile of the association `association_id` with `profile`.
    pub fn new(association_id: impl Into<String>, profile: IamInstanceProfileSpecification) -> Self {
        ReplaceIamInstanceProfileAssociation { association_id: association_id.into(), iam_instance_profile: profile }
    }

    /// What [`Client::execute`] refuses before any request: a malformed
    /// association id, a profile with neither ARN nor name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`], saying which.
    pub fn check(&self) -> Result<(), Error> {
        super::check_association_id(&self.association_id)?;
        super::check_profile(&self.iam_instance_profile)
    }

    pub(crate) fn body(&self) -> QueryBody {
        let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
        super::push_profile(&mut b, &self.iam_instance_profile);
        b.push("AssociationId", &self.association_id);
        b
    }
}

impl super::Request for ReplaceIamInstanceProfileAssociation {
    type Output = ReplaceIamInstanceProfileAssociationOutput;

    fn check(&self) -> Result<(), Error> {
        ReplaceIamInstanceProfileAssociation::check(self)
    }
}

impl super::sealed::Sealed for ReplaceIamInstanceProfileAssociation {
    fn query_body(&self) -> QueryBody {
        self.body()
    }

    fn parse_response(text: &str) -> Result<ReplaceIamInstanceProfileAssociationOutput, String> {
        parse(text)
    }
}

/// What `ReplaceIamInstanceProfileAssociation` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplaceIamInstanceProfileAssociationOutput {
    /// The new association, with a **new** association id, normally in
    /// state `associating`.
    pub iam_instance_profile_association: IamInstanceProfileAssociation,
    /// The request id EC2 gave this call, for AWS support.
    pub request_id: Option<String>,
}

pub(crate) fn parse(text: &str) -> Result<ReplaceIamInstanceProfileAssociationOutput, String> {
    let (iam_instance_profile_association, request_id) =
        parse_association_response(text, "ReplaceIamInstanceProfileAssociationResponse")?;
    Ok(ReplaceIamInstanceProfileAssociationOutput { iam_instance_profile_association, request_id })
}

impl Client {
    /// Replaces the instance profile of an association, without a window
    /// where the instance has none.
    ///
    /// EC2 returns a **new** association id (in state `associating`): use the
    /// returned one from now on, for instance to wait until it took:
    ///
    /// ```no_run
    /// use ec2_lite::{IamInstanceProfileSpecification, WaitOptions, WaitTarget};
    /// let client = ec2_lite::Client::from_env()?;
    /// let new = client.replace_iam_instance_profile_association(
    ///     "iip-assoc-060bae234aac2e7fa",
    ///     &IamInstanceProfileSpecification::name("NewProfile"),
    /// )?;
    /// let new_id = new.iam_instance_profile_association.association_id;
    /// let done = client.wait_until_associated(&WaitTarget::AssociationId(new_id), &WaitOptions::default())?;
    /// # let _ = done;
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed id or an empty profile;
    /// [`Error::Service`] with `InvalidAssociationID.NotFound`, or
    /// `IncorrectState` when the association is not the instance's active one.
    ///
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceIamInstanceProfileAssociation.html>
    pub fn replace_iam_instance_profile_association(
        &self,
        association_id: &str,
        profile: &IamInstanceProfileSpecification,
    ) -> Result<ReplaceIamInstanceProfileAssociationOutput, Error> {
        self.execute(&ReplaceIamInstanceProfileAssociation::new(association_id, profile.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_botocore() {
        let b = ReplaceIamInstanceProfileAssociation::new("iip-assoc-1", IamInstanceProfileSpecification::name("p2"))
            .body();
        assert_eq!(
            b.as_str(),
            "Action=ReplaceIamInstanceProfileAssociation&Version=2016-11-15&IamInstanceProfile.Name=p2&AssociationId=iip-assoc-1"
        );
    }

    #[test]
    fn aws_sample_returns_a_new_association_id() {
        let out = parse(include_str!("../../tests/fixtures/replace_iam_instance_profile_association.aws.xml")).unwrap();
        assert_eq!(out.request_id.as_deref(), Some("e10deeaf-7cda-48e7-950b-example"));
        let out = out.iam_instance_profile_association;
        assert_eq!(out.association_id, "iip-assoc-08049da59357d598c");
        assert_eq!(out.state, crate::IamInstanceProfileAssociationState::Associating);
    }
}
