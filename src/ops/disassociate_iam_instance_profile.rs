//! `DisassociateIamInstanceProfile`
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateIamInstanceProfile.html>

use crate::model::IamInstanceProfileAssociation;
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error, xml};

/// The action name.
pub(crate) const ACTION: &str = "DisassociateIamInstanceProfile";

/// The parameters of `DisassociateIamInstanceProfile`, for [`Client::execute`]
/// and [`Client::execute_unchecked`]; [`Client::disassociate_iam_instance_profile`]
/// builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisassociateIamInstanceProfile {
    association_id: String,
}

impl DisassociateIamInstanceProfile {
    /// Removes the association `association_id`.
    pub fn new(association_id: impl Into<String>) -> Self {
        DisassociateIamInstanceProfile { association_id: association_id.into() }
    }

    /// What [`Client::execute`] refuses before any request: an empty or
    /// malformed association id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`], saying which.
    pub fn check(&self) -> Result<(), Error> {
        super::check_association_id(&self.association_id)
    }

    pub(crate) fn body(&self) -> QueryBody {
        let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
        b.push("AssociationId", &self.association_id);
        b
    }
}

impl super::Request for DisassociateIamInstanceProfile {
    type Output = DisassociateIamInstanceProfileOutput;

    fn check(&self) -> Result<(), Error> {
        DisassociateIamInstanceProfile::check(self)
    }
}

impl super::sealed::Sealed for DisassociateIamInstanceProfile {
    fn query_body(&self) -> QueryBody {
        self.body()
    }

    fn parse_response(text: &str) -> Result<DisassociateIamInstanceProfileOutput, String> {
        parse(text)
    }
}

/// What `DisassociateIamInstanceProfile` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DisassociateIamInstanceProfileOutput {
    /// The association being removed, normally in state `disassociating`.
    pub iam_instance_profile_association: IamInstanceProfileAssociation,
    /// The request id EC2 gave this call, for AWS support.
    pub request_id: Option<String>,
}

/// Parses `<DisassociateIamInstanceProfileResponse>`.
pub(crate) fn parse(text: &str) -> Result<DisassociateIamInstanceProfileOutput, String> {
    let (iam_instance_profile_association, request_id) =
        parse_association_response(text, "DisassociateIamInstanceProfileResponse")?;
    Ok(DisassociateIamInstanceProfileOutput { iam_instance_profile_association, request_id })
}

/// Parses a response whose payload is one `<iamInstanceProfileAssociation>`
/// (Associate, Disassociate and Replace share this shape): the association
/// and the request id.
pub(crate) fn parse_association_response(
    text: &str,
    root_name: &str,
) -> Result<(IamInstanceProfileAssociation, Option<String>), String> {
    let doc = xml::parse(text)?;
    let root = xml::root(&doc, root_name)?;
    let node = xml::child(root, "iamInstanceProfileAssociation")
        .ok_or_else(|| format!("missing <iamInstanceProfileAssociation> in <{root_name}>"))?;
    let association = IamInstanceProfileAssociation::from_xml(node)?;
    Ok((association, xml::request_id(root)))
}

impl Client {
    /// Disassociates an IAM instance profile from a running or stopped
    /// instance. Use `DescribeIamInstanceProfileAssociations` to find the
    /// association id.
    ///
    /// Returns the association, normally in state `disassociating`.
    ///
    /// ```no_run
    /// let client = ec2_lite::Client::from_env()?;
    /// let out = client.disassociate_iam_instance_profile("iip-assoc-05020b59952902f5f")?;
    /// let assoc = &out.iam_instance_profile_association;
    /// println!("{} is {} (request {:?})", assoc.association_id, assoc.state, out.request_id);
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty or malformed id, before any
    /// request; [`Error::Service`] with code `InvalidAssociationID.NotFound`
    /// (see [`Error::is_not_found`]) when there is no such association; any
    /// other [`Error`] for credentials, transport or response problems.
    ///
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateIamInstanceProfile.html>
    pub fn disassociate_iam_instance_profile(
        &self,
        association_id: &str,
    ) -> Result<DisassociateIamInstanceProfileOutput, Error> {
        self.execute(&DisassociateIamInstanceProfile::new(association_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IamInstanceProfileAssociationState as State;

    #[test]
    fn body_matches_botocore() {
        assert_eq!(
            DisassociateIamInstanceProfile::new("iip-assoc-f13c64d38f17d74c3").body().as_str(),
            "Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId=iip-assoc-f13c64d38f17d74c3"
        );
    }

    #[test]
    fn parses_aws_sample_with_request_id_first() {
        let out = parse(include_str!("../../tests/fixtures/disassociate_iam_instance_profile.aws.xml")).unwrap();
        assert_eq!(out.request_id.as_deref(), Some("e10deeaf-7cda-48e7-950b-example"));
        let out = out.iam_instance_profile_association;
        assert_eq!(out.association_id, "iip-assoc-0750e3af14e2b40ad");
        assert_eq!(out.instance_id, "i-1234567890abcdef0");
        assert_eq!(out.iam_instance_profile.arn, "arn:aws:iam::123456789012:instance-profile/AdminProfile");
        assert_eq!(out.iam_instance_profile.id, "AIPAJEDNCAA64SSD265D6");
        assert_eq!(out.state, State::Disassociating);
        assert_eq!(out.timestamp.map(|t| t.unix_timestamp()), Some(1_471_644_861));
    }

    #[test]
    fn parses_moto_body_with_request_id_last_and_no_timestamp() {
        let out = parse(include_str!("../../tests/fixtures/disassociate_iam_instance_profile.moto.xml")).unwrap();
        assert_eq!(out.request_id.as_deref(), Some("request-id"));
        let out = out.iam_instance_profile_association;
        assert_eq!(out.association_id, "iip-assoc-f13c64d38f17d74c3");
        assert_eq!(out.state, State::Disassociating);
        assert_eq!(out.timestamp, None);
    }

    #[test]
    fn wrong_or_incomplete_documents_are_errors() {
        assert!(parse("").is_err());
        assert!(parse("<html/>").is_err());
        assert!(
            parse("<DisassociateIamInstanceProfileResponse/>").unwrap_err().contains("iamInstanceProfileAssociation")
        );
        let no_state = "<DisassociateIamInstanceProfileResponse><iamInstanceProfileAssociation><associationId>a</associationId><instanceId>i</instanceId><iamInstanceProfile><arn>x</arn><id>y</id></iamInstanceProfile></iamInstanceProfileAssociation></DisassociateIamInstanceProfileResponse>";
        assert!(parse(no_state).unwrap_err().contains("state"));
    }
}
