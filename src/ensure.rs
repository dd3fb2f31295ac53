//! Converging an instance, or a fleet, to the instance profile it should have:
//! describe, decide, write, wait, through IAM's propagation delay.
//!
//! A profile created seconds ago is refused by EC2 for a while
//! (`InvalidParameterValue: ... Invalid IAM Instance Profile name`, or
//! `... has no associated IAM Roles`); Terraform's AWS provider retries exactly
//! these, and so does this module, up to a deadline. Every other error is
//! returned at once, and an `IncorrectState` from a race with another writer
//! is answered by describing again and deciding again, never by repeating the
//! refused call blindly.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::model::{
    IamInstanceProfileAssociation, IamInstanceProfileAssociationState, IamInstanceProfileSpecification,
};
use crate::{Client, DescribeIamInstanceProfileAssociations, Error, WaitOptions, WaitTarget};

/// How many times ensure describes and decides again for one instance after
/// races with other writers before it gives up with the last error.
const MAX_ROUNDS: u32 = 8;

/// What ensure did to an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnsureAction {
    /// The instance had no profile; one was associated.
    Associated,
    /// The instance had another profile; it was replaced.
    Replaced,
    /// The instance already had the profile asked for (or none, when none
    /// was asked for), perhaps because another writer got there first: no
    /// write call took effect.
    Unchanged,
    /// The instance had a profile and none was asked for; it was disassociated.
    Disassociated,
}

impl EnsureAction {
    /// `Associated`, `Replaced`, `Unchanged` or `Disassociated`.
    pub fn as_str(self) -> &'static str {
        match self {
            EnsureAction::Associated => "Associated",
            EnsureAction::Replaced => "Replaced",
            EnsureAction::Unchanged => "Unchanged",
            EnsureAction::Disassociated => "Disassociated",
        }
    }
}

impl fmt::Display for EnsureAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`Client::ensure_instance_profile`] did, and where the instance is now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnsureOutcome {
    /// The instance.
    pub instance_id: String,
    /// What was done.
    pub action: EnsureAction,
    /// The association the instance ends with: after waiting, the
    /// `associated` one (or, after a disassociation, the last one seen in
    /// state `disassociated`, usually `None` as EC2 stops listing it); without
    /// waiting, the one the write call returned. `None` when the instance has
    /// no profile.
    pub association: Option<IamInstanceProfileAssociation>,
    /// The association that was replaced or disassociated.
    pub previous_association_id: Option<String>,
    /// Write calls made (Associate, Replace or Disassociate), retries after
    /// IAM propagation errors included; 0 when nothing was written.
    pub attempts: u32,
    /// The request ids of the calls ensure made itself (describes and writes,
    /// failed ones included), in order; the waiters' polls are not listed.
    pub request_ids: Vec<String>,
}

/// Called once per instance as soon as its result is known (from the worker
/// thread that produced it).
type OnResult = Arc<dyn Fn(&str, &Result<EnsureOutcome, Error>) + Send + Sync>;

/// Where ensure reads the time and how it sleeps between propagation retries.
#[derive(Clone)]
struct Clock {
    now: Arc<dyn Fn() -> Instant + Send + Sync>,
    sleep: crate::retry::Sleep,
}

/// How ensure waits, retries and fans out.
///
/// ```
/// use std::time::Duration;
/// let mut options = ec2_lite::EnsureOptions::default();
/// options.propagation_timeout = Duration::from_secs(300);
/// options.max_concurrency = 16;
/// let options = options.without_wait();
/// # let _ = options;
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct EnsureOptions {
    /// Wait until the association is `associated` (or gone) before returning.
    /// Default `true`.
    pub wait: bool,
    /// The delay between polls and the deadline of the waiters after the
    /// write, and of the wait for an association that is `associating` or
    /// `disassociating` to settle before deciding (that one happens even when
    /// `wait` is off, and uses the clock of [`EnsureOptions::with_clock`]).
    /// Default: 5 s and 10 minutes, as [`WaitOptions::default`].
    pub wait_options: WaitOptions,
    /// How long a write refused because IAM has not propagated the profile yet
    /// is retried, counted from the first such refusal. Default 2 minutes.
    pub propagation_timeout: Duration,
    /// The first delay between those retries; each next one doubles, up to
    /// `propagation_max_delay`, and is jittered down by up to half. Default 1 s.
    pub propagation_delay: Duration,
    /// The longest delay between two propagation retries. Default 10 s.
    pub propagation_max_delay: Duration,
    /// Threads [`Client::ensure_instance_profiles`] runs at most. Default 8.
    pub max_concurrency: usize,
    clock: Clock,
    on_result: Option<OnResult>,
}

