//! `ensure-iam-instance-profile`: an extension of this tool. Makes
//! each instance run with a profile (or none) through the library's fleet
//! pipeline, for one instance or thousands, and says what it did to each:
//! instances by id, by EC2 filters (DescribeInstances) or from a desired-state
//! document giving each its own profile; `--dry-run` plans without writing; an
//! interrupt stops new writes and still lists every instance.

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ec2_lite::{
    Client, DescribeInstances, EnsureAction, EnsureOptions, EnsureOutcome, Error, IamInstanceProfileSpecification,
    PropagationWait,
};

use crate::CliError;
use crate::args::Opt;
use crate::commands::{Command, Ctx, Example, Printable, Skeleton};
use crate::input::{self, Doc};
use crate::output::Value;
use crate::shorthand;

/// The command, for the command table.
pub(crate) const COMMAND: Command = Command {
    name: "ensure-iam-instance-profile",
    operation: "EnsureIamInstanceProfile",
    summary: "Makes instances run with a profile, or none: associates, replaces or disassociates as needed, \
              through IAM's propagation delay.",
    extension: true,
    options: OPTIONS,
    skeleton: Some(SKELETON),
    described_as: Some(
        "An extension of this tool, not an EC2 operation: it combines DescribeIamInstanceProfileAssociations, \
         AssociateIamInstanceProfile, ReplaceIamInstanceProfileAssociation and DisassociateIamInstanceProfile.",
    ),
    examples: EXAMPLES,
    run,
    ..Command::BASE
};

/// Help's EXAMPLES. The README's CLI examples are among them.
const EXAMPLES: &[Example] = &[
    Example::new(
        "To make every instance listed in a file run with the profile web",
        "ec2-lite ensure-iam-instance-profile --instance-ids file://ids.txt --iam-instance-profile Name=web",
    ),
    Example::new(
        "To make an instance run with no profile",
        "ec2-lite ensure-iam-instance-profile --instance-ids i-1234567890abcdef0 --no-iam-instance-profile",
    ),
    Example::new(
        "To see what would change for every instance tagged Role=web, changing nothing",
        "ec2-lite ensure-iam-instance-profile --instance-filters Name=tag:Role,Values=web \
                 --iam-instance-profile Name=web --dry-run",
    ),
    Example::new(
        "To give each instance its own profile from a document (--generate-cli-skeleton prints its shape)",
        "ec2-lite ensure-iam-instance-profile --desired-state file://desired.yaml",
    ),
];

const OPTIONS: &[Opt] = &[
    Opt::many("instance-ids", "instance IDs; file://PATH, or - for stdin, reads one per line").extension(),
    Opt::many(
        "instance-filters",
        "EC2 filters choosing the instances, as DescribeInstances takes them: Name=tag:Role,Values=web ...; \
         terminated and shutting-down instances are left out",
    )
    .extension(),
    Opt::one(
        "desired-state",
        "a JSON or YAML document giving each instance its own profile, or none (file://PATH, or - for stdin; \
         --generate-cli-skeleton prints its shape)",
    )
    .extension(),
    Opt::one("iam-instance-profile", "Name=NAME or Arn=ARN (or JSON: {\"Name\": ...}): the profile to have")
        .extension(),
    Opt::flag("no-iam-instance-profile", "have no profile").extension(),
    Opt::flag("dry-run", "describe and decide, change nothing, and print each instance's planned action").extension(),
    Opt::flag("no-wait", "return once each write is accepted").extension(),
    Opt::one("max-concurrency", "writes sent at once per action (default 8)").extension(),
    Opt::one("propagation-timeout", "seconds to retry while IAM propagates a new profile (default 120)").extension(),
];

const MAX_CONCURRENCY: usize = 256;

/// `--generate-cli-skeleton`: the shape of the `--desired-state` document.
const SKELETON: Skeleton = Skeleton {
    json: "{\n    \"Instances\": [\n        {\n            \"InstanceId\": \"\",\n            \
           \"IamInstanceProfile\": {\n                \"Arn\": \"\",\n                \"Name\": \"\"\n            \
           }\n        }\n    ]\n}\n",
    yaml: "Instances:  # [REQUIRED] The instances and the profile each should have.\n\
           - InstanceId: ''  # [REQUIRED] The ID of the instance.\n  \
           IamInstanceProfile:  # [REQUIRED] The profile to have (Arn or Name), or null for none.\n    \
           Arn: ''  # The Amazon Resource Name (ARN) of the instance profile.\n    \
           Name: '' # The name of the instance profile.\n",
};

