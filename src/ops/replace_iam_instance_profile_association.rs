//! `ReplaceIamInstanceProfileAssociation`
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceIamInstanceProfileAssociation.html>

use super::associate_iam_instance_profile::push_profile;
use super::disassociate_iam_instance_profile::parse_association_response;
use crate::model::{IamInstanceProfileAssociation, IamInstanceProfileSpecification};
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error};

pub(crate) const ACTION: &str = "ReplaceIamInstanceProfileAssociation";

pub(crate) fn body(association_id: &str, profile: &IamInstanceProfileSpecification) -> Result<QueryBody, Error> {
    let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
    push_profile(&mut b, profile)?;
    b.push("AssociationId", association_id);
    Ok(b)
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
        super::check_association_id(association_id)?;
        self.send_and_parse(body(association_id, profile)?, parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_botocore() {
        let b = body("iip-assoc-1", &IamInstanceProfileSpecification::name("p2")).unwrap();
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
