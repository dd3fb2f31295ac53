//! `DisassociateIamInstanceProfile`
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateIamInstanceProfile.html>

use crate::model::{IamInstanceProfileAssociation, Output};
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error, xml};

/// The action name.
pub(crate) const ACTION: &str = "DisassociateIamInstanceProfile";

/// The request body.
pub(crate) fn body(association_id: &str) -> QueryBody {
    let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
    b.push("AssociationId", association_id);
    b
}

/// Parses `<DisassociateIamInstanceProfileResponse>`.
pub(crate) fn parse(text: &str) -> Result<Output<IamInstanceProfileAssociation>, String> {
    parse_association_response(text, "DisassociateIamInstanceProfileResponse")
}

/// Parses a response whose payload is one `<iamInstanceProfileAssociation>`
/// (Associate, Disassociate and Replace share this shape).
pub(crate) fn parse_association_response(
    text: &str,
    root_name: &str,
) -> Result<Output<IamInstanceProfileAssociation>, String> {
    let doc = xml::parse(text)?;
    let root = xml::root(&doc, root_name)?;
    let node = xml::child(root, "iamInstanceProfileAssociation")
        .ok_or_else(|| format!("missing <iamInstanceProfileAssociation> in <{root_name}>"))?;
    let association = IamInstanceProfileAssociation::from_xml(node)?;
    Ok(Output::new(association, xml::request_id(root)))
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
    /// let assoc = client.disassociate_iam_instance_profile("iip-assoc-05020b59952902f5f")?;
    /// println!("{} is {}", assoc.association_id, assoc.state);
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
    ) -> Result<Output<IamInstanceProfileAssociation>, Error> {
        super::check_association_id(association_id)?;
        self.send_and_parse(body(association_id), parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AssociationState;

    #[test]
    fn body_matches_botocore() {
        assert_eq!(
            body("iip-assoc-f13c64d38f17d74c3").as_str(),
            "Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId=iip-assoc-f13c64d38f17d74c3"
        );
    }

    #[test]
    fn parses_aws_sample_with_request_id_first() {
        let out = parse(include_str!("../../tests/fixtures/disassociate_iam_instance_profile.aws.xml")).unwrap();
        assert_eq!(out.request_id(), Some("e10deeaf-7cda-48e7-950b-example"));
        assert_eq!(out.association_id, "iip-assoc-0750e3af14e2b40ad");
        assert_eq!(out.instance_id, "i-1234567890abcdef0");
        assert_eq!(out.iam_instance_profile.arn, "arn:aws:iam::123456789012:instance-profile/AdminProfile");
        assert_eq!(out.iam_instance_profile.id, "AIPAJEDNCAA64SSD265D6");
        assert_eq!(out.state, AssociationState::Disassociating);
        assert_eq!(out.timestamp.map(|t| t.unix_timestamp()), Some(1_471_644_861));
    }

    #[test]
    fn parses_moto_body_with_request_id_last_and_no_timestamp() {
        let out = parse(include_str!("../../tests/fixtures/disassociate_iam_instance_profile.moto.xml")).unwrap();
        assert_eq!(out.request_id(), Some("request-id"));
        assert_eq!(out.association_id, "iip-assoc-f13c64d38f17d74c3");
        assert_eq!(out.state, AssociationState::Disassociating);
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