fn run(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let p = ctx.parsed;
    let profile = match (p.one("iam-instance-profile"), p.flag("no-iam-instance-profile")) {
        (Some(raw), false) => Some(Some(profile(raw)?)),
        (None, true) => Some(None),
        (None, false) => None,
        (Some(_), true) => {
            return Err(CliError::usage("give exactly one of --iam-instance-profile and --no-iam-instance-profile"));
        }
    };
    let by_id = p.many("instance-ids");
    let by_filter = p.many("instance-filters");
    let desired = p.one("desired-state");
    if by_id.is_none() && by_filter.is_none() && desired.is_none() {
        return Err(CliError::usage("give --instance-ids, --instance-filters or --desired-state (or several)"));
    }
    if desired == Some("-") && by_id.is_some_and(|v| v.iter().any(|v| v == "-")) {
        return Err(CliError::usage("only one of --instance-ids and --desired-state can read the standard input"));
    }
    let selected = by_id.is_some() || by_filter.is_some();
    let profile = match (selected, profile) {
        (true, Some(profile)) => profile,
        (true, None) => {
            return Err(CliError::usage(
                "with --instance-ids or --instance-filters, give exactly one of --iam-instance-profile and \
                 --no-iam-instance-profile",
            ));
        }
        (false, Some(_)) => {
            return Err(CliError::usage(
                "--iam-instance-profile and --no-iam-instance-profile apply to --instance-ids and \
                 --instance-filters; --desired-state names each instance's own",
            ));
        }
        (false, None) => None,
    };
    // Everything the command line says is checked before any request.
    let mut targets: Vec<(String, Option<IamInstanceProfileSpecification>)> = Vec::new();
    if let Some(text) = desired {
        targets.extend(desired_state(text)?);
    }
    let ids = by_id.map(instance_ids).transpose()?;
    let filters = by_filter.map(instance_filters).transpose()?;
    let mut options = options(ctx)?;

    if let Some(ids) = ids {
        targets.extend(ids.into_iter().map(|id| (id, profile.clone())));
    }
    if let Some(request) = filters {
        for id in filtered_instances(ctx, &request)? {
            targets.push((id, profile.clone()));
        }
    }
    // The same instance with the same profile twice is one target; with two
    // different ones, the library refuses both entries.
    let mut seen = HashSet::new();
    targets.retain(|(id, p)| seen.insert((id.clone(), p.as_ref().map(|p| (p.arn.clone(), p.name.clone())))));

    let interrupt = Interrupt::install();
    options = options.cancel_on(Arc::clone(&interrupt.cancel));
    let stderr_terminal = std::io::stderr().is_terminal();
    let progress = Progress::new(targets.len(), ctx.client.clone(), stderr_terminal);
    {
        let progress = progress.clone();
        options = options.on_result(move |_, result| progress.done(result));
    }
    {
        let progress = progress.clone();
        options = options.on_propagation_wait(move |wait| progress.propagation(wait));
    }
    let results = ctx.client.ensure_desired_profiles(&targets, &options);
    progress.finish(&results, options.dry_run, interrupt.signal());

    // Credentials that cannot be found fail every instance alike: that is a
    // configuration error, reported as for any other command.
    if let Some(Err(first @ Error::Config(_))) = results.first().map(|(_, r)| r)
        && results.iter().all(|(_, r)| matches!(r, Err(Error::Config(_))))
    {
        return Err(CliError::from_error(first, COMMAND.operation, ctx.client.endpoint_url()));
    }
    let code = match interrupt.signal() {
        Some(signal) => 128 + signal,
        None if results.iter().any(|(_, r)| r.is_err()) => crate::exit::SERVICE,
        None => 0,
    };
    ctx.exit_code.set(code);
    let items = results.iter().map(|(id, r)| result_value(id, r)).collect();
    Ok(Some(Printable::Single(Value::map(vec![("Results", Value::List(items))]))))
}

