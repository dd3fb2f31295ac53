//! The calls a user makes holding an instance id rather than an association id.

use super::describe_iam_instance_profile_associations::{
    DescribeIamInstanceProfileAssociations, DescribeIamInstanceProfileAssociationsOutput,
};
use super::disassociate_iam_instance_profile::DisassociateIamInstanceProfileOutput;
use crate::model::{IamInstanceProfileAssociation, IamInstanceProfileAssociationState};
use crate::{Client, Error};

/// What [`Client::association_for_instance`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssociationForInstanceOutput {
    /// The instance's current association, or `None` when it has none.
    pub iam_instance_profile_association: Option<IamInstanceProfileAssociation>,
    /// The request id of the last `DescribeIamInstanceProfileAssociations`
    /// call made to answer, for AWS support.
    pub request_id: Option<String>,
}

impl Client {
    /// The instance's current association: the `associated` one, else an
    /// `associating` one; `None` when it has neither (no profile, or only
    /// associations on their way out).
    ///
    /// ```no_run
    /// let client = ec2_lite::Client::from_env()?;
    /// let out = client.association_for_instance("i-1234567890abcdef0")?;
    /// match out.iam_instance_profile_association {
    ///     Some(assoc) => println!("{} has {}", assoc.instance_id, assoc.iam_instance_profile.arn),
    ///     None => println!("no profile"),
    /// }
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed instance id; otherwise as for
    /// any call.
    pub fn association_for_instance(&self, instance_id: &str) -> Result<AssociationForInstanceOutput, Error> {
        super::check_instance_id(instance_id)?;
        let all = self.associations_of_instance(instance_id)?;
        Ok(AssociationForInstanceOutput {
            iam_instance_profile_association: pick_current(all.iam_instance_profile_associations),
            request_id: all.request_id,
        })
    }

    /// Disassociates whatever profile the instance has. Returns what
    /// `DisassociateIamInstanceProfile` returned for the association being
    /// removed, or `None` when there was nothing to remove, so a bootstrap
    /// script can run it twice.
    ///
    /// ```no_run
    /// let client = ec2_lite::Client::from_env()?;
    /// match client.disassociate_instance("i-1234567890abcdef0")? {
    ///     Some(out) => println!("removed {}", out.iam_instance_profile_association.iam_instance_profile.arn),
    ///     None => println!("no profile to remove"),
    /// }
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Client::association_for_instance`] and
    /// [`Client::disassociate_iam_instance_profile`].
    pub fn disassociate_instance(
        &self,
        instance_id: &str,
    ) -> Result<Option<DisassociateIamInstanceProfileOutput>, Error> {
        match self.association_for_instance(instance_id)?.iam_instance_profile_association {
            Some(a) => self.disassociate_iam_instance_profile(&a.association_id).map(Some),
            None => Ok(None),
        }
    }

    /// Every association EC2 lists for the instance, in any state, from every
    /// page, with the request id of the last page.
    pub(crate) fn associations_of_instance(
        &self,
        instance_id: &str,
    ) -> Result<DescribeIamInstanceProfileAssociationsOutput, Error> {
        let request = DescribeIamInstanceProfileAssociations::new().filter("instance-id", [instance_id]);
        let mut all = DescribeIamInstanceProfileAssociationsOutput::default();
        for page in self.describe_iam_instance_profile_associations_pages(&request) {
            let page = page?;
            all.iam_instance_profile_associations.extend(page.iam_instance_profile_associations);
            all.request_id = page.request_id;
        }
        Ok(all)
    }
}

/// `associated` wins over `associating`; anything else is not current.
pub(crate) fn pick_current(all: Vec<IamInstanceProfileAssociation>) -> Option<IamInstanceProfileAssociation> {
    let mut associating = None;
    for a in all {
        match a.state {
            IamInstanceProfileAssociationState::Associated => return Some(a),
            IamInstanceProfileAssociationState::Associating if associating.is_none() => associating = Some(a),
            _ => {}
        }
    }
    associating
}
