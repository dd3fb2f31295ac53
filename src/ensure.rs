//! Converging a fleet of instances to the instance profile each should have,
//! in one pipeline: describe in batches, decide, write at the rate EC2 allows,
//! wait in batches.
//!
//! One describe names up to 200 instances (EC2 refuses more filter values with
//! `FilterLimitExceeded`), so a fleet costs a handful of describes rather than
//! several per instance. Associate, Replace and Disassociate each have their
//! own queue and workers: EC2 throttles each action from its own bucket, and
//! an empty bucket for one must not hold up the others. One poller watches
//! every write in flight with the same batched describe.
//!
//! A profile created seconds ago is refused by EC2 for a while
//! (`InvalidParameterValue: ... Invalid IAM Instance Profile name`, or
//! `... has no associated IAM Roles`); Terraform's AWS provider retries exactly
//! these, and so does this module, up to a deadline. A throttled call is tried
//! again later, never an instance's failure while time is left. Every other
//! error is returned at once, and an `IncorrectState` from a race with another
//! writer is answered by describing again and deciding again, never by
//! repeating the refused call blindly.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::model::{
    IamInstanceProfileAssociation, IamInstanceProfileAssociationState, IamInstanceProfileSpecification,
};
use crate::{Client, DescribeIamInstanceProfileAssociations, Error, WaitOptions};

/// How many times ensure describes and decides again for one instance after
/// races with other writers before it gives up with the last error.
const MAX_ROUNDS: u32 = 8;

/// The most values EC2 takes in one filter; more is `FilterLimitExceeded`.
const IDS_PER_DESCRIBE: usize = 200;

/// The largest page EC2 hands out: with 200 instances a call, one page holds
/// them all unless some have several associations.
const PAGE_SIZE: u32 = 1000;

/// The delay between polls of a fleet by default. Describe's bucket refills at
/// 20 calls a second and one poll covers 200 instances, so polling more often
/// than EC2's few seconds of `associating` would only spend the bucket.
pub(crate) const FLEET_POLL_DELAY: Duration = Duration::from_secs(2);

/// The first delay before a throttled call is tried again; each next one
/// doubles up to [`THROTTLE_MAX_DELAY`], jittered down by up to half. EC2's
/// buckets refill at 5 tokens a second at least, so a second frees a few.
const THROTTLE_DELAY: Duration = Duration::from_secs(1);

/// The longest delay before a throttled call is tried again, as the SDKs' cap.
const THROTTLE_MAX_DELAY: Duration = Duration::from_secs(20);

/// How often a pause looks at the cancel flag: an interrupted run must not
/// sit out a backoff of several seconds before it returns.
const CANCEL_CHECK: Duration = Duration::from_millis(100);

/// What ensure did to an instance (or, in a dry run, would do).
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

/// What ensure did to one instance, and where the instance is now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnsureOutcome {
    /// The instance.
    pub instance_id: String,
    /// What was done; in a dry run, what would be done.
    pub action: EnsureAction,
    /// The association the instance ends with: after waiting, the
    /// `associated` one (or, after a disassociation, the last one seen in
    /// state `disassociated`, usually `None` as EC2 stops listing it); without
    /// waiting, or when the run was cancelled before the write was confirmed,
    /// the one last seen (the write call's answer at first). In a dry run, the
    /// current one. `None` when the instance has no profile.
    pub association: Option<IamInstanceProfileAssociation>,
    /// The association that was (or, in a dry run, would be) replaced or
    /// disassociated.
    pub previous_association_id: Option<String>,
    /// Write calls made (Associate, Replace or Disassociate), retries after
    /// IAM propagation errors and throttling included; 0 when nothing was
    /// written.
    pub attempts: u32,
    /// The request ids of this instance's own write calls and of the
    /// describes that listed it (a describe covers up to 200 instances, so
    /// its id is shared), failed ones included, in order.
    pub request_ids: Vec<String>,
    /// Whether this is a plan from [`EnsureOptions::dry_run`]: nothing was
    /// written.
    pub dry_run: bool,
}

/// Called once per instance as soon as its result is known.
type OnResult = Arc<dyn Fn(&str, &Result<EnsureOutcome, Error>) + Send + Sync>;

/// Called before each pause of a write that IAM refused because it has not
/// propagated the profile yet (from the worker thread making the write).
type OnPropagationWait = Arc<dyn Fn(&PropagationWait<'_>) + Send + Sync>;

/// A write refused because IAM has not propagated the profile yet, about to
/// be tried again: what [`EnsureOptions::on_propagation_wait`] is told.
#[derive(Debug)]
#[non_exhaustive]
pub struct PropagationWait<'a> {
    /// The instance.
    pub instance_id: &'a str,
    /// The profile the write asks for.
    pub profile: &'a IamInstanceProfileSpecification,
    /// The refusal.
    pub error: &'a Error,
    /// How many times the write was refused so far, this one included.
    pub refusals: u32,
    /// The pause before the next try.
    pub next_try_in: Duration,
    /// The time left before the propagation deadline
    /// ([`EnsureOptions::propagation_timeout`] after the first refusal).
    pub time_left: Duration,
}