/// The library's options from the command line.
fn options(ctx: &Ctx<'_>) -> Result<EnsureOptions, CliError> {
    let p = ctx.parsed;
    let mut options = EnsureOptions::default();
    options.dry_run = p.flag("dry-run");
    if p.flag("no-wait") {
        options = options.without_wait();
    }
    if let Some(v) = p.one("max-concurrency") {
        options.max_concurrency =
            v.trim().parse::<usize>().ok().filter(|n| (1..=MAX_CONCURRENCY).contains(n)).ok_or_else(|| {
                CliError::usage(format!("argument --max-concurrency: expected 1 to {MAX_CONCURRENCY}, got {v:?}"))
            })?;
    }
    if let Some(v) = p.one("propagation-timeout") {
        options.propagation_timeout = v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                CliError::usage(format!("argument --propagation-timeout: expected a number of seconds, got {v:?}"))
            })?;
    }
    Ok(options)
}

fn profile(raw: &str) -> Result<IamInstanceProfileSpecification, CliError> {
    const PARAM: &str = "--iam-instance-profile";
    let fields = shorthand::structure(raw, &["Arn", "Name"], PARAM).map_err(CliError::usage)?;
    let arn = shorthand::single(&fields, "Arn", "IamInstanceProfile").map_err(CliError::usage)?;
    let name = shorthand::single(&fields, "Name", "IamInstanceProfile").map_err(CliError::usage)?;
    if arn.is_none() && name.is_none() {
        return Err(CliError::usage(format!("{PARAM} needs Name=NAME or Arn=ARN")));
    }
    let mut spec = IamInstanceProfileSpecification::default();
    spec.arn = arn.map(str::to_owned);
    spec.name = name.map(str::to_owned);
    Ok(spec)
}

/// Reads `-` from the standard input; any other value is the text itself
/// (a `file://` value arrives here as the file's text, `input.rs`).
fn read_value(value: &str, param: &str) -> Result<String, CliError> {
    if value != "-" {
        return Ok(value.to_owned());
    }
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| CliError::usage(format!("{param}: cannot read the standard input: {e}")))?;
    Ok(text)
}

/// The instance ids: words as given (or a JSON list), `file://PATH` (loaded
/// as every parameter file is) and `-` (stdin) read one per line, blank lines
/// and `#` comments skipped. All are checked before any request.
fn instance_ids(values: &[String]) -> Result<Vec<String>, CliError> {
    const PARAM: &str = "--instance-ids";
    let mut ids = Vec::new();
    for v in shorthand::strings(values, PARAM).map_err(CliError::usage)? {
        let text = read_value(&v, PARAM)?;
        ids.extend(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned));
    }
    if ids.is_empty() {
        return Err(CliError::usage(format!("{PARAM}: no instance IDs given")));
    }
    if let Some(bad) = ids.iter().find(|id| !is_instance_id(id)) {
        return Err(CliError::usage(format!(
            "{PARAM}: malformed instance ID {bad:?}: expected i- followed by hexadecimal digits"
        )));
    }
    Ok(ids)
}

fn is_instance_id(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|hex| (1..=64).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `--instance-filters`, as `--filters` is read: shorthand or JSON, each
/// filter a name and its values, sent as DescribeInstances' `Filter.N`.
fn instance_filters(raw: &[String]) -> Result<DescribeInstances, CliError> {
    const PARAM: &str = "--instance-filters";
    let parsed = shorthand::structures(raw, &["Name", "Values"], PARAM).map_err(CliError::usage)?;
    let mut request = DescribeInstances::new().max_results(1000);
    for (i, f) in parsed.iter().enumerate() {
        let name = shorthand::single(f, "Name", &format!("InstanceFilters[{i}]")).map_err(CliError::usage)?;
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return Err(CliError::usage(format!("{PARAM}: filter {} has no Name", i + 1)));
        };
        let values = f.iter().rev().find(|(k, _)| k == "Values").map(|(_, v)| v.clone()).unwrap_or_default();
        if values.is_empty() {
            return Err(CliError::usage(format!("{PARAM}: filter {name:?} has no Values")));
        }
        request = request.filter(name, values);
    }
    Ok(request)
}

