//! The calls a user makes holding an instance id rather than an association id.

use super::describe_iam_instance_profile_associations::DescribeIamInstanceProfileAssociations;
use crate::model::{AssociationState, IamInstanceProfileAssociation, Output};
use crate::{Client, Error};

impl Client {
    /// The instance's current association: the `associated` one, else an
    /// `associating` one; `None` when it has neither (no profile, or only
    /// associations on their way out).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed instance id; otherwise as for
    /// any call.
    pub fn association_for_instance(&self, instance_id: &str) -> Result<Option<IamInstanceProfileAssociation>, Error> {
        super::check_instance_id(instance_id)?;
        let all = self.associations_of_instance(instance_id)?;
        Ok(pick_current(all))
    }

    /// Disassociates whatever profile the instance has. Returns the
    /// association being removed, or `None` when there was nothing to remove,
    /// so a bootstrap script can run it twice.
    ///
    /// ```no_run
    /// let client = ec2_lite::Client::from_env()?;
    /// match client.disassociate_instance("i-1234567890abcdef0")? {
    ///     Some(assoc) => println!("removed {}", assoc.iam_instance_profile.arn),
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
    ) -> Result<Option<Output<IamInstanceProfileAssociation>>, Error> {
        match self.association_for_instance(instance_id)? {
            Some(a) => self.disassociate_iam_instance_profile(&a.association_id).map(Some),
            None => Ok(None),
        }
    }

    /// Every association EC2 lists for the instance, in any state.
    pub(crate) fn associations_of_instance(
        &self,
        instance_id: &str,
    ) -> Result<Vec<IamInstanceProfileAssociation>, Error> {
        let request = DescribeIamInstanceProfileAssociations::new().filter("instance-id", [instance_id]);
        self.describe_iam_instance_profile_associations_pages(&request).items().collect()
    }
}

/// `associated` wins over `associating`; anything else is not current.
pub(crate) fn pick_current(all: Vec<IamInstanceProfileAssociation>) -> Option<IamInstanceProfileAssociation> {
    let mut associating = None;
    for a in all {
        match a.state {
            AssociationState::Associated => return Some(a),
            AssociationState::Associating if associating.is_none() => associating = Some(a),
            _ => {}
        }
    }
    associating
}