/// How ensure waits, retries and fans out.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::AtomicBool;
/// use std::time::Duration;
///
/// let interrupted = Arc::new(AtomicBool::new(false));
/// let mut options = ec2_lite::EnsureOptions::default().cancel_on(interrupted.clone());
/// options.propagation_timeout = Duration::from_secs(300);
/// options.max_concurrency = 16;
/// options.deadline = Some(Duration::from_secs(3600));
/// options.dry_run = true;
/// # let _ = options;
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct EnsureOptions {
    /// Wait until the association is `associated` (or gone) before returning.
    /// Default `true`.
    pub wait: bool,
    /// The delay between polls and the deadline of the wait after the write,
    /// and of the wait for an association that is `associating` or
    /// `disassociating` to settle before deciding (that one happens even when
    /// `wait` is off). One poll describes every instance being waited for, up
    /// to 200 a call. The deadline counts from each instance's write (or from
    /// when it was first seen unsettled). Default: 2 s and 10 minutes (a
    /// single waiter's default delay is 5 s; a fleet shares its polls, so it
    /// can afford to look more often). At least 100 ms, whatever is set.
    pub wait_options: WaitOptions,
    /// How long a write refused because IAM has not propagated the profile yet
    /// is retried, counted from the first such refusal. Default 2 minutes.
    pub propagation_timeout: Duration,
    /// The first delay between those retries; each next one doubles, up to
    /// `propagation_max_delay`, and is jittered down by up to half. Default 1 s.
    pub propagation_delay: Duration,
    /// The longest delay between two propagation retries. Default 10 s.
    pub propagation_max_delay: Duration,
    /// Worker threads per write action (Associate, Replace, Disassociate
    /// each), started as work arrives. The client paces each action to EC2's
    /// rate, so this only needs to be large enough to use the burst. Default 8.
    pub max_concurrency: usize,
    /// Describe and decide, but write nothing: each result is the planned
    /// [`EnsureOutcome`] with [`EnsureOutcome::dry_run`] set. Associations
    /// still `associating` or `disassociating` are waited for first, as in a
    /// real run. Default `false`.
    pub dry_run: bool,
    /// How long, from the start of the run, a throttled call is tried again;
    /// after that the throttling error is the instance's result. Default
    /// `None`: throttling is waited out however long it lasts.
    pub deadline: Option<Duration>,
    on_result: Option<OnResult>,
    on_propagation_wait: Option<OnPropagationWait>,
    cancel: Option<Arc<AtomicBool>>,
}

impl Default for EnsureOptions {
    fn default() -> Self {
        EnsureOptions {
            wait: true,
            wait_options: WaitOptions::new(FLEET_POLL_DELAY, WaitOptions::default().timeout),
            propagation_timeout: Duration::from_secs(120),
            propagation_delay: Duration::from_secs(1),
            propagation_max_delay: Duration::from_secs(10),
            max_concurrency: 8,
            dry_run: false,
            deadline: None,
            on_result: None,
            on_propagation_wait: None,
            cancel: None,
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
            .field("dry_run", &self.dry_run)
            .field("deadline", &self.deadline)
            .field("on_result", &self.on_result.is_some())
            .field("on_propagation_wait", &self.on_propagation_wait.is_some())
            .field("cancel", &self.cancel.is_some())
            .finish_non_exhaustive()
    }
}

impl EnsureOptions {
    /// The same options, returning as soon as the write call is accepted.
    pub fn without_wait(mut self) -> Self {
        self.wait = false;
        self
    }

    /// A callback told each instance's result as soon as it is known, for
    /// progress reports: in completion order, from whichever thread of the
    /// run learnt it, once per entry given (an instance listed twice is told
    /// twice). Keep it short: the run waits for it.
    pub fn on_result(mut self, f: impl Fn(&str, &Result<EnsureOutcome, Error>) + Send + Sync + 'static) -> Self {
        self.on_result = Some(Arc::new(f));
        self
    }

    /// A callback told each time a write is refused because IAM has not
    /// propagated its profile yet, before the pause that precedes the next
    /// try: a program can say what it is waiting for, and for how long at most.
    /// Called from the worker thread making the write; keep it short.
    ///
    /// ```
    /// let options = ec2_lite::EnsureOptions::default().on_propagation_wait(|w| {
    ///     eprintln!(
    ///         "{}: {} not usable yet ({}); {:.0} s left",
    ///         w.instance_id,
    ///         w.profile.name.as_deref().unwrap_or_default(),
    ///         w.error.code().unwrap_or("error"),
    ///         w.time_left.as_secs_f64(),
    ///     )
    /// });
    /// # let _ = options;
    /// ```
    pub fn on_propagation_wait(mut self, f: impl Fn(&PropagationWait<'_>) + Send + Sync + 'static) -> Self {
        self.on_propagation_wait = Some(Arc::new(f));
        self
    }

    /// Stops the run once `flag` is set (by a signal handler, say): no new
    /// write starts, writes already sent are awaited, the poller looks once
    /// more at what is in flight, and the run returns with every instance
    /// listed. An instance whose write was accepted is `Ok` with the
    /// association as last seen (it was changed, perhaps not yet
    /// `associated`); one not started is [`Error::Cancelled`]. Running again
    /// finishes the rest.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use std::sync::atomic::AtomicBool;
    /// use ec2_lite::{EnsureOptions, Error, IamInstanceProfileSpecification};
    ///
    /// let client = ec2_lite::Client::from_env()?;
    /// let stop = Arc::new(AtomicBool::new(false));
    /// // Set `stop` from a ctrl-c handler or another thread.
    /// let options = EnsureOptions::default().cancel_on(stop.clone());
    /// let web = IamInstanceProfileSpecification::name("web");
    /// for (id, result) in client.ensure_instance_profiles(&["i-0123456789abcdef0"], Some(&web), &options) {
    ///     match result {
    ///         Err(Error::Cancelled { .. }) => println!("{id}: not started"),
    ///         Err(e) => println!("{id}: {e}"),
    ///         Ok(outcome) => println!("{id}: {}", outcome.action),
    ///     }
    /// }
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    pub fn cancel_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// The delay before propagation retry `n + 1` (after `n` refusals):
    /// `min(delay * 2^(n-1), max)`, jittered down by up to half with `rand`.
    fn backoff(&self, n: u32, rand: f64) -> Duration {
        doubling(self.propagation_delay, self.propagation_max_delay, n, rand)
    }
}

/// `min(base * 2^(n-1), max)`, jittered down by up to half with `rand`.
fn doubling(base: Duration, max: Duration, n: u32, rand: f64) -> Duration {
    let full = base.saturating_mul(1u32 << n.saturating_sub(1).min(20)).min(max);
    full.mul_f64(1.0 - 0.5 * rand.clamp(0.0, 1.0))
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

/// The write actions; each has its own queue and workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Associate,
    Replace,
    Disassociate,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Associate, Kind::Replace, Kind::Disassociate];