/// The instances the filters choose, every page followed, in EC2's order;
/// those terminated or shutting down are left out (EC2 lists them for an
/// hour, and refuses to associate a profile with them).
fn filtered_instances(ctx: &Ctx<'_>, request: &DescribeInstances) -> Result<Vec<String>, CliError> {
    const OPERATION: &str = "DescribeInstances";
    let mut ids = Vec::new();
    for page in ctx.client.describe_instances_pages(request) {
        let page = page.map_err(|e| CliError::from_error(&e, OPERATION, ctx.client.endpoint_url()))?;
        ids.extend(
            page.instances
                .into_iter()
                .filter(|i| !matches!(i.state.as_str(), "terminated" | "shutting-down"))
                .map(|i| i.instance_id),
        );
    }
    Ok(ids)
}

/// `--desired-state`: `{"Instances": [{"InstanceId": ..., "IamInstanceProfile":
/// {"Name": ...} | {"Arn": ...} | null}]}`, in JSON or YAML. Every entry must
/// say what it wants: an entry without `IamInstanceProfile` is refused rather
/// than read as "none", which would take a profile away.
fn desired_state(value: &str) -> Result<Vec<(String, Option<IamInstanceProfileSpecification>)>, CliError> {
    const PARAM: &str = "--desired-state";
    let text = read_value(value, PARAM)?;
    let bad = |what: String| CliError::usage(format!("{PARAM}: {what}"));
    let doc = if text.trim_start().starts_with('{') { input::parse_json(&text) } else { input::parse_yaml(&text) }
        .ok_or_else(|| bad("not a JSON or YAML document (--generate-cli-skeleton prints its shape)".to_owned()))?;
    let Doc::Map(top) = doc else { return Err(bad("expected a mapping with \"Instances\"".to_owned())) };
    let mut instances = None;
    for (k, v) in top {
        match (k.as_str(), v) {
            ("Instances", Doc::List(items)) => instances = Some(items),
            ("Instances", _) => return Err(bad("\"Instances\" must be a list".to_owned())),
            (other, _) => return Err(bad(format!("unknown member {other:?}, must be one of: Instances"))),
        }
    }
    let instances = instances.ok_or_else(|| bad("missing \"Instances\"".to_owned()))?;
    let mut out = Vec::with_capacity(instances.len());
    for (i, item) in instances.into_iter().enumerate() {
        let at = format!("Instances[{i}]");
        let Doc::Map(fields) = item else { return Err(bad(format!("{at} must be a mapping"))) };
        let (mut id, mut profile) = (None, None);
        for (k, v) in fields {
            match k.as_str() {
                "InstanceId" => match v {
                    Doc::Str(s) if is_instance_id(&s) => id = Some(s),
                    Doc::Str(s) => {
                        return Err(bad(format!(
                            "{at}.InstanceId: malformed instance ID {s:?}: expected i- followed by hexadecimal digits"
                        )));
                    }
                    _ => return Err(bad(format!("{at}.InstanceId must be a string"))),
                },
                "IamInstanceProfile" => profile = Some(desired_profile(v, &format!("{at}.IamInstanceProfile"))?),
                other => {
                    return Err(bad(format!(
                        "{at}: unknown member {other:?}, must be one of: InstanceId, IamInstanceProfile"
                    )));
                }
            }
        }
        let id = id.ok_or_else(|| bad(format!("{at}: missing \"InstanceId\"")))?;
        let profile =
            profile.ok_or_else(|| bad(format!("{at}: missing \"IamInstanceProfile\" (give null for no profile)")))?;
        out.push((id, profile));
    }
    Ok(out)
}

