//! `ensure-iam-instance-profile`: an extension, not an AWS CLI command. Makes
//! each instance run with a profile (or none) through the library's ensure,
//! for one instance or thousands, and says what it did to each.

use std::io::{IsTerminal, Read, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use ec2_lite::{EnsureOptions, EnsureOutcome, Error, IamInstanceProfileSpecification};

use crate::CliError;
use crate::args::Opt;
use crate::commands::{Command, Ctx, Printable};
use crate::output::Value;
use crate::shorthand;

/// The command, for the command table.
pub(crate) const COMMAND: Command = Command {
    name: "ensure-iam-instance-profile",
    operation: "EnsureIamInstanceProfile",
    summary: "[extension, not an AWS CLI command] Makes instances run with a profile, or none: associates, \
              replaces or disassociates as needed, through IAM's propagation delay",
    options: OPTIONS,
    run,
};

const OPTIONS: &[Opt] = &[
    Opt::many("instance-ids", "instance IDs; file://PATH, or - for stdin, reads one per line").required().extension(),
    Opt::one("iam-instance-profile", "Name=NAME or Arn=ARN (or JSON: {\"Name\": ...}): the profile to have")
        .extension(),
    Opt::flag("no-iam-instance-profile", "have no profile").extension(),
    Opt::flag("no-wait", "return once each write is accepted").extension(),
    Opt::one("max-concurrency", "instances worked on at once (default 8)").extension(),
    Opt::one("propagation-timeout", "seconds to retry while IAM propagates a new profile (default 120)").extension(),
];

/// The exit code once the output is written: 254 when an instance failed.
static EXIT_CODE: AtomicU8 = AtomicU8::new(0);

/// 0, or 254 when `ensure-iam-instance-profile` printed results of which
/// some failed.
pub(crate) fn exit_code() -> u8 {
    EXIT_CODE.load(Ordering::Relaxed)
}

const MAX_CONCURRENCY: usize = 256;

fn run(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let p = ctx.parsed;
    let profile = match (p.one("iam-instance-profile"), p.flag("no-iam-instance-profile")) {
        (Some(raw), false) => Some(profile(raw)?),
        (None, true) => None,
        _ => return Err(CliError::usage("give exactly one of --iam-instance-profile and --no-iam-instance-profile")),
    };
    let ids = instance_ids(p.many("instance-ids").unwrap_or_default())?;
    let mut options = EnsureOptions::default();
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
    let progress = std::io::stderr().is_terminal().then(|| Progress::new(ids.len()));
    if let Some(progress) = &progress {
        let progress = progress.clone();
        options = options.on_result(move |_, result| progress.done(result.is_err()));
    }
    let results = ctx.client.ensure_instance_profiles(&ids, profile.as_ref(), &options);
    if let Some(progress) = &progress {
        progress.finish();
    }

    // Credentials that cannot be found fail every instance alike: that is a
    // configuration error, reported as for any other command.
    if let Some(Err(first @ Error::Config(_))) = results.first().map(|(_, r)| r)
        && results.iter().all(|(_, r)| matches!(r, Err(Error::Config(_))))
    {
        return Err(CliError::from_error(first, COMMAND.operation, ctx.client.endpoint_url()));
    }
    if results.iter().any(|(_, r)| r.is_err()) {
        EXIT_CODE.store(crate::exit::SERVICE, Ordering::Relaxed);
    }
    let items = results.iter().map(|(id, r)| result_value(id, r)).collect();
    Ok(Some(Printable::Single(Value::map(vec![("Results", Value::List(items))]))))
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

/// The instance ids: words as given (or a JSON list), `file://PATH` (loaded
/// as every parameter file is) and `-` (stdin) read one per line, blank lines and `#` comments skipped. All are
/// checked before any request.
fn instance_ids(values: &[String]) -> Result<Vec<String>, CliError> {
    const PARAM: &str = "--instance-ids";
    let mut ids = Vec::new();
    let mut push_lines = |text: &str| {
        ids.extend(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned));
    };
    for v in shorthand::strings(values, PARAM).map_err(CliError::usage)? {
        if v == "-" {
            let mut text = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut text)
                .map_err(|e| CliError::usage(format!("{PARAM}: cannot read the standard input: {e}")))?;
            push_lines(&text);
        } else {
            // A `file://` value arrives here as the file's text (`input.rs`).
            push_lines(&v);
        }
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

/// One instance's line of `Results`; members absent when there is nothing to say.
fn result_value(id: &str, result: &Result<EnsureOutcome, Error>) -> Value {
    let mut m = vec![("InstanceId", Value::str(id))];
    match result {
        Ok(outcome) => {
            m.push(("Action", Value::str(outcome.action.as_str())));
            if let Some(a) = &outcome.association {
                m.push(("AssociationId", Value::str(&a.association_id)));
            }
            if let Some(prev) = &outcome.previous_association_id {
                m.push(("PreviousAssociationId", Value::str(prev)));
            }
            if let Some(a) = &outcome.association {
                m.push((
                    "IamInstanceProfile",
                    Value::map(vec![
                        ("Arn", Value::str(&a.iam_instance_profile.arn)),
                        ("Id", Value::str(&a.iam_instance_profile.id)),
                    ]),
                ));
                m.push(("State", Value::str(a.state.as_str())));
            }
        }
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
                Error::Credentials(c) => ("Error".to_owned(), crate::credentials_text(c)),
                _ => ("Error".to_owned(), e.to_string()),
            };
            m.push(("Error", Value::map(vec![("Code", Value::str(code)), ("Message", Value::str(message))])));
        }
    }
    Value::map(m)
}

/// The progress line on a terminal's stderr: done / total, failures, elapsed.
#[derive(Clone)]
struct Progress {
    inner: std::sync::Arc<ProgressInner>,
}

struct ProgressInner {
    total: usize,
    start: Instant,
    /// (done, failed), counted and drawn under one lock so that each line
    /// shows its own count, whole: threads finishing together draw 1/n then
    /// 2/n, never 2/n twice.
    counts: Mutex<(usize, usize)>,
}

impl Progress {
    fn new(total: usize) -> Self {
        let inner = ProgressInner { total, start: Instant::now(), counts: Mutex::new((0, 0)) };
        Progress { inner: std::sync::Arc::new(inner) }
    }

    fn done(&self, failed: bool) {
        let mut counts = self.inner.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.0 += 1;
        counts.1 += usize::from(failed);
        self.draw(*counts, "");
    }

    fn finish(&self) {
        let counts = self.inner.counts.lock().unwrap_or_else(|e| e.into_inner());
        self.draw(*counts, "\n");
    }

    fn draw(&self, (done, failed): (usize, usize), end: &str) {
        let p = &*self.inner;
        let elapsed = p.start.elapsed().as_secs_f64();
        // A stderr that cannot be written must not stop the work.
        let _ = write!(std::io::stderr(), "\r\x1b[2K{done}/{} done, {failed} failed, {elapsed:.1}s{end}", p.total);
    }
}