impl Default for EnsureOptions {
    fn default() -> Self {
        EnsureOptions {
            wait: true,
            wait_options: WaitOptions::default(),
            propagation_timeout: Duration::from_secs(120),
            propagation_delay: Duration::from_secs(1),
            propagation_max_delay: Duration::from_secs(10),
            max_concurrency: 8,
            clock: Clock { now: Arc::new(Instant::now), sleep: Arc::new(std::thread::sleep) },
            on_result: None,
        }
    }
}

impl fmt::Debug for EnsureOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnsureOptions")
            .field("wait", &self.wait)
            .field("wait_options", &self.wait_options)
            .field("propagation_timeout", &self.propagation_timeout)
            .field("propagation_delay", &self.propagation_delay)
            .field("propagation_max_delay", &self.propagation_max_delay)
            .field("max_concurrency", &self.max_concurrency)
            .field("on_result", &self.on_result.is_some())
            .finish_non_exhaustive()
    }
}

impl EnsureOptions {
    /// The same options, returning as soon as the write call is accepted.
    pub fn without_wait(mut self) -> Self {
        self.wait = false;
        self
    }

    /// The clock and the sleep the propagation retries and the settling wait
    /// use, instead of [`Instant::now`] and [`std::thread::sleep`]: a test can
    /// make time pass without waiting, a program can record or cut the pauses.
    /// The waiters after the write keep polling on the real clock.
    pub fn with_clock(
        mut self,
        now: impl Fn() -> Instant + Send + Sync + 'static,
        sleep: impl Fn(Duration) + Send + Sync + 'static,
    ) -> Self {
        self.clock = Clock { now: Arc::new(now), sleep: Arc::new(sleep) };
        self
    }

    /// A callback told each instance's result as soon as it is known, for
    /// progress reports. [`Client::ensure_instance_profiles`] calls it from
    /// its worker threads, in completion order.
    pub fn on_result(mut self, f: impl Fn(&str, &Result<EnsureOutcome, Error>) + Send + Sync + 'static) -> Self {
        self.on_result = Some(Arc::new(f));
        self
    }

    /// The delay before propagation retry `n + 1` (after `n` refusals):
    /// `min(delay * 2^(n-1), max)`, jittered down by up to half with `rand`.
    fn backoff(&self, n: u32, rand: f64) -> Duration {
        let full = self.propagation_delay.saturating_mul(1u32 << n.saturating_sub(1).min(20));
        let full = full.min(self.propagation_max_delay);
        full.mul_f64(1.0 - 0.5 * rand.clamp(0.0, 1.0))
    }
}

/// Whether EC2 refused a write because IAM has not propagated the profile
/// yet: EC2's `InvalidParameterValue` "Invalid IAM Instance Profile name|ARN"
/// and "... has no associated IAM Roles", and `NoSuchEntity`, which moto (and
/// EC2 for some ARNs) answers for a profile it does not know yet.
fn is_propagation_error(e: &Error) -> bool {
    let Error::Service(s) = e else { return false };
    let message = s.message.to_ascii_lowercase();
    let no_roles = message.contains("has no associated iam roles");
    match s.code.as_str() {
        "NoSuchEntity" => true,
        "InvalidParameterValue" => message.contains("invalid iam instance profile") || no_roles,
        // Right after the profile was created, EC2 has also been seen to
        // answer this (terraform-provider-aws#12533): not a race.
        "IncorrectState" => message.contains("instanceidentityprofilenotfound"),
        _ => no_roles,
    }
}

