//! `credential_process`: a command that prints credentials as JSON.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tinyjson::JsonValue;

use super::json;
use super::{Context, Credentials};
use crate::profile::CredentialProcess;
use crate::{ConfigErrorKind, Error};

/// Output larger than this is not credentials.
const MAX_OUTPUT_BYTES: u64 = 64 * 1024;
/// How much of the command's stderr an error quotes.
const MAX_STDERR_CHARS: usize = 1024;

/// Runs the command through the shell, as the Rust SDK does (`sh -c` on Unix, `cmd.exe /C` on
/// Windows), so that the pipes and quoting users write work; botocore splits the line itself
/// and runs no shell. The output is read into credentials; the command's arguments, which may
/// hold secrets, are never shown.
///
/// The command has the context's load timeout (5 s by default) to finish; past it, it is
/// killed with every process it started (its process group, on Unix), so that a command
/// waiting on a prompt cannot hang the call. The timeout is on the real clock, not the
/// client's injected one, as are the socket timeouts: it bounds a real process, which a fake
/// clock would neither slow down nor hurry.
pub(crate) fn load(ctx: &Context, process: &CredentialProcess) -> Result<Credentials, Error> {
    let program = program_name(&process.command);
    let mut command = if cfg!(windows) {
        let mut c = Command::new("cmd.exe");
        c.arg("/C").arg(&process.command);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(&process.command);
        c
    };
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Its own process group, so that a timeout can stop what it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let deadline = Instant::now() + ctx.load_timeout;
    let mut child = command.spawn().map_err(|e| {
        Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("could not run credential_process `{program}`: {e}"),
        )
    })?;
    // Both pipes are drained at once, so a chatty stderr cannot block the child; the pipes
    // close when the command and whatever inherited them are gone.
    let (tx, rx) = mpsc::channel();
    for (which, pipe) in [
        (0, child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
        (1, child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
    ] {
        let tx = tx.clone();
        thread::spawn(move || {
            let _ = tx.send((which, pipe.map(read_capped).unwrap_or_default()));
        });
    }
    drop(tx);
    let (mut stdout, mut stderr) = (None, None);
    let mut status = None;
    while stdout.is_none() || stderr.is_none() || status.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            kill_tree(&mut child);
            return Err(Error::configuration(
                ConfigErrorKind::CredentialSource,
                format!(
                    "credential_process `{program}` did not finish within {:.1}s: it was stopped, with the \
                     processes it started",
                    ctx.load_timeout.as_secs_f64()
                ),
            ));
        }
        if status.is_none() {
            status = child.try_wait().map_err(|e| {
                Error::configuration(
                    ConfigErrorKind::CredentialSource,
                    format!("could not run credential_process `{program}`: {e}"),
                )
            })?;
        }
        match rx.recv_timeout(left.min(Duration::from_millis(10))) {
            Ok((0, bytes)) => stdout = Some(bytes),
            Ok((_, bytes)) => stderr = Some(bytes),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                stdout.get_or_insert_with(Vec::new);
                stderr.get_or_insert_with(Vec::new);
                if status.is_none() {
                    thread::sleep(left.min(Duration::from_millis(10)));
                }
            }
        }
    }
    let (stdout, stderr) = (stdout.unwrap_or_default(), stderr.unwrap_or_default());
    let Some(status) = status else {
        return Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("could not run credential_process `{program}`"),
        ));
    };
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let stderr: String = stderr.trim().chars().take(MAX_STDERR_CHARS).collect();
        let code = status.code().map_or_else(|| "a signal".to_owned(), |c| format!("code {c}"));
        let detail = if stderr.is_empty() { String::new() } else { format!(": {stderr}") };
        return Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("credential_process `{program}` exited with {code}{detail}"),
        ));
    }
    let text = String::from_utf8(stdout).map_err(|_| {
        Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("credential_process `{program}` printed bytes that are not UTF-8"),
        )
    })?;
    let credentials = parse_output(&text).map_err(|why| {
        Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("could not parse the output of credential_process `{program}`: {why}"),
        )
    })?;
    Ok(match (&process.account_id, credentials.account_id()) {
        (Some(account), None) => credentials.with_account_id(account),
        _ => credentials,
    })
}

/// Kills the command and, on Unix, its process group: what it started goes too.
fn kill_tree(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The group's id is the command's pid (`process_group(0)`); `kill -KILL -PGID` reaches
        // every process in it without unsafe code.
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", child.id()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Up to [`MAX_OUTPUT_BYTES`] of a pipe; the rest is read and dropped so that the child never
/// blocks on a full pipe.
fn read_capped(mut r: impl Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.by_ref().take(MAX_OUTPUT_BYTES).read_to_end(&mut buf);
    let _ = std::io::copy(&mut r, &mut std::io::sink());
    buf
}

/// The program part of a command line, for messages: its arguments may be secrets.
fn program_name(command: &str) -> &str {
    command.trim().split([' ', '\t']).next().unwrap_or_default()
}

/// `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?,
/// "AccountId"?}`, keys in any case.
pub(crate) fn parse_output(text: &str) -> Result<Credentials, String> {
    let object = json::parse_object(text)?;
    match json::member(&object, "Version") {
        Some(JsonValue::Number(v)) if *v == 1.0 => {}
        Some(JsonValue::Number(v)) => return Err(format!("unsupported Version {v}; only 1 is supported")),
        Some(_) => return Err("`Version` must be the number 1".into()),
        None => return Err("no `Version` in the output".into()),
    }
    let required = |name: &str| json::string(&object, name).ok_or_else(|| format!("no `{name}` in the output"));
    let mut credentials = Credentials::new(
        required("AccessKeyId")?,
        required("SecretAccessKey")?,
        json::string(&object, "SessionToken").map(str::to_owned),
    );
    if let Some(expiry) = json::timestamp(&object, "Expiration")? {
        credentials = credentials.with_expiry(expiry);
    }
    if let Some(account) = json::string(&object, "AccountId") {
        credentials = credentials.with_account_id(account);
    }
    Ok(credentials)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn output_documents() {
        let c = parse_output(
            r#"{ "Version": 1, "AccessKeyId": "ASIARTESTID", "SecretAccessKey": "TESTSECRETKEY", "SessionToken": "T", "AccountId": "123456789002", "Expiration": "2022-05-02T18:36:00+00:00" }"#,
        )
        .unwrap();
        assert_eq!(
            (c.access_key_id(), c.session_token(), c.account_id()),
            ("ASIARTESTID", Some("T"), Some("123456789002"))
        );
        assert_eq!(c.expiry(), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_651_516_560)));
        let c = parse_output(r#"{"version":1,"accesskeyid":"A","secretaccesskey":"S"}"#).unwrap();
        assert_eq!((c.session_token(), c.expiry()), (None, None));
        for (bad, why) in [
            (r#"{"AccessKeyId":"A","SecretAccessKey":"S"}"#, "no `Version`"),
            (r#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"}"#, "unsupported Version 2"),
            (r#"{"Version":"1","AccessKeyId":"A","SecretAccessKey":"S"}"#, "must be the number 1"),
            (r#"{"Version":1,"AccessKeyId":"A"}"#, "no `SecretAccessKey`"),
            ("invalid json", "invalid JSON"),
        ] {
            assert!(parse_output(bad).unwrap_err().contains(why), "{bad}");
        }
    }

    #[test]
    fn program_names_leave_arguments_out() {
        assert_eq!(program_name("  /bin/creds --password hunter2"), "/bin/creds");
        assert_eq!(program_name("creds"), "creds");
    }
}
