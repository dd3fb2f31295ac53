//! Running a program to its end with a time limit, both of its outputs collected.

use std::io::Read;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Runs `cmd` with no stdin, collecting stdout and stderr; kills it after `timeout`.
pub fn run(mut cmd: Command, what: &str, timeout: Duration) -> Result<Output, String> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {what} ({:?}): {e}", cmd.get_program()))?;
    let (tx, rx) = mpsc::channel();
    let readers = [
        (0, child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>)),
        (1, child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>)),
    ];
    for (index, reader) in readers {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = reader {
                let _ = r.read_to_end(&mut buf);
            }
            let _ = tx.send((index, buf));
        });
    }
    // Both pipes reach end of file when the child exits.
    let deadline = Instant::now() + timeout;
    let mut streams = [Vec::new(), Vec::new()];
    for _ in 0..2 {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((index, buf)) => streams[index] = buf,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what} did not finish within {timeout:?} and was killed"));
            }
        }
    }
    let status: ExitStatus = child.wait().map_err(|e| format!("waiting for {what}: {e}"))?;
    let [stdout, stderr] = streams;
    Ok(Output { status, stdout, stderr })
}