    fn index(self) -> usize {
        self as usize
    }

    fn action(self) -> EnsureAction {
        match self {
            Kind::Associate => EnsureAction::Associated,
            Kind::Replace => EnsureAction::Replaced,
            Kind::Disassociate => EnsureAction::Disassociated,
        }
    }
}

/// A write ensure decided on.
#[derive(Clone)]
enum Write<'a> {
    Associate(&'a IamInstanceProfileSpecification),
    Replace(String, &'a IamInstanceProfileSpecification),
    Disassociate(String),
}

impl Write<'_> {
    fn kind(&self) -> Kind {
        match self {
            Write::Associate(_) => Kind::Associate,
            Write::Replace(..) => Kind::Replace,
            Write::Disassociate(_) => Kind::Disassociate,
        }
    }

    /// The association id the write acts on, to tell whether a new decision
    /// is the same as a refused one.
    fn target(&self) -> Option<&str> {
        match self {
            Write::Associate(_) => None,
            Write::Replace(id, _) | Write::Disassociate(id) => Some(id),
        }
    }
}

/// Where one instance is in the pipeline.
enum Phase {
    /// To be described (first, or again after a race), at the next round.
    Describe,
    /// Seen `associating` or `disassociating` since then: polled each round
    /// until it settles.
    Settling { since: Duration },
    /// Its write is queued or being sent.
    Writing,
    /// Its write was accepted: polled each round until it took.
    InFlight { kind: Kind, previous: Option<String>, seen: IamInstanceProfileAssociation, since: Duration },
    /// Its result is known.
    Done,
}

/// One distinct instance of the run, wherever it was listed.
struct Entry<'a> {
    instance_id: &'a str,
    profile: Option<&'a IamInstanceProfileSpecification>,
    /// Where the instance was listed in the input.
    positions: Vec<usize>,
    phase: Phase,
    attempts: u32,
    request_ids: Vec<String>,
    /// The last write refused as a race, and the association it acted on.
    refused: Option<(Error, Option<String>)>,
    races: u32,
    result: Option<Result<EnsureOutcome, Error>>,
}

/// A write waiting for, or held by, a worker of its action.
struct Job<'a> {
    entry: usize,
    write: Write<'a>,
    /// How many times it was throttled, for the backoff.
    throttled: u32,
}

/// What the poller and the workers share, under one lock.
struct State<'a> {
    entries: Vec<Entry<'a>>,
    queues: [VecDeque<Job<'a>>; 3],
    workers: [usize; 3],
    idle: [usize; 3],
    /// Jobs queued or being sent.
    outstanding: usize,
    closing: bool,
}

/// How one write call (with its propagation retries) ended.
enum WriteEnd {
    Accepted(IamInstanceProfileAssociation),
    Refused(Error),
    Throttled(Error),
    Cancelled,
}

/// One batched describe: the instances asked about, what EC2 listed for
/// them, and the request ids of its pages.
struct Described<'a> {
    entries: Vec<usize>,
    found: Result<HashMap<&'a str, Vec<IamInstanceProfileAssociation>>, Error>,
    request_ids: Vec<String>,
}

/// One run of the pipeline.
struct Fleet<'a> {
    client: &'a Client,
    options: &'a EnsureOptions,
    start: Duration,
    state: Mutex<State<'a>>,
    /// Wakes workers: a job was queued, or the run is closing.
    work: Condvar,
    /// Wakes the poller: a worker is done with a job.
    event: Condvar,
}