fn desired_profile(v: Doc, at: &str) -> Result<Option<IamInstanceProfileSpecification>, CliError> {
    let bad = |what: String| CliError::usage(format!("--desired-state: {at}{what}"));
    let fields = match v {
        Doc::Null => return Ok(None),
        Doc::Map(fields) => fields,
        _ => return Err(bad(" must be a mapping with Arn or Name, or null".to_owned())),
    };
    let mut spec = IamInstanceProfileSpecification::default();
    for (k, v) in fields {
        let Doc::Str(s) = v else { return Err(bad(format!(".{k} must be a string"))) };
        match k.as_str() {
            "Arn" => spec.arn = Some(s).filter(|s| !s.is_empty()),
            "Name" => spec.name = Some(s).filter(|s| !s.is_empty()),
            other => return Err(bad(format!(": unknown member {other:?}, must be one of: Arn, Name"))),
        }
    }
    if spec.arn.is_none() && spec.name.is_none() {
        return Err(bad(" needs Arn or Name (or null for no profile)".to_owned()));
    }
    Ok(Some(spec))
}

/// One instance's line of `Results`; members absent when there is nothing to say.
///
/// A planned result (`--dry-run`) says `PlannedAction` (`Associate`, `Replace`,
/// `Disassociate` or `None`) with what the instance has now; an instance the
/// run did not reach before an interrupt says `"Action": "NotStarted"`.
fn result_value(id: &str, result: &Result<EnsureOutcome, Error>) -> Value {
    let mut m = vec![("InstanceId", Value::str(id))];
    match result {
        Ok(outcome) if outcome.dry_run => {
            let planned = match outcome.action {
                EnsureAction::Associated => "Associate",
                EnsureAction::Replaced => "Replace",
                EnsureAction::Disassociated => "Disassociate",
                _ => "None",
            };
            m.push(("PlannedAction", Value::str(planned)));
            if let Some(a) = &outcome.association {
                m.push(("AssociationId", Value::str(&a.association_id)));
                m.push(("IamInstanceProfile", profile_value(a)));
                m.push(("State", Value::str(a.state.as_str())));
            }
        }
        Ok(outcome) => {
            m.push(("Action", Value::str(outcome.action.as_str())));
            if let Some(a) = &outcome.association {
                m.push(("AssociationId", Value::str(&a.association_id)));
            }
            if let Some(prev) = &outcome.previous_association_id {
                m.push(("PreviousAssociationId", Value::str(prev)));
            }
            if let Some(a) = &outcome.association {
                m.push(("IamInstanceProfile", profile_value(a)));
                m.push(("State", Value::str(a.state.as_str())));
            }
        }
        Err(Error::Cancelled { .. }) => m.push(("Action", Value::str("NotStarted"))),
        Err(e) => {
            let (code, message) = match e {
                Error::Service(s) => (s.code.clone(), s.message.clone()),
                Error::UnexpectedResponse { status, .. } | Error::MalformedResponse { status, .. } => {
                    (status.to_string(), e.to_string())
                }
                Error::InvalidInput(_) => ("InvalidInput".to_owned(), e.to_string()),
                Error::Config(_) => ("ConfigError".to_owned(), e.to_string()),
                Error::Transport(_) => ("TransportError".to_owned(), e.to_string()),
                Error::WaitFailed { .. } => ("WaiterError".to_owned(), e.to_string()),
                Error::Credentials(c) => ("Error".to_owned(), crate::error::credentials_text(c)),
                _ => ("Error".to_owned(), e.to_string()),
            };
            m.push(("Error", Value::map(vec![("Code", Value::str(code)), ("Message", Value::str(message))])));
        }
    }
    Value::map(m)
}

fn profile_value(a: &ec2_lite::IamInstanceProfileAssociation) -> Value {
    Value::map(vec![("Arn", Value::str(&a.iam_instance_profile.arn)), ("Id", Value::str(&a.iam_instance_profile.id))])
}

/// SIGINT and SIGTERM during a run: the first sets `cancel` (no new write
/// starts, the library lists every instance), a second ends the process at
/// once with the code a shell gives a process the signal killed (130, 143).
struct Interrupt {
    cancel: Arc<AtomicBool>,
    /// The number of the first signal received, 0 while none was.
    signal: Arc<AtomicUsize>,
}