/// Whether a write was refused because another writer changed the instance's
/// association in between: describing again tells what to do.
fn is_race(e: &Error) -> bool {
    matches!(e.code(), Some("IncorrectState" | "InvalidAssociationID.NotFound"))
}

/// Whether `a` holds the profile `spec` names: an ARN is compared with the
/// ARN, a name with the ARN's last path segment
/// (`arn:aws:iam::123456789012:instance-profile/path/NAME`). IAM does not
/// tell names apart by case, so neither does this.
fn holds(a: &IamInstanceProfileAssociation, spec: &IamInstanceProfileSpecification) -> bool {
    let arn = &a.iam_instance_profile.arn;
    let name = arn.rsplit(['/', ':']).next().unwrap_or(arn);
    let arn_ok = spec.arn.as_deref().filter(|s| !s.trim().is_empty()).is_none_or(|want| want == arn);
    let name_ok =
        spec.name.as_deref().filter(|s| !s.trim().is_empty()).is_none_or(|want| want.eq_ignore_ascii_case(name));
    arn_ok && name_ok
}

/// A write ensure decided on.
enum Write<'a> {
    Associate(&'a IamInstanceProfileSpecification),
    Replace(String, &'a IamInstanceProfileSpecification),
    Disassociate(String),
}

impl Write<'_> {
    /// The association id the write acts on, to tell whether a new decision
    /// is the same as a refused one.
    fn target(&self) -> Option<&str> {
        match self {
            Write::Associate(_) => None,
            Write::Replace(id, _) | Write::Disassociate(id) => Some(id),
        }
    }
}

/// The state of one ensure call.
struct Run<'a> {
    client: &'a Client,
    instance_id: &'a str,
    options: &'a EnsureOptions,
    attempts: u32,
    request_ids: Vec<String>,
}

