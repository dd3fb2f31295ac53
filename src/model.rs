//! The plain structs EC2's IAM instance profile operations return.
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IamInstanceProfileAssociation.html>

use std::fmt;

use roxmltree::Node;
use time::OffsetDateTime;

use crate::timestamp::parse_timestamp;
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
    pub state: IamInstanceProfileAssociationState,
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

/// The state of an association, as EC2's `IamInstanceProfileAssociationState`.
/// Values EC2 adds later are kept in `Unknown`, as sent.
///
/// ```
/// use ec2_lite::IamInstanceProfileAssociationState as State;
/// assert_eq!(State::from("associated"), State::Associated);
/// assert_eq!(State::from("quantum").to_string(), "quantum");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IamInstanceProfileAssociationState {
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

impl IamInstanceProfileAssociationState {
    /// The wire value, e.g. `associated`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Associating => "associating",
            Self::Associated => "associated",
            Self::Disassociating => "disassociating",
            Self::Disassociated => "disassociated",
            Self::Unknown(s) => s,
        }
    }
}

/// Reads a wire value; anything unknown is kept as it is, in `Unknown`.
impl From<&str> for IamInstanceProfileAssociationState {
    fn from(s: &str) -> Self {
        match s {
            "associating" => Self::Associating,
            "associated" => Self::Associated,
            "disassociating" => Self::Disassociating,
            "disassociated" => Self::Disassociated,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for IamInstanceProfileAssociationState {
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

    /// The profile with this ARN and this name; EC2 refuses the call when
    /// they do not name the same profile.
    pub fn arn_and_name(arn: impl Into<String>, name: impl Into<String>) -> Self {
        IamInstanceProfileSpecification { arn: Some(arn.into()), name: Some(name.into()) }
    }

    /// By ARN when `s` starts with `arn:`, else by name.
    pub fn from_name_or_arn(s: &str) -> Self {
        if s.starts_with("arn:") { Self::arn(s) } else { Self::name(s) }
    }
}

impl IamInstanceProfileAssociation {
    /// Reads an `<iamInstanceProfileAssociation>` or an `<item>` of a set.
    pub(crate) fn from_xml(node: Node<'_, '_>) -> Result<Self, String> {
        // One pass over the children (the first of each name counts), not one search per
        // field: a Describe page reads this for every item.
        let (mut association_id, mut instance_id, mut state, mut timestamp, mut profile) =
            (None, None, None, None, None);
        for child in node.children().filter(Node::is_element) {
            let slot = match child.tag_name().name() {
                "associationId" => &mut association_id,
                "instanceId" => &mut instance_id,
                "state" => &mut state,
                "timestamp" => &mut timestamp,
                "iamInstanceProfile" => {
                    profile.get_or_insert(child);
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert_with(|| xml::text(child));
        }
        let profile = profile.ok_or("missing <iamInstanceProfile> in association")?;
        let timestamp = match timestamp {
            Some(t) if !t.trim().is_empty() => {
                Some(parse_timestamp(t.trim()).ok_or_else(|| format!("bad <timestamp> {t:?}"))?)
            }
            _ => None,
        };
        let missing = |name| xml::missing(node, name);
        Ok(IamInstanceProfileAssociation {
            association_id: association_id.ok_or_else(|| missing("associationId"))?,
            instance_id: instance_id.ok_or_else(|| missing("instanceId"))?,
            iam_instance_profile: IamInstanceProfile {
                arn: xml::required_text(profile, "arn")?,
                id: xml::required_text(profile, "id")?,
            },
            state: IamInstanceProfileAssociationState::from(state.ok_or_else(|| missing("state"))?.trim()),
            timestamp,
        })
    }
}

/// An EC2 instance, as much of it as choosing instances for a profile needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Instance {
    /// The ID of the instance, `i-...`.
    pub instance_id: String,
    /// The name of its state: `pending`, `running`, `shutting-down`,
    /// `terminated`, `stopping` or `stopped`, as EC2 sent it.
    pub state: String,
    /// The instance profile it runs with, if any.
    pub iam_instance_profile: Option<IamInstanceProfile>,
}

impl Instance {
    /// Reads an `<item>` of an `instancesSet`.
    pub(crate) fn from_xml(node: Node<'_, '_>) -> Result<Self, String> {
        let state = xml::child(node, "instanceState")
            .and_then(|s| xml::child_text(s, "name"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let iam_instance_profile = match xml::child(node, "iamInstanceProfile") {
            Some(p) => {
                Some(IamInstanceProfile { arn: xml::required_text(p, "arn")?, id: xml::required_text(p, "id")? })
            }
            None => None,
        };
        Ok(Instance { instance_id: xml::required_text(node, "instanceId")?, state, iam_instance_profile })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_keeps_unknown_values() {
        use IamInstanceProfileAssociationState as State;
        for known in [State::Associating, State::Associated, State::Disassociating, State::Disassociated] {
            assert_eq!(State::from(known.as_str()), known);
            assert_eq!(known.to_string(), known.as_str());
        }
        let s = State::from("quantum");
        assert_eq!(s, State::Unknown("quantum".into()));
        assert_eq!(s.to_string(), "quantum");
    }

    #[test]
    fn specification_constructors() {
        let both = IamInstanceProfileSpecification::arn_and_name("arn:aws:iam::1:instance-profile/p", "p");
        assert_eq!(both.arn.as_deref(), Some("arn:aws:iam::1:instance-profile/p"));
        assert_eq!(both.name.as_deref(), Some("p"));
        assert_eq!(IamInstanceProfileSpecification::from_name_or_arn("p"), IamInstanceProfileSpecification::name("p"));
    }
}