impl Interrupt {
    fn install() -> Interrupt {
        let interrupt = Interrupt { cancel: Arc::new(AtomicBool::new(false)), signal: Arc::new(AtomicUsize::new(0)) };
        #[cfg(unix)]
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // The order matters: the exit is registered first, so that it sees the
            // flag the first signal sets only from the second signal on.
            let registered =
                signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&interrupt.cancel))
                    .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&interrupt.cancel)))
                    .and_then(|_| {
                        signal_hook::flag::register_usize(signal, Arc::clone(&interrupt.signal), signal as usize)
                    });
            // Without the handler the default stays: the signal ends the process.
            if let Err(e) = registered {
                let _ = writeln!(std::io::stderr(), "ec2-lite: cannot handle signal {signal}: {e}");
            }
        }
        interrupt
    }

    /// The first signal received, if any.
    fn signal(&self) -> Option<u8> {
        if !self.cancel.load(Ordering::SeqCst) {
            return None;
        }
        u8::try_from(self.signal.load(Ordering::SeqCst)).ok().filter(|s| *s > 0)
    }
}

/// What a run tells stderr: on a terminal, one progress line redrawn as
/// results come in; the propagation waits; and, always, a one-line summary.
#[derive(Clone)]
struct Progress {
    inner: Arc<ProgressInner>,
}

/// The time since the run started. Injected, so that the tests of the
/// lines and of their pacing run on a fake clock.
type Elapsed = Box<dyn Fn() -> Duration + Send + Sync>;

struct ProgressInner {
    total: usize,
    elapsed: Elapsed,
    client: Client,
    terminal: bool,
    /// Counted and drawn under one lock so that each line shows its own
    /// count, whole: threads finishing together draw 1/n then 2/n, never 2/n twice.
    state: Mutex<ProgressState>,
}

#[derive(Default)]
struct ProgressState {
    /// Associated, Replaced, Disassociated, Unchanged, failed, not started.
    counts: [usize; 6],
    /// The profiles already said to be waited for, and when (since the
    /// start) the last such line was written.
    waited_for: HashSet<String>,
    last_wait_line: Option<Duration>,
}

/// How often, at most, a terminal hears again that a profile is still waited for.
const WAIT_LINE_EVERY: Duration = Duration::from_secs(10);

