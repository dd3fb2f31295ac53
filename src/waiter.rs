//! Waiting until an association took, or is gone, by polling
//! `DescribeIamInstanceProfileAssociations`. No AWS SDK ships a waiter for
//! these operations; this one follows the shape of theirs (a delay between
//! polls, a deadline, failure states that end the wait early). The delays and
//! the deadline go by the client's clock, as its retries do.

use std::time::Duration;

use crate::model::{IamInstanceProfileAssociation, IamInstanceProfileAssociationState as State};
use crate::ops::by_instance::pick_current;
use crate::ops::describe_iam_instance_profile_associations::DescribeIamInstanceProfileAssociationsOutput;
use crate::{Client, DescribeIamInstanceProfileAssociations, Error};

/// What to wait on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitTarget {
    /// One association. After a replace, use the id the replace returned.
    AssociationId(String),
    /// Whatever association the instance has.
    InstanceId(String),
}

/// The shortest wait between two polls, whatever the delay asked: ten calls a second at most,
/// below EC2's request rate limits, where a delay of zero would poll in a tight loop.
pub(crate) const MIN_DELAY: Duration = Duration::from_millis(100);

/// How often to poll, and for how long.
///
/// ```no_run
/// use std::time::Duration;
/// use ec2_lite::{WaitOptions, WaitTarget};
///
/// let client = ec2_lite::Client::from_env()?;
/// // Poll every 2 s; give up after a minute with `Error::WaitFailed`.
/// let options = WaitOptions::new(Duration::from_secs(2), Duration::from_secs(60));
/// let target = WaitTarget::InstanceId("i-1234567890abcdef0".to_owned());
/// let assoc = client.wait_until_associated(&target, &options)?.iam_instance_profile_association;
/// println!("{} is {}", assoc.association_id, assoc.state);
/// # Ok::<(), ec2_lite::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Time between two polls. Default 5 s; at least 100 ms, whatever is set.
    pub delay: Duration,
    /// Give up after this long. Default 10 minutes.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions { delay: Duration::from_secs(5), timeout: Duration::from_secs(600) }
    }
}

impl WaitOptions {
    /// Options with this delay and timeout.
    pub fn new(delay: Duration, timeout: Duration) -> Self {
        WaitOptions { delay, timeout }
    }
}

/// What [`Client::wait_until_associated`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitUntilAssociatedOutput {
    /// The association, in state `associated`.
    pub iam_instance_profile_association: IamInstanceProfileAssociation,
    /// The request id of the poll that saw it, for AWS support.
    pub request_id: Option<String>,
}

/// What [`Client::wait_until_disassociated`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitUntilDisassociatedOutput {
    /// The last association seen, in state `disassociated`, or `None` once
    /// EC2 no longer lists it.
    pub iam_instance_profile_association: Option<IamInstanceProfileAssociation>,
    /// The request id of the last poll, for AWS support.
    pub request_id: Option<String>,
}

/// What one poll saw, and whether the wait is over.
enum Poll<T> {
    Done(T),
    Failed(String),
    Pending(String),
}

impl Client {
    /// Waits until the association is `associated`, and returns it.
    ///
    /// ```no_run
    /// use ec2_lite::{WaitOptions, WaitTarget};
    /// let client = ec2_lite::Client::from_env()?;
    /// let target = WaitTarget::InstanceId("i-1234567890abcdef0".to_owned());
    /// let done = client.wait_until_associated(&target, &WaitOptions::default())?;
    /// println!("{}", done.iam_instance_profile_association.association_id);
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// For an association id, a `disassociating` or `disassociated` state ends
    /// the wait with an error at once: it will not become associated. An id
    /// not found yet is polled again (EC2 is eventually consistent). For an
    /// instance id, any `associated` association of the instance ends it.
    ///
    /// # Errors
    /// [`Error::WaitFailed`] on timeout or a failure state, saying what was
    /// last seen; other errors as for any call, except throttling and
    /// transient errors, which are polled through.
    pub fn wait_until_associated(
        &self,
        target: &WaitTarget,
        options: &WaitOptions,
    ) -> Result<WaitUntilAssociatedOutput, Error> {
        self.wait("IamInstanceProfileAssociated", options, || {
            let DescribeIamInstanceProfileAssociationsOutput {
                iam_instance_profile_associations: found,
                request_id,
                ..
            } = self.observe(target)?;
            let done = |a| Poll::Done(WaitUntilAssociatedOutput { iam_instance_profile_association: a, request_id });
            Ok(match target {
                WaitTarget::AssociationId(id) => match found.into_iter().next() {
                    None => Poll::Pending(format!("association {id} not found")),
                    Some(a) => match a.state {
                        State::Associated => done(a),
                        State::Disassociating | State::Disassociated => {
                            Poll::Failed(format!("association {id} is {}", a.state))
                        }
                        _ => Poll::Pending(format!("association {id} in state {}", a.state)),
                    },
                },
                WaitTarget::InstanceId(id) => {
                    let seen = describe_states(&found);
                    match pick_current(found) {
                        Some(a) if a.state == State::Associated => done(a),
                        _ => Poll::Pending(format!("instance {id}: {seen}")),
                    }
                }
            })
        })
    }

