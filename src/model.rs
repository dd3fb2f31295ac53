//! The plain structs EC2's IAM instance profile operations return.
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IamInstanceProfileAssociation.html>

use std::fmt;
use std::ops::Deref;

use roxmltree::Node;
use time::OffsetDateTime;

use crate::time::parse_timestamp;
use crate::xml;

/// An association between an IAM instance profile and an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IamInstanceProfileAssociation {
    /// The ID of the association, `iip-assoc-...`.
    pub association_id: String,
    /// The ID of the instance, `i-...`.
    pub instance_id: String,
    /// The IAM instance profile.
    pub iam_instance_profile: IamInstanceProfile,
    /// The state of the association.
    pub state: AssociationState,
    /// When the profile was associated with the instance, if the service says.
    pub timestamp: Option<OffsetDateTime>,
}

/// An IAM instance profile, as EC2 reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IamInstanceProfile {
    /// The ARN of the instance profile.
    pub arn: String,
    /// The ID of the instance profile (`AIPA...`).
    pub id: String,
}

/// The state of an association. Values EC2 adds later are kept in `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AssociationState {
    /// `associating`
    Associating,
    /// `associated`
    Associated,
    /// `disassociating`
    Disassociating,
    /// `disassociated`
    Disassociated,
    /// A value this version does not know, as EC2 sent it.
    Unknown(String),
}

impl AssociationState {
    /// The wire value, e.g. `associated`.
    pub fn as_str(&self) -> &str {
        match self {
            AssociationState::Associating => "associating",
            AssociationState::Associated => "associated",
            AssociationState::Disassociating => "disassociating",
            AssociationState::Disassociated => "disassociated",
            AssociationState::Unknown(s) => s,
        }
    }

    /// Reads a wire value; anything unknown is kept as it is.
    pub fn parse(s: &str) -> Self {
        match s {
            "associating" => AssociationState::Associating,
            "associated" => AssociationState::Associated,
            "disassociating" => AssociationState::Disassociating,
            "disassociated" => AssociationState::Disassociated,
            other => AssociationState::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for AssociationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which instance profile to associate: by ARN, by name, or both (they must
/// then name the same profile).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct IamInstanceProfileSpecification {
    /// The ARN of the instance profile.
    pub arn: Option<String>,
    /// The name of the instance profile.
    pub name: Option<String>,
}

impl IamInstanceProfileSpecification {
    /// The profile with this ARN.
    pub fn arn(arn: impl Into<String>) -> Self {
        IamInstanceProfileSpecification { arn: Some(arn.into()), name: None }
    }

    /// The profile with this name.
    pub fn name(name: impl Into<String>) -> Self {
        IamInstanceProfileSpecification { arn: None, name: Some(name.into()) }
    }

    /// By ARN when `s` starts with `arn:`, else by name.
    pub fn from_name_or_arn(s: &str) -> Self {
        if s.starts_with("arn:") { Self::arn(s) } else { Self::name(s) }
    }
}

/// A page of `DescribeIamInstanceProfileAssociations`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssociationsPage {
    /// The associations on this page.
    pub associations: Vec<IamInstanceProfileAssociation>,
    /// The token for the next page; `None` on the last page.
    pub next_token: Option<String>,
    /// The request id of the call that returned this page.
    pub request_id: Option<String>,
}

/// A result together with the request id of the call that produced it.
///
/// It dereferences to the result, so `output.association_id` works; use
/// [`Output::into_inner`] to take the result out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output<T> {
    inner: T,
    request_id: Option<String>,
}

impl<T> Output<T> {
    pub(crate) fn new(inner: T, request_id: Option<String>) -> Self {
        Output { inner, request_id }
    }

    /// The request id EC2 gave this call, for AWS support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The result.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> Deref for Output<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl IamInstanceProfileAssociation {
    /// Reads an `<iamInstanceProfileAssociation>` or an `<item>` of a set.
    pub(crate) fn from_xml(node: Node<'_, '_>) -> Result<Self, String> {
        let profile = xml::child(node, "iamInstanceProfile").ok_or("missing <iamInstanceProfile> in association")?;
        let timestamp = match xml::child_text(node, "timestamp") {
            Some(t) if !t.trim().is_empty() => {
                Some(parse_timestamp(t.trim()).ok_or_else(|| format!("bad <timestamp> {t:?}"))?)
            }
            _ => None,
        };
        Ok(IamInstanceProfileAssociation {
            association_id: xml::required_text(node, "associationId")?,
            instance_id: xml::required_text(node, "instanceId")?,
            iam_instance_profile: IamInstanceProfile {
                arn: xml::required_text(profile, "arn")?,
                id: xml::required_text(profile, "id")?,
            },
            state: AssociationState::parse(xml::required_text(node, "state")?.trim()),
            timestamp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_keeps_unknown_values() {
        assert_eq!(AssociationState::parse("associated"), AssociationState::Associated);
        let s = AssociationState::parse("quantum");
        assert_eq!(s, AssociationState::Unknown("quantum".into()));
        assert_eq!(s.to_string(), "quantum");
    }
}