impl<'a> Fleet<'a> {
    fn lock(&self) -> MutexGuard<'_, State<'a>> {
        // A worker that panicked is re-raised when the scope joins it; the
        // others may go on with the state as it was left.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The client's monotonic time: the poller's rounds, the propagation and throttling
    /// retries, the settling wait and the deadlines go by the clock the client was built with.
    fn now(&self) -> Duration {
        self.client.monotonic_now()
    }

    fn cancelled(&self) -> bool {
        self.options.cancel.as_ref().is_some_and(|f| f.load(Ordering::SeqCst))
    }

    /// Whether throttled calls may still be tried again.
    fn time_left(&self) -> Option<Duration> {
        match self.options.deadline {
            None => Some(Duration::MAX),
            // A deadline too far to add up is no deadline.
            Some(d) => match self.start.checked_add(d) {
                Some(end) => end.checked_sub(self.now()).filter(|left| !left.is_zero()),
                None => Some(Duration::MAX),
            },
        }
    }

    /// Sleeps on the client's clock; in slices when the run can be cancelled,
    /// to notice it soon.
    fn pause(&self, d: Duration) {
        let Some(flag) = &self.options.cancel else { return self.client.sleep(d) };
        let Some(until) = self.now().checked_add(d) else { return self.client.sleep(d) };
        while !flag.load(Ordering::SeqCst) {
            let Some(left) = until.checked_sub(self.now()).filter(|l| !l.is_zero()) else { return };
            self.client.sleep(left.min(CANCEL_CHECK));
        }
    }

    fn outcome(
        &self,
        entry: &mut Entry<'_>,
        action: EnsureAction,
        association: Option<IamInstanceProfileAssociation>,
        previous_association_id: Option<String>,
    ) -> EnsureOutcome {
        EnsureOutcome {
            instance_id: entry.instance_id.to_owned(),
            action,
            association,
            previous_association_id,
            attempts: entry.attempts,
            request_ids: std::mem::take(&mut entry.request_ids),
            dry_run: self.options.dry_run,
        }
    }

    /// Records an instance's result and tells the callback, once per position.
    fn finish(&self, st: &mut State<'a>, i: usize, result: Result<EnsureOutcome, Error>) {
        let Some(entry) = st.entries.get_mut(i) else { return };
        entry.phase = Phase::Done;
        if let Some(f) = &self.options.on_result {
            for _ in &entry.positions {
                f(entry.instance_id, &result);
            }
        }
        entry.result = Some(result);
    }

    fn finish_outcome(
        &self,
        st: &mut State<'a>,
        i: usize,
        action: EnsureAction,
        association: Option<IamInstanceProfileAssociation>,
        previous: Option<String>,
    ) {
        let Some(entry) = st.entries.get_mut(i) else { return };
        let outcome = self.outcome(entry, action, association, previous);
        self.finish(st, i, Ok(outcome));
    }

    fn finish_cancelled(&self, st: &mut State<'a>, i: usize) {
        let instance_id = st.entries.get(i).map(|e| e.instance_id.to_owned()).unwrap_or_default();
        self.finish(st, i, Err(Error::Cancelled { instance_id }));
    }

    /// Queues a write for its action's workers, starting one more worker
    /// when every one is busy and the action has fewer than allowed.
    fn enqueue(&self, st: &mut State<'a>, job: Job<'a>, spawn: &dyn Fn(Kind)) {
        let k = job.write.kind().index();
        st.queues[k].push_back(job);
        st.outstanding += 1;
        if st.queues[k].len() > st.idle[k] && st.workers[k] < self.options.max_concurrency.max(1) {
            st.workers[k] += 1;
            spawn(Kind::ALL[k]);
        }
        self.work.notify_all();
    }

    /// What the describe of a settled instance says to do.
    fn decide(
        &self,
        st: &mut State<'a>,
        i: usize,
        all: Vec<IamInstanceProfileAssociation>,
        now: Duration,
        spawn: &dyn Fn(Kind),
    ) {
        let Some(entry) = st.entries.get_mut(i) else { return };
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
        if !moving.is_empty() {
            let since = match entry.phase {
                Phase::Settling { since } => since,
                _ => now,
            };
            let waited = now.saturating_sub(since);
            if waited >= self.options.wait_options.timeout {
                let err = Error::WaitFailed {
                    waiter: "IamInstanceProfileAssociationSettled",
                    timed_out: true,
                    last_seen: format!("instance {}: {}", entry.instance_id, moving.join(", ")),
                    waited,
                };
                return self.finish(st, i, Err(err));
            }
            entry.phase = Phase::Settling { since };
            return;
        }
        let current = all.into_iter().find(|a| a.state == IamInstanceProfileAssociationState::Associated);
        let (write, current) = match (entry.profile, current) {
            (Some(p), Some(a)) if holds(&a, p) => {
                return self.finish_outcome(st, i, EnsureAction::Unchanged, Some(a), None);
            }
            (None, None) => return self.finish_outcome(st, i, EnsureAction::Unchanged, None, None),
            (Some(p), None) => (Write::Associate(p), None),
            (Some(p), Some(a)) => (Write::Replace(a.association_id.clone(), p), Some(a)),
            (None, Some(a)) => (Write::Disassociate(a.association_id.clone()), Some(a)),
        };
        // The instance looks as it did when the same write was refused: the
        // refusal was not a race, and repeating the call would only be
        // refused again.
        if let Some((err, target)) = entry.refused.take()
            && target.as_deref() == write.target()
        {
            return self.finish(st, i, Err(err));
        }
        if self.options.dry_run {
            let previous = write.target().map(str::to_owned);
            return self.finish_outcome(st, i, write.kind().action(), current, previous);
        }
        if self.cancelled() {
            return self.finish_cancelled(st, i);
        }
        entry.phase = Phase::Writing;
        self.enqueue(st, Job { entry: i, write, throttled: 0 }, spawn);
    }

    /// What a poll says of a write in flight: done, failed, or still to wait.
    fn check_in_flight(&self, st: &mut State<'a>, i: usize, all: Vec<IamInstanceProfileAssociation>, now: Duration) {
        use IamInstanceProfileAssociationState as S;
        let Some(entry) = st.entries.get_mut(i) else { return };
        let Phase::InFlight { kind, previous, seen, since } = &mut entry.phase else { return };
        let (kind, since) = (*kind, *since);
        let target = seen.association_id.clone();
        let mine = all.into_iter().find(|a| a.association_id == target);
        let (waiter, last_seen) = if kind == Kind::Disassociate {
            match mine {
                Some(a) if matches!(a.state, S::Associating | S::Associated | S::Disassociating) => {
                    let text = format!("{} in state {}", a.association_id, a.state);
                    *seen = a;
                    ("IamInstanceProfileDisassociated", text)
                }
                gone => {
                    let previous = previous.take();
                    return self.finish_outcome(st, i, kind.action(), gone, previous);
                }
            }
        } else {
            match mine {
                Some(a) if a.state == S::Associated => {
                    let previous = previous.take();
                    return self.finish_outcome(st, i, kind.action(), Some(a), previous);
                }
                Some(a) if matches!(a.state, S::Disassociating | S::Disassociated) => {
                    let err = Error::WaitFailed {
                        waiter: "IamInstanceProfileAssociated",
                        timed_out: false,
                        last_seen: format!("association {target} is {}", a.state),
                        waited: now.saturating_sub(since),
                    };
                    return self.finish(st, i, Err(err));
                }
                Some(a) => {
                    let text = format!("association {target} in state {}", a.state);
                    *seen = a;
                    ("IamInstanceProfileAssociated", text)
                }
                // EC2 is eventually consistent: a new association may not
                // be listed at once.
                None => ("IamInstanceProfileAssociated", format!("association {target} not found")),
            }
        };
        self.check_wait_deadline(st, i, waiter, last_seen, now);
    }

    /// Fails a write in flight whose wait passed its deadline.
    fn check_wait_deadline(
        &self,
        st: &mut State<'a>,
        i: usize,
        waiter: &'static str,
        last_seen: String,
        now: Duration,
    ) {
        let Some(Phase::InFlight { since, .. }) = st.entries.get(i).map(|e| &e.phase) else { return };
        let waited = now.saturating_sub(*since);
        if waited >= self.options.wait_options.timeout {
            self.finish(st, i, Err(Error::WaitFailed { waiter, timed_out: true, last_seen, waited }));
        }
    }

    /// After a cancel: a write in flight ends as last seen, so the caller
    /// knows the instance was changed.
    fn finish_unconfirmed(&self, st: &mut State<'a>, i: usize) {
        let Some(entry) = st.entries.get_mut(i) else { return };
        let Phase::InFlight { kind, previous, seen, .. } = std::mem::replace(&mut entry.phase, Phase::Done) else {
            return;
        };
        self.finish_outcome(st, i, kind.action(), Some(seen), previous);
    }

    /// Describes these instances, 200 a call, every page; a throttled call is
    /// tried again after a backoff while time is left.
    fn describe(&self, asked: Vec<(usize, &'a str)>) -> Vec<Described<'a>> {
        asked
            .chunks(IDS_PER_DESCRIBE)
            .map(|chunk| {
                let ids: Vec<&str> = chunk.iter().map(|(_, id)| *id).collect();
                let mut request_ids = Vec::new();
                let mut throttled = 0;
                let found = loop {
                    match self.describe_chunk(&ids, &mut request_ids) {
                        Err(e) if e.is_throttling() && !self.cancelled() => match self.time_left() {
                            Some(left) => {
                                throttled += 1;
                                let rand = self.client.jitter();
                                self.pause(doubling(THROTTLE_DELAY, THROTTLE_MAX_DELAY, throttled, rand).min(left));
                            }
                            None => break Err(e),
                        },
                        other => break other,
                    }
                };
                Described { entries: chunk.iter().map(|(i, _)| *i).collect(), found, request_ids }
            })
            .collect()
    }

    fn describe_chunk(
        &self,
        ids: &[&'a str],
        request_ids: &mut Vec<String>,
    ) -> Result<HashMap<&'a str, Vec<IamInstanceProfileAssociation>>, Error> {
        // By instance id, not association id: an association that is gone
        // after a disassociation is simply not listed, where asking for it
        // by id would fail the whole call with `InvalidAssociationID.NotFound`.
        let request = DescribeIamInstanceProfileAssociations::new()
            .filter("instance-id", ids.iter().copied())
            .max_results(PAGE_SIZE);
        let mut found: HashMap<&'a str, Vec<IamInstanceProfileAssociation>> = HashMap::new();
        for page in self.client.describe_iam_instance_profile_associations_pages(&request) {
            let page = page.inspect_err(|e| request_ids.extend(e.request_id().map(str::to_owned)))?;
            request_ids.extend(page.request_id);
            for a in page.iam_instance_profile_associations {
                // Only instances asked about: the filter should see to it, but
                // an id listed twice or a stand-in server need not.
                if let Some(id) = ids.iter().find(|id| **id == a.instance_id) {
                    found.entry(*id).or_default().push(a);
                }
            }
        }
        Ok(found)
    }

    /// The poller: describes what must be decided and what is in flight,
    /// in batches, until every instance has its result.
    fn run(&self, spawn: &dyn Fn(Kind)) {
        let delay = self.options.wait_options.delay.max(crate::waiter::MIN_DELAY);
        let mut next_round: Option<Duration> = None;
        // When the last round of describes was made: polls are at least `delay`
        // apart, also when writes come in one by one (paced by the rate limiter)
        // and each would otherwise start a round of its own.
        let mut last_round: Option<Duration> = None;
        let mut cancel_seen = false;
        loop {
            let mut st = self.lock();
            if !cancel_seen && self.cancelled() {
                cancel_seen = true;
                self.cancel_pending(&mut st);
            }
            let polled = |p: &Phase| matches!(p, Phase::Settling { .. } | Phase::InFlight { .. });
            let now = self.now();
            if !st.entries.iter().any(|e| polled(&e.phase)) {
                next_round = None;
            } else if next_round.is_none() {
                // A write just accepted while nothing else was waited for: polled
                // a delay after the last round, at once if that is past.
                next_round = Some(last_round.and_then(|t| t.checked_add(delay)).map_or(now, |t| t.max(now)));
            }
            // Else it joins the next round. After a cancel the last round is now.
            let due = cancel_seen || next_round.is_some_and(|t| now >= t);
            let asked: Vec<(usize, &'a str)> = st
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| matches!(e.phase, Phase::Describe) || (due && polled(&e.phase)))
                .map(|(i, e)| (i, e.instance_id))
                .collect();
            if !asked.is_empty() {
                drop(st);
                let described = self.describe(asked);
                let mut st = self.lock();
                let now = self.now();
                last_round = Some(now);
                self.apply(&mut st, described, now, spawn);
                if self.cancelled() {
                    for i in 0..st.entries.len() {
                        self.finish_unconfirmed(&mut st, i);
                    }
                }
                next_round = self.next_round(&st, now, delay);
                continue;
            }
            if st.outstanding == 0 && st.entries.iter().all(|e| matches!(e.phase, Phase::Done)) {
                st.closing = true;
                self.work.notify_all();
                return;
            }
            match next_round {
                Some(t) => {
                    drop(st);
                    self.pause(t.saturating_sub(now));
                }
                // Only workers are busy: wait for one to finish. The timeout
                // is there to notice a cancel; it does not move the clock.
                None => drop(self.event.wait_timeout(st, CANCEL_CHECK)),
            }
        }
    }

    /// After a cancel: what was to be described or written never will be.
    fn cancel_pending(&self, st: &mut State<'a>) {
        for k in 0..Kind::ALL.len() {
            while let Some(job) = st.queues[k].pop_front() {
                st.outstanding -= 1;
                self.finish_cancelled(st, job.entry);
            }
        }
        for i in 0..st.entries.len() {
            if matches!(st.entries[i].phase, Phase::Describe | Phase::Settling { .. }) {
                self.finish_cancelled(st, i);
            }
        }
    }

    /// When the next poll round is due: a delay after this one, sooner if
    /// a wait's deadline comes first; `None` when nothing is polled.
    fn next_round(&self, st: &State<'a>, now: Duration, delay: Duration) -> Option<Duration> {
        let timeout = self.options.wait_options.timeout;
        st.entries
            .iter()
            .filter_map(|e| match e.phase {
                Phase::Settling { since } | Phase::InFlight { since, .. } => Some(since.checked_add(timeout)),
                _ => None,
            })
            .map(|deadline| {
                let next = now.checked_add(delay).unwrap_or(now);
                deadline.map_or(next, |d| d.max(now).min(next))
            })
            .min()
    }

    /// Takes in what a round of describes saw.
    fn apply(&self, st: &mut State<'a>, described: Vec<Described<'a>>, now: Duration, spawn: &dyn Fn(Kind)) {
        for d in described {
            for &i in &d.entries {
                if let Some(e) = st.entries.get_mut(i) {
                    e.request_ids.extend(d.request_ids.iter().cloned());
                }
            }
            let mut found = match d.found {
                Ok(found) => found,
                Err(err) => {
                    for &i in &d.entries {
                        let Some(e) = st.entries.get(i) else { continue };
                        match &e.phase {
                            // As the waiters do: a poll that failed for a
                            // while is a poll that saw nothing.
                            Phase::InFlight { .. } if err.is_retryable() => self.check_wait_deadline(
                                st,
                                i,
                                "IamInstanceProfileAssociated",
                                format!("error: {err}"),
                                now,
                            ),
                            Phase::Done | Phase::Writing => {}
                            _ if self.cancelled() => self.finish_cancelled(st, i),
                            _ => self.finish(st, i, Err(err.replicate())),
                        }
                    }
                    continue;
                }
            };
            for &i in &d.entries {
                let Some(e) = st.entries.get(i) else { continue };
                let all = found.remove(e.instance_id).unwrap_or_default();
                match &e.phase {
                    Phase::InFlight { .. } => self.check_in_flight(st, i, all, now),
                    Phase::Describe | Phase::Settling { .. } if self.cancelled() => self.finish_cancelled(st, i),
                    Phase::Describe | Phase::Settling { .. } => self.decide(st, i, all, now, spawn),
                    Phase::Writing | Phase::Done => {}
                }
            }
        }
    }

    /// A worker of one action: takes its queue's jobs until the run closes.
    fn worker(&self, kind: Kind) {
        let k = kind.index();
        let mut st = self.lock();
        loop {
            let Some(mut job) = st.queues[k].pop_front() else {
                if st.closing {
                    return;
                }
                st.idle[k] += 1;
                st = self.work.wait(st).unwrap_or_else(std::sync::PoisonError::into_inner);
                st.idle[k] -= 1;
                continue;
            };
            let Some(instance_id) = st.entries.get(job.entry).map(|e| e.instance_id) else { continue };
            drop(st);
            let (mut attempts, mut request_ids) = (0, Vec::new());
            let end = self.write(instance_id, &job.write, &mut attempts, &mut request_ids);
            let end = match end {
                WriteEnd::Throttled(err) => match self.time_left() {
                    // Tried again later, behind the others queued meanwhile:
                    // the action's bucket is empty, and a backoff lets it refill.
                    Some(left) => {
                        job.throttled += 1;
                        let rand = self.client.jitter();
                        self.pause(doubling(THROTTLE_DELAY, THROTTLE_MAX_DELAY, job.throttled, rand).min(left));
                        None
                    }
                    None => Some(WriteEnd::Refused(err)),
                },
                end => Some(end),
            };
            st = self.lock();
            if let Some(e) = st.entries.get_mut(job.entry) {
                e.attempts += attempts;
                e.request_ids.append(&mut request_ids);
            }
            match end {
                None if self.cancelled() => self.finish_cancelled(&mut st, job.entry),
                None => {
                    st.queues[k].push_back(job);
                    continue;
                }
                Some(end) => self.written(&mut st, job, end),
            }
            st.outstanding -= 1;
            self.event.notify_all();
        }
    }

    /// Takes in how a write ended.
    fn written(&self, st: &mut State<'a>, job: Job<'a>, end: WriteEnd) {
        let i = job.entry;
        let previous = job.write.target().map(str::to_owned);
        match end {
            WriteEnd::Accepted(a) if self.options.wait && !self.cancelled() => {
                let now = self.now();
                if let Some(e) = st.entries.get_mut(i) {
                    e.phase = Phase::InFlight { kind: job.write.kind(), previous, seen: a, since: now };
                }
            }
            WriteEnd::Accepted(a) => self.finish_outcome(st, i, job.write.kind().action(), Some(a), previous),
            WriteEnd::Cancelled => self.finish_cancelled(st, i),
            // Refused for a race: nothing was changed, so a cancel leaves
            // it as not started.
            WriteEnd::Refused(err) if is_race(&err) && self.cancelled() => self.finish_cancelled(st, i),
            WriteEnd::Refused(err) => match st.entries.get_mut(i) {
                Some(e) if is_race(&err) && e.races < MAX_ROUNDS => {
                    e.races += 1;
                    e.refused = Some((err, previous));
                    e.phase = Phase::Describe;
                }
                _ => self.finish(st, i, Err(err)),
            },
            WriteEnd::Throttled(err) => self.finish(st, i, Err(err)),
        }
    }

    /// Makes one write, retrying IAM propagation errors with backoff until
    /// `propagation_timeout` after the first one. Nothing is sent once the
    /// run is cancelled.
    fn write(
        &self,
        instance_id: &str,
        write: &Write<'_>,
        attempts: &mut u32,
        request_ids: &mut Vec<String>,
    ) -> WriteEnd {
        let client = self.client;
        let mut deadline: Option<Option<Duration>> = None;
        let mut refusals = 0u32;
        loop {
            if self.cancelled() {
                return WriteEnd::Cancelled;
            }
            *attempts += 1;
            // The association and the request id of the write's answer.
            let result = match write {
                Write::Associate(p) => client
                    .associate_iam_instance_profile(instance_id, p)
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
                    request_ids.extend(request_id);
                    return WriteEnd::Accepted(association);
                }
                Err(e) => e,
            };
            request_ids.extend(err.request_id().map(str::to_owned));
            if err.is_throttling() {
                return WriteEnd::Throttled(err);
            }
            if matches!(write, Write::Disassociate(_)) || !is_propagation_error(&err) {
                return WriteEnd::Refused(err);
            }
            let now = self.now();
            let deadline = *deadline.get_or_insert(now.checked_add(self.options.propagation_timeout));
            let left = deadline.map_or(Duration::MAX, |d| d.saturating_sub(now));
            if left.is_zero() {
                return WriteEnd::Refused(err);
            }
            refusals += 1;
            let pause = self.options.backoff(refusals, self.client.jitter()).min(left);
            if let (Some(f), Write::Associate(profile) | Write::Replace(_, profile)) =
                (&self.options.on_propagation_wait, write)
            {
                f(&PropagationWait {
                    instance_id,
                    profile,
                    error: &err,
                    refusals,
                    next_try_in: pause,
                    time_left: left,
                });
            }
            self.pause(pause);
        }
    }
}

/// Checks what a caller asked for one instance, before any request.
fn check_desired(instance_id: &str, profile: Option<&IamInstanceProfileSpecification>) -> Result<(), Error> {
    crate::ops::check_instance_id(instance_id)?;
    if let Some(p) = profile {
        let given = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !given(&p.arn) && !given(&p.name) {
            return Err(Error::invalid_input("the instance profile needs an arn or a name"));
        }
    }
    Ok(())
}

impl Client {
    /// Makes the instance run with `profile` (or with none, for `None`),
    /// whatever it has now, and returns what was done: a fleet of one for
    /// [`Client::ensure_desired_profiles`].
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
    /// [`EnsureOptions::propagation_timeout`]; a throttled one is tried again
    /// after a backoff until [`EnsureOptions::deadline`]. A write refused with
    /// `IncorrectState` or `InvalidAssociationID.NotFound` (another writer got
    /// there first) leads to a new describe and a new decision; when that
    /// decision is the same write again, the error is returned. Then, unless
    /// [`EnsureOptions::wait`] is off, it polls until the new association is
    /// `associated` (or the old one gone), every
    /// [`WaitOptions::delay`](crate::WaitOptions::delay) of
    /// [`EnsureOptions::wait_options`].
    ///
    /// Describe does not tell an unknown instance from one without a profile:
    /// with `None`, an instance id that does not exist is `Unchanged`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed instance id or a profile with
    /// neither ARN nor name, before any request; the last propagation error
    /// once the deadline passed; [`Error::WaitFailed`] when a wait gave up;
    /// [`Error::Cancelled`] when [`EnsureOptions::cancel_on`]'s flag was set
    /// before the write; any other error of the calls made, at once.
    pub fn ensure_instance_profile(
        &self,
        instance_id: &str,
        profile: Option<&IamInstanceProfileSpecification>,
        options: &EnsureOptions,
    ) -> Result<EnsureOutcome, Error> {
        check_desired(instance_id, profile)?;
        let desired = [(instance_id, profile.cloned())];
        match self.ensure_desired_profiles(&desired, options).pop() {
            Some((_, result)) => result,
            None => Err(Error::invalid_input("no result for the instance")),
        }
    }

    /// [`Client::ensure_instance_profile`] for each instance, all with the
    /// same `profile`: [`Client::ensure_desired_profiles`] with one profile.
    /// One instance failing does not stop the others. The results are in the
    /// order of `instance_ids`.
    ///
    /// ```no_run
    /// use ec2_lite::{EnsureOptions, IamInstanceProfileSpecification};
    /// let client = ec2_lite::Client::from_env()?;
    /// let web = IamInstanceProfileSpecification::name("web");
    /// let ids = ["i-0123456789abcdef0", "i-0123456789abcdef1"];
    /// for (id, result) in client.ensure_instance_profiles(&ids, Some(&web), &EnsureOptions::default()) {
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
        let desired: Vec<(&str, Option<IamInstanceProfileSpecification>)> =
            instance_ids.iter().map(|id| (id.as_ref(), profile.cloned())).collect();
        self.ensure_desired_profiles(&desired, options)
    }

    /// Makes each instance run with the profile given beside it (`None`: no
    /// profile), in one pipeline for the whole fleet, and returns one result
    /// per entry, in the order given.
    ///
    /// ```no_run
    /// use ec2_lite::{EnsureOptions, IamInstanceProfileSpecification as Profile};
    /// let client = ec2_lite::Client::from_env()?;
    /// let desired = [
    ///     ("i-0123456789abcdef0", Some(Profile::name("web"))),
    ///     ("i-0123456789abcdef1", Some(Profile::name("batch"))),
    ///     ("i-0123456789abcdef2", None),
    /// ];
    /// // A plan first: what would change, with nothing written.
    /// let mut plan = EnsureOptions::default();
    /// plan.dry_run = true;
    /// for (id, result) in client.ensure_desired_profiles(&desired, &plan) {
    ///     println!("{id}: {}", result.map(|o| o.action.to_string()).unwrap_or_else(|e| e.to_string()));
    /// }
    /// let results = client.ensure_desired_profiles(&desired, &EnsureOptions::default());
    /// assert_eq!(results.len(), desired.len());
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// How it goes, on the calling thread and scoped threads sharing this
    /// client (its connection pool, retry quota and rate limiter):
    /// - every entry is checked first: a malformed instance id or a profile
    ///   with neither ARN nor name is [`Error::InvalidInput`] for that entry
    ///   alone, and so is an instance listed twice with two different
    ///   profiles (listed twice with the same one, it is ensured once and the
    ///   result reported at both places);
    /// - `DescribeIamInstanceProfileAssociations` by `instance-id`, 200
    ///   instances a call, 1,000 results a page;
    /// - the decision of [`Client::ensure_instance_profile`] for each;
    /// - each write goes to its action's queue, served by up to
    ///   [`EnsureOptions::max_concurrency`] workers of that action;
    /// - one poller describes every write in flight (and every association
    ///   still settling), 200 a call, once per poll delay, until each took.
    ///
    /// [`EnsureOptions::on_result`] hears of each result as it is known.
    pub fn ensure_desired_profiles<S: AsRef<str> + Sync>(
        &self,
        desired: &[(S, Option<IamInstanceProfileSpecification>)],
        options: &EnsureOptions,
    ) -> Vec<(String, Result<EnsureOutcome, Error>)> {
        let mut early: Vec<Option<Result<EnsureOutcome, Error>>> = (0..desired.len()).map(|_| None).collect();
        let mut entries: Vec<Entry<'_>> = Vec::new();
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        // Which entries an instance listed twice with two profiles spoiled.
        let mut conflicting: Vec<usize> = Vec::new();
        for (pos, (id, profile)) in desired.iter().enumerate() {
            let id = id.as_ref();
            if let Err(e) = check_desired(id, profile.as_ref()) {
                early[pos] = Some(Err(e));
                continue;
            }
            match by_id.get(id) {
                Some(&i) => {
                    let entry = &mut entries[i];
                    entry.positions.push(pos);
                    if entry.profile != profile.as_ref() && !conflicting.contains(&i) {
                        conflicting.push(i);
                    }
                }
                None => {
                    by_id.insert(id, entries.len());
                    entries.push(Entry {
                        instance_id: id,
                        profile: profile.as_ref(),
                        positions: vec![pos],
                        phase: Phase::Describe,
                        attempts: 0,
                        request_ids: Vec::new(),
                        refused: None,
                        races: 0,
                        result: None,
                    });
                }
            }
        }
        for &i in &conflicting {
            let entry = &mut entries[i];
            for &pos in &entry.positions {
                early[pos] = Some(Err(Error::invalid_input(format!(
                    "instance {} is listed more than once with different instance profiles",
                    entry.instance_id
                ))));
            }
            entry.phase = Phase::Done;
        }
        if let Some(f) = &options.on_result {
            for (pos, result) in early.iter().enumerate() {
                if let (Some(result), Some((id, _))) = (result, desired.get(pos)) {
                    f(id.as_ref(), result);
                }
            }
        }

        let fleet = Fleet {
            client: self,
            options,
            start: self.monotonic_now(),
            state: Mutex::new(State {
                entries,
                queues: Default::default(),
                workers: [0; 3],
                idle: [0; 3],
                outstanding: 0,
                closing: false,
            }),
            work: Condvar::new(),
            event: Condvar::new(),
        };
        std::thread::scope(|scope| {
            let fleet = &fleet;
            let spawn = |kind: Kind| {
                scope.spawn(move || fleet.worker(kind));
            };
            fleet.run(&spawn);
        });

        let state = fleet.state.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        for entry in state.entries {
            let Some(result) = entry.result else { continue };
            let mut positions = entry.positions.iter();
            let first = positions.next();
            for &pos in positions {
                early[pos] = Some(match &result {
                    Ok(outcome) => Ok(outcome.clone()),
                    Err(e) => Err(e.replicate()),
                });
            }
            if let Some(&pos) = first {
                early[pos] = Some(result);
            }
        }
        desired
            .iter()
            .zip(early)
            .map(|((id, _), result)| {
                let id = id.as_ref();
                let result = result.unwrap_or_else(|| Err(Error::Cancelled { instance_id: id.to_owned() }));
                (id.to_owned(), result)
            })
            .collect()
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