    /// Waits until the association is gone or `disassociated`. Returns the
    /// last association seen in state `disassociated`, or none once EC2 no
    /// longer lists it.
    ///
    /// # Errors
    /// [`Error::WaitFailed`] on timeout, saying what was last seen; other
    /// errors as for [`Client::wait_until_associated`].
    pub fn wait_until_disassociated(
        &self,
        target: &WaitTarget,
        options: &WaitOptions,
    ) -> Result<WaitUntilDisassociatedOutput, Error> {
        self.wait("IamInstanceProfileDisassociated", options, || {
            let DescribeIamInstanceProfileAssociationsOutput {
                iam_instance_profile_associations: found,
                request_id,
                ..
            } = self.observe(target)?;
            let active = |a: &IamInstanceProfileAssociation| {
                matches!(a.state, State::Associating | State::Associated | State::Disassociating)
            };
            if found.iter().any(active) {
                let seen = match target {
                    WaitTarget::AssociationId(_) => describe_states(&found),
                    WaitTarget::InstanceId(id) => format!("instance {id}: {}", describe_states(&found)),
                };
                return Ok(Poll::Pending(seen));
            }
            Ok(Poll::Done(WaitUntilDisassociatedOutput {
                iam_instance_profile_association: found.into_iter().find(|a| a.state == State::Disassociated),
                request_id,
            }))
        })
    }

    /// The associations a target names, with the request id of the poll; an
    /// association id that EC2 says does not exist is an empty list.
    fn observe(&self, target: &WaitTarget) -> Result<DescribeIamInstanceProfileAssociationsOutput, Error> {
        match target {
            WaitTarget::AssociationId(id) => {
                let request = DescribeIamInstanceProfileAssociations::new().association_ids([id.as_str()]);
                match self.describe_iam_instance_profile_associations(&request) {
                    Ok(mut page) => {
                        page.iam_instance_profile_associations.retain(|a| &a.association_id == id);
                        Ok(page)
                    }
                    Err(e) if e.is_not_found() => Ok(DescribeIamInstanceProfileAssociationsOutput {
                        request_id: e.request_id().map(str::to_owned),
                        ..Default::default()
                    }),
                    Err(e) => Err(e),
                }
            }
            WaitTarget::InstanceId(id) => {
                crate::ops::check_instance_id(id)?;
                self.associations_of_instance(id)
            }
        }
    }

    fn wait<T>(
        &self,
        waiter: &'static str,
        options: &WaitOptions,
        mut poll: impl FnMut() -> Result<Poll<T>, Error>,
    ) -> Result<T, Error> {
        let start = self.monotonic_now();
        let elapsed = || self.monotonic_now().saturating_sub(start);
        loop {
            let last_seen = match poll() {
                Ok(Poll::Done(v)) => return Ok(v),
                Ok(Poll::Failed(seen)) => {
                    return Err(Error::WaitFailed { waiter, timed_out: false, last_seen: seen, waited: elapsed() });
                }
                Ok(Poll::Pending(seen)) => seen,
                // A throttled or failed poll is just a poll that saw nothing.
                Err(e) if e.is_retryable() => format!("error: {e}"),
                Err(e) => return Err(e),
            };
            let waited = elapsed();
            let Some(left) = options.timeout.checked_sub(waited).filter(|d| !d.is_zero()) else {
                return Err(Error::WaitFailed { waiter, timed_out: true, last_seen, waited });
            };
            // A delay of zero must not poll in a tight loop for the whole timeout.
            self.sleep(options.delay.max(MIN_DELAY).min(left));
        }
    }
}

fn describe_states(found: &[IamInstanceProfileAssociation]) -> String {
    if found.is_empty() {
        return "no association".to_owned();
    }
    found.iter().map(|a| format!("{} in state {}", a.association_id, a.state)).collect::<Vec<_>>().join(", ")
}