/// What goes to stderr; a stderr that cannot be written must not stop the work.
fn say(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

impl Progress {
    fn new(total: usize, client: Client, terminal: bool) -> Self {
        let start = Instant::now();
        Self::with_clock(total, client, terminal, Box::new(move || start.elapsed()))
    }

    fn with_clock(total: usize, client: Client, terminal: bool, elapsed: Elapsed) -> Self {
        let state = Mutex::new(ProgressState::default());
        Progress { inner: Arc::new(ProgressInner { total, elapsed, client, terminal, state }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ProgressState> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn done(&self, result: &Result<EnsureOutcome, Error>) {
        let mut st = self.lock();
        st.counts[slot(result)] += 1;
        if self.inner.terminal {
            say(&self.progress_line(&st));
        }
    }

    /// A write refused while IAM propagates its profile.
    fn propagation(&self, wait: &PropagationWait<'_>) {
        let profile = wait.profile.name.as_deref().or(wait.profile.arn.as_deref()).unwrap_or_default();
        let code = wait.error.code().unwrap_or("error");
        let mut st = self.lock();
        if let Some(text) = self.wait_line(&mut st, profile, wait.instance_id, code, wait.time_left) {
            say(&text);
        }
    }

    /// The line for a propagation wait, if one is due: once per profile
    /// when its wait starts, and on a terminal again at most every
    /// [`WAIT_LINE_EVERY`], with the time left (the progress line redrawn
    /// under it).
    fn wait_line(
        &self,
        st: &mut ProgressState,
        profile: &str,
        instance_id: &str,
        code: &str,
        time_left: Duration,
    ) -> Option<String> {
        let p = &*self.inner;
        let now = (p.elapsed)();
        let first = st.waited_for.insert(profile.to_owned());
        let again = p.terminal && st.last_wait_line.is_none_or(|t| now.saturating_sub(t) >= WAIT_LINE_EVERY);
        if !first && !again {
            return None;
        }
        st.last_wait_line = Some(now);
        let line = format!(
            "ec2-lite: waiting for IAM to propagate instance profile {profile} for {instance_id} ({code}); \
             retrying for up to {:.0} s more\n",
            time_left.as_secs_f64()
        );
        let mut text = String::from(if p.terminal { "\r\x1b[2K" } else { "" });
        text.push_str(&ec2_lite::escape_lines(&line));
        if p.terminal {
            text.push_str(&self.progress_line(st));
        }
        Some(text)
    }

    /// `120/400 done, 2 failed, 15 throttled, 12.3s, about 28s left (60 associated, 58 replaced)`.
    fn progress_line(&self, st: &ProgressState) -> String {
        let p = &*self.inner;
        let [associated, replaced, disassociated, unchanged, failed, not_started] = st.counts;
        let done: usize = st.counts.iter().sum();
        let elapsed = (p.elapsed)().as_secs_f64();
        let mut line = format!("\r\x1b[2K{done}/{} done, {failed} failed", p.total);
        let throttled = p.client.throttled_responses();
        if throttled > 0 {
            line.push_str(&format!(", {throttled} throttled"));
        }
        if not_started > 0 {
            line.push_str(&format!(", {not_started} not started"));
        }
        line.push_str(&format!(", {elapsed:.1}s"));
        // The rate so far, for what is left.
        if done > 0 && done < p.total {
            let left = elapsed / done as f64 * (p.total - done) as f64;
            line.push_str(&format!(", about {left:.0}s left"));
        }
        let actions: Vec<String> = [
            (associated, "associated"),
            (replaced, "replaced"),
            (disassociated, "disassociated"),
            (unchanged, "unchanged"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if !actions.is_empty() {
            line.push_str(&format!(" ({})", actions.join(", ")));
        }
        line
    }

    /// Ends the progress line, and writes the summary.
    fn finish(&self, results: &[(String, Result<EnsureOutcome, Error>)], dry_run: bool, signal: Option<u8>) {
        say(&self.summary_line(results, dry_run, signal));
    }

    fn summary_line(
        &self,
        results: &[(String, Result<EnsureOutcome, Error>)],
        dry_run: bool,
        signal: Option<u8>,
    ) -> String {
        let mut counts = [0usize; 6];
        for (_, r) in results {
            counts[slot(r)] += 1;
        }
        let [associated, replaced, disassociated, unchanged, failed, not_started] = counts;
        let p = &*self.inner;
        let mut line = String::from(if p.terminal { "\r\x1b[2K" } else { "" });
        let n = results.len();
        let elapsed = (p.elapsed)().as_secs_f64();
        let instances = if n == 1 { "instance" } else { "instances" };
        if dry_run {
            line.push_str(&format!(
                "ec2-lite: dry run, nothing changed: {n} {instances}: {associated} to associate, {replaced} to \
                 replace, {disassociated} to disassociate, {unchanged} unchanged, {failed} failed"
            ));
        } else {
            line.push_str(&format!(
                "ec2-lite: {n} {instances} in {elapsed:.1}s: {associated} associated, {replaced} replaced, \
                 {disassociated} disassociated, {unchanged} unchanged, {failed} failed"
            ));
        }
        let throttled = p.client.throttled_responses();
        if throttled > 0 {
            line.push_str(&format!(", {throttled} throttled answers"));
        }
        if let Some(signal) = signal {
            let name = if signal == 2 { "SIGINT" } else { "SIGTERM" };
            line.push_str(&format!(
                "; interrupted by {name}: {not_started} not started (nothing was changed on them); run again to \
                 finish"
            ));
        }
        line.push('\n');
        line
    }
}

/// The progress counter a result goes to.
fn slot(result: &Result<EnsureOutcome, Error>) -> usize {
    match result {
        Ok(o) => match o.action {
            EnsureAction::Associated => 0,
            EnsureAction::Replaced => 1,
            EnsureAction::Disassociated => 2,
            _ => 3,
        },
        Err(Error::Cancelled { .. }) => 5,
        Err(_) => 4,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use super::*;

    /// A progress on a fake clock: the returned counter is the time since the start, in ms.
    fn progress(total: usize, terminal: bool) -> (Progress, Arc<AtomicU64>) {
        let client = Client::builder()
            .region("us-east-1")
            .credentials(ec2_lite::Credentials::new("AKIDEXAMPLE", "secret", None))
            .endpoint_url("http://127.0.0.1:1")
            .build()
            .expect("an offline client");
        let now = Arc::new(AtomicU64::new(0));
        let clock = Arc::clone(&now);
        let elapsed = Box::new(move || Duration::from_millis(clock.load(Ordering::SeqCst)));
        (Progress::with_clock(total, client, terminal, elapsed), now)
    }

    #[test]
    fn the_progress_line_counts_and_estimates_from_the_rate_so_far() {
        let (p, now) = progress(400, true);
        now.store(12_300, Ordering::SeqCst);
        let mut st = p.lock();
        st.counts = [60, 58, 0, 2, 2, 0];
        // 122 done in 12.3 s: the 278 left take about 28 s more.
        assert_eq!(
            p.progress_line(&st),
            "\r\x1b[2K122/400 done, 2 failed, 12.3s, about 28s left (60 associated, 58 replaced, 2 unchanged)"
        );
        st.counts = [0, 0, 0, 0, 0, 0];
        assert_eq!(p.progress_line(&st), "\r\x1b[2K0/400 done, 0 failed, 12.3s");
        st.counts = [0, 0, 3, 0, 0, 397];
        assert_eq!(p.progress_line(&st), "\r\x1b[2K400/400 done, 0 failed, 397 not started, 12.3s (3 disassociated)");
    }

    #[test]
    fn a_wait_is_said_once_a_profile_and_on_a_terminal_again_every_10_s() {
        let (p, now) = progress(2, true);
        let at = |ms: u64, profile: &str| {
            now.store(ms, Ordering::SeqCst);
            let mut st = p.lock();
            p.wait_line(&mut st, profile, "i-0123456789abcdef0", "InvalidParameterValue", Duration::from_secs(95))
        };
        let first = at(0, "web").expect("the first wait is said");
        assert_eq!(
            first,
            "\r\x1b[2Kec2-lite: waiting for IAM to propagate instance profile web for i-0123456789abcdef0 \
             (InvalidParameterValue); retrying for up to 95 s more\n\r\x1b[2K0/2 done, 0 failed, 0.0s"
        );
        assert_eq!(at(9_999, "web"), None);
        assert!(at(10_000, "web").is_some_and(|l| l.contains("profile web")));
        // Another profile is said when its wait starts, whenever that is.
        assert!(at(10_001, "db").is_some_and(|l| l.contains("profile db")));
        assert_eq!(at(19_999, "web"), None);
        assert!(at(20_001, "web").is_some());

        // Not on a terminal: once a profile, with no progress line.
        let (p, now) = progress(2, false);
        let at = |ms: u64, profile: &str| {
            now.store(ms, Ordering::SeqCst);
            let mut st = p.lock();
            p.wait_line(&mut st, profile, "i-0123456789abcdef0", "InvalidParameterValue", Duration::from_secs(5))
        };
        assert_eq!(
            at(0, "web").as_deref(),
            Some(
                "ec2-lite: waiting for IAM to propagate instance profile web for i-0123456789abcdef0 \
                 (InvalidParameterValue); retrying for up to 5 s more\n"
            )
        );
        assert_eq!(at(60_000, "web"), None);
        assert!(at(60_000, "db").is_some());
    }

    #[test]
    fn the_summary_gives_the_time_on_the_same_clock() {
        let (p, now) = progress(0, false);
        now.store(1_500, Ordering::SeqCst);
        assert_eq!(
            p.summary_line(&[], false, None),
            "ec2-lite: 0 instances in 1.5s: 0 associated, 0 replaced, 0 disassociated, 0 unchanged, 0 failed\n"
        );
        assert_eq!(
            p.summary_line(&[], true, Some(15)),
            "ec2-lite: dry run, nothing changed: 0 instances: 0 to associate, 0 to replace, 0 to disassociate, 0 \
             unchanged, 0 failed; interrupted by SIGTERM: 0 not started (nothing was changed on them); run again to \
             finish\n"
        );
    }
}