impl Run<'_> {
    fn note(&mut self, request_id: Option<&str>) {
        if let Some(id) = request_id {
            self.request_ids.push(id.to_owned());
        }
    }

    /// Every association EC2 lists for the instance, in any state.
    fn describe(&mut self) -> Result<Vec<IamInstanceProfileAssociation>, Error> {
        let request = DescribeIamInstanceProfileAssociations::new().filter("instance-id", [self.instance_id]);
        let client = self.client;
        let mut all = Vec::new();
        for page in client.describe_iam_instance_profile_associations_pages(&request) {
            let page = page.inspect_err(|e| self.note(e.request_id()))?;
            self.note(page.request_id.as_deref());
            all.extend(
                page.iam_instance_profile_associations.into_iter().filter(|a| a.instance_id == self.instance_id),
            );
        }
        Ok(all)
    }

    /// Describes until no association of the instance is `associating` or
    /// `disassociating`, polling every `wait_options.delay` for at most
    /// `wait_options.timeout`, and returns what it saw last.
    fn settled(&mut self) -> Result<Vec<IamInstanceProfileAssociation>, Error> {
        let clock = &self.options.clock;
        let start = (clock.now)();
        loop {
            let all = self.describe()?;
            let moving: Vec<String> = all
                .iter()
                .filter(|a| {
                    matches!(
                        a.state,
                        IamInstanceProfileAssociationState::Associating
                            | IamInstanceProfileAssociationState::Disassociating
                    )
                })
                .map(|a| format!("{} in state {}", a.association_id, a.state))
                .collect();
            if moving.is_empty() {
                return Ok(all);
            }
            let waited = (clock.now)().saturating_duration_since(start);
            let Some(left) = self.options.wait_options.timeout.checked_sub(waited).filter(|d| !d.is_zero()) else {
                return Err(Error::WaitFailed {
                    waiter: "IamInstanceProfileAssociationSettled",
                    timed_out: true,
                    last_seen: format!("instance {}: {}", self.instance_id, moving.join(", ")),
                    waited,
                });
            };
            (clock.sleep)(self.options.wait_options.delay.min(left));
        }
    }

    /// Makes one write, retrying IAM propagation errors with backoff until
    /// `propagation_timeout` after the first one.
    fn write(&mut self, write: &Write<'_>) -> Result<IamInstanceProfileAssociation, Error> {
        let client = self.client;
        let clock = &self.options.clock;
        let mut deadline: Option<Instant> = None;
        let mut refusals = 0u32;
        loop {
            self.attempts += 1;
            // The association and the request id of the write's answer.
            let result = match write {
                Write::Associate(p) => client
                    .associate_iam_instance_profile(self.instance_id, p)
                    .map(|o| (o.iam_instance_profile_association, o.request_id)),
                Write::Replace(id, p) => client
                    .replace_iam_instance_profile_association(id, p)
                    .map(|o| (o.iam_instance_profile_association, o.request_id)),
                Write::Disassociate(id) => client
                    .disassociate_iam_instance_profile(id)
                    .map(|o| (o.iam_instance_profile_association, o.request_id)),
            };
            let err = match result {
                Ok((association, request_id)) => {
                    self.note(request_id.as_deref());
                    return Ok(association);
                }
                Err(e) => e,
            };
            self.note(err.request_id());
            if matches!(write, Write::Disassociate(_)) || !is_propagation_error(&err) {
                return Err(err);
            }
            let now = (clock.now)();
            let deadline = *deadline.get_or_insert(now + self.options.propagation_timeout);
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                return Err(err);
            }
            refusals += 1;
            (clock.sleep)(self.options.backoff(refusals, crate::retry::random_fraction()).min(left));
        }
    }

    /// Describe, decide, write, wait; again after a race.
    fn ensure(&mut self, profile: Option<&IamInstanceProfileSpecification>) -> Result<EnsureOutcome, Error> {
        let mut refused: Option<(Error, Option<String>)> = None;
        let mut races = 0;
        loop {
            let all = self.settled()?;
            let current = all.into_iter().find(|a| a.state == IamInstanceProfileAssociationState::Associated);
            let write = match (profile, current) {
                (Some(p), Some(a)) if holds(&a, p) => return Ok(self.outcome(EnsureAction::Unchanged, Some(a), None)),
                (None, None) => return Ok(self.outcome(EnsureAction::Unchanged, None, None)),
                (Some(p), None) => Write::Associate(p),
                (Some(p), Some(a)) => Write::Replace(a.association_id, p),
                (None, Some(a)) => Write::Disassociate(a.association_id),
            };
            // The instance looks as it did when the same write was refused:
            // the refusal was not a race, and repeating the call would only
            // be refused again.
            if let Some((err, target)) = refused.take()
                && target.as_deref() == write.target()
            {
                return Err(err);
            }
            match self.write(&write) {
                Ok(written) => return self.finish(write, written),
                Err(e) if is_race(&e) && races < MAX_ROUNDS => {
                    races += 1;
                    refused = Some((e, write.target().map(str::to_owned)));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// After a write: wait, if asked, and say what was done.
    fn finish(&mut self, write: Write<'_>, written: IamInstanceProfileAssociation) -> Result<EnsureOutcome, Error> {
        let target = WaitTarget::AssociationId(written.association_id.clone());
        let wait = &self.options.wait_options;
        let (action, previous) = match write {
            Write::Associate(_) => (EnsureAction::Associated, None),
            Write::Replace(old, _) => (EnsureAction::Replaced, Some(old)),
            Write::Disassociate(old) => (EnsureAction::Disassociated, Some(old)),
        };
        let association = match (self.options.wait, action) {
            (false, _) => Some(written),
            (true, EnsureAction::Disassociated) => {
                self.client.wait_until_disassociated(&target, wait)?.iam_instance_profile_association
            }
            (true, _) => Some(self.client.wait_until_associated(&target, wait)?.iam_instance_profile_association),
        };
        Ok(self.outcome(action, association, previous))
    }

    fn outcome(
        &mut self,
        action: EnsureAction,
        association: Option<IamInstanceProfileAssociation>,
        previous_association_id: Option<String>,
    ) -> EnsureOutcome {
        EnsureOutcome {
            instance_id: self.instance_id.to_owned(),
            action,
            association,
            previous_association_id,
            attempts: self.attempts,
            request_ids: std::mem::take(&mut self.request_ids),
        }
    }
}

impl Client {
    /// Makes the instance run with `profile` (or with none, for `None`),
    /// whatever it has now, and returns what was done.
    ///
    /// ```no_run
    /// use ec2_lite::{EnsureOptions, IamInstanceProfileSpecification};
    /// let client = ec2_lite::Client::from_env()?;
    /// let outcome = client.ensure_instance_profile(
    ///     "i-0123456789abcdef0",
    ///     Some(&IamInstanceProfileSpecification::name("web")),
    ///     &EnsureOptions::default(),
    /// )?;
    /// println!("{} {:?}", outcome.action, outcome.association.map(|a| a.association_id));
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// It describes the instance's associations and decides:
    ///
    /// | the instance has | `Some(profile)` | `None` |
    /// | --- | --- | --- |
    /// | no association | Associate | nothing (`Unchanged`) |
    /// | `profile`, `associated` | nothing (`Unchanged`) | Disassociate |
    /// | another profile | Replace | Disassociate |
    /// | one `associating` / `disassociating` | waits for it to settle, then decides | same |
    ///
    /// A profile is the same when its ARN equals the ARN given, or its ARN's
    /// last path segment the name given. A write refused because IAM has not
    /// propagated a new profile yet is retried with backoff for
    /// [`EnsureOptions::propagation_timeout`]. A write refused with
    /// `IncorrectState` (another writer got there first) leads to a new
    /// describe and a new decision; when that decision is the same write
    /// again, the error is returned. Then, unless [`EnsureOptions::wait`] is
    /// off, it waits with [`Client::wait_until_associated`] or
    /// [`Client::wait_until_disassociated`].
    ///
    /// Describe does not tell an unknown instance from one without a profile:
    /// with `None`, an instance id that does not exist is `Unchanged`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed instance id or a profile with
    /// neither ARN nor name, before any request; the last propagation error
    /// once the deadline passed; [`Error::WaitFailed`] when a waiter gave up;
    /// any other error of the calls made, at once.
    pub fn ensure_instance_profile(
        &self,
        instance_id: &str,
        profile: Option<&IamInstanceProfileSpecification>,
        options: &EnsureOptions,
    ) -> Result<EnsureOutcome, Error> {
        crate::ops::check_instance_id(instance_id)?;
        if let Some(p) = profile {
            let given = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
            if !given(&p.arn) && !given(&p.name) {
                return Err(Error::invalid_input("the instance profile needs an arn or a name"));
            }
        }
        let mut run = Run { client: self, instance_id, options, attempts: 0, request_ids: Vec::new() };
        run.ensure(profile)
    }

    /// [`Client::ensure_instance_profile`] for each instance, on at most
    /// [`EnsureOptions::max_concurrency`] threads sharing this client (its
    /// connection pool and its retry quota). One instance failing does not
    /// stop the others. The results are in the order of `instance_ids`.
    ///
    /// ```no_run
    /// use ec2_lite::{EnsureOptions, IamInstanceProfileSpecification};
    /// let client = ec2_lite::Client::from_env()?;
    /// let web = IamInstanceProfileSpecification::name("web");
    /// for (id, result) in client.ensure_instance_profiles(&["i-1", "i-2"], Some(&web), &EnsureOptions::default()) {
    ///     match result {
    ///         Ok(outcome) => println!("{id}: {}", outcome.action),
    ///         Err(e) => eprintln!("{id}: {e}"),
    ///     }
    /// }
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    pub fn ensure_instance_profiles<S: AsRef<str> + Sync>(
        &self,
        instance_ids: &[S],
        profile: Option<&IamInstanceProfileSpecification>,
        options: &EnsureOptions,
    ) -> Vec<(String, Result<EnsureOutcome, Error>)> {
        let next = AtomicUsize::new(0);
        let threads = options.max_concurrency.clamp(1, instance_ids.len().max(1));
        let work = || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = instance_ids.get(i) else { return done };
                let id = id.as_ref();
                let result = self.ensure_instance_profile(id, profile, options);
                if let Some(f) = &options.on_result {
                    f(id, &result);
                }
                done.push((i, id.to_owned(), result));
            }
        };
        let mut all: Vec<(usize, String, Result<EnsureOutcome, Error>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        all.sort_by_key(|(i, _, _)| *i);
        all.into_iter().map(|(_, id, result)| (id, result)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceError;
    use crate::model::IamInstanceProfile;

    fn service(code: &str, message: &str) -> Error {
        Error::Service(ServiceError {
            code: code.into(),
            message: message.into(),
            request_id: None,
            status: 400,
            attempts: 1,
        })
    }

    fn assoc(arn: &str) -> IamInstanceProfileAssociation {
        IamInstanceProfileAssociation {
            association_id: "iip-assoc-1".into(),
            instance_id: "i-1".into(),
            iam_instance_profile: IamInstanceProfile { arn: arn.into(), id: "AIPA".into() },
            state: IamInstanceProfileAssociationState::Associated,
            timestamp: None,
        }
    }

    #[test]
    fn names_match_the_last_path_segment_and_arns_the_whole_arn() {
        let a = assoc("arn:aws:iam::123456789012:instance-profile/team/a/web");
        assert!(holds(&a, &IamInstanceProfileSpecification::name("web")));
        assert!(holds(&a, &IamInstanceProfileSpecification::name("Web")), "iam names ignore case");
        assert!(!holds(&a, &IamInstanceProfileSpecification::name("a")));
        assert!(!holds(&a, &IamInstanceProfileSpecification::name("team/a/web")));
        assert!(!holds(&a, &IamInstanceProfileSpecification::name("webx")));
        assert!(holds(
            &a,
            &IamInstanceProfileSpecification::arn("arn:aws:iam::123456789012:instance-profile/team/a/web")
        ));
        assert!(!holds(&a, &IamInstanceProfileSpecification::arn("arn:aws:iam::123456789012:instance-profile/web")));
        let mut both = IamInstanceProfileSpecification::name("web");
        both.arn = Some("arn:aws:iam::123456789012:instance-profile/other/web".into());
        assert!(!holds(&a, &both), "both given: both must match");
        let plain = assoc("arn:aws:iam::123456789012:instance-profile/web");
        assert!(holds(&plain, &IamInstanceProfileSpecification::name("web")));
    }

    #[test]
    fn propagation_errors_are_told_from_others() {
        for (code, message) in [
            (
                "InvalidParameterValue",
                "Value (web) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
            ),
            (
                "InvalidParameterValue",
                "Value (arn:aws:iam::1:instance-profile/web) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN",
            ),
            (
                "InvalidParameterValue",
                "IAM Instance Profile \"arn:aws:iam::1:instance-profile/web\" has no associated IAM Roles",
            ),
            ("NoSuchEntity", "Instance profile web not found"),
        ] {
            assert!(is_propagation_error(&service(code, message)), "{code}: {message}");
        }
        for (code, message) in [
            ("InvalidParameterValue", "Invalid value for associationId."),
            ("IncorrectState", "There is an existing association for instance i-1"),
            ("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist"),
            ("UnauthorizedOperation", "You are not authorized"),
        ] {
            assert!(!is_propagation_error(&service(code, message)), "{code}: {message}");
        }
        assert!(!is_propagation_error(&Error::invalid_input("x")));
        assert!(is_race(&service("IncorrectState", "There is an existing association for instance i-1")));
        assert!(!is_race(&service("InvalidParameterValue", "x")));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_down_by_half_at_most() {
        let o = EnsureOptions::default();
        assert_eq!(o.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(o.backoff(2, 0.0), Duration::from_secs(2));
        assert_eq!(o.backoff(4, 0.0), Duration::from_secs(8));
        assert_eq!(o.backoff(5, 0.0), Duration::from_secs(10));
        assert_eq!(o.backoff(60, 0.0), Duration::from_secs(10));
        assert_eq!(o.backoff(2, 1.0), Duration::from_secs(1));
        let j = crate::retry::random_fraction();
        assert!((0.0..1.0).contains(&j));
    }
}
