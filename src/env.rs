//! What the configuration is read from: the environment variables and the files. Both are
//! values, so that the tests can hand in their own through `ClientBuilder::env` and
//! `ClientBuilder::fs`, test seams behind the internal `_test` feature.

// Public only as test seams (the crate root re-exports them with `_test`).
#![cfg_attr(not(any(test, feature = "_test")), allow(unreachable_pub))]

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::Error;

/// A snapshot of the environment variables, read once. Tests build one by hand.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    /// Variables whose value is not UTF-8, by name: an error when the crate reads one of
    /// them ([`Env::check`]), never a silent "unset".
    not_utf8: Vec<String>,
}

impl Env {
    /// The process environment, the variables the crate reads: a shell's other fifty cost a
    /// copy each for nothing. Variables whose name is not UTF-8 are skipped (none of the
    /// crate's names is); a value that is not UTF-8 is remembered, for [`Env::check`].
    pub fn from_process() -> Self {
        let mut env = Env::default();
        for (k, v) in std::env::vars_os() {
            let Some(k) = k.to_str().filter(|k| read_by_us(k)) else { continue };
            let k = k.to_owned();
            match v.into_string() {
                Ok(v) => {
                    env.vars.insert(k, v);
                }
                Err(_) => env.not_utf8.push(k),
            }
        }
        env
    }

    /// This environment, with `name` set to a value that is not UTF-8.
    #[cfg(any(test, feature = "_test"))]
    pub fn with_non_utf8(mut self, name: &str) -> Self {
        self.vars.remove(name);
        if read_by_us(name) {
            self.not_utf8.push(name.to_owned());
        }
        self
    }

    /// An error naming the first variable the crate reads whose value is not UTF-8: treating
    /// it as unset would sign with another profile's keys (`AWS_PROFILE`), send to the real
    /// AWS endpoint (`AWS_ENDPOINT_URL`), or say a secret that is set is not.
    pub(crate) fn check(&self) -> Result<(), Error> {
        // Only variables the crate reads are kept, these included.
        match self.not_utf8.iter().min() {
            None => Ok(()),
            Some(name) => Err(Error::config(format!(
                "the environment variable {name} is set to a value that is not valid UTF-8: fix or unset it"
            ))),
        }
    }

    /// An environment of these variables only.
    #[cfg(any(test, feature = "_test"))]
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env { vars: pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(), not_utf8: Vec::new() }
    }

    /// The value of `name` as set, blank included.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The value of `name`, or `None` when unset or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// A boolean variable: `true`/`false`, any case. Anything else is an error
    /// naming the variable.
    pub(crate) fn get_bool(&self, name: &str) -> Result<Option<bool>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Error::config(format!("{name} must be true or false, not {v:?}"))),
        }
    }
}

/// Whether the crate reads a variable of this name: `AWS_*`, the proxy variables (any case)
/// and those that locate the home directory.
fn read_by_us(name: &str) -> bool {
    name.starts_with("AWS_")
        || ["http_proxy", "https_proxy", "all_proxy", "no_proxy"].iter().any(|p| name.eq_ignore_ascii_case(p))
        || matches!(name, "HOME" | "USERPROFILE" | "HOMEDRIVE" | "HOMEPATH")
}

impl std::fmt::Debug for Env {
    // Values may be secrets: show names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        f.debug_struct("Env").field("names", &names).finish()
    }
}

/// Reads files for the configuration and the credential sources. Tests root it in a temporary
/// directory, so that the absolute paths of the cross-SDK suites (`/home/.aws/config`,
/// `/token.jwt`) name files there, and messages still show the paths as configured.
#[derive(Clone, Debug, Default)]
pub struct Fs {
    root: Option<PathBuf>,
}

impl Fs {
    /// The real file system.
    pub fn real() -> Self {
        Fs { root: None }
    }

    /// Every path read under `root`: `/a/b` is `root/a/b`.
    #[cfg(any(test, feature = "_test"))]
    pub fn rooted(root: impl Into<PathBuf>) -> Self {
        Fs { root: Some(root.into()) }
    }

    fn path(&self, path: &Path) -> PathBuf {
        match &self.root {
            None => path.to_owned(),
            Some(root) => root.join(path.strip_prefix("/").unwrap_or(path)),
        }
    }

    /// The bytes of a file.
    pub(crate) fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(path))
    }

    /// A regular file, to read as a stream, up to the size it had when opened: a file that
    /// keeps growing still ends. A directory, a device (`/dev/zero`), a pipe or a socket is an
    /// `InvalidInput` error, found without opening it, since opening a pipe waits for a writer.
    pub(crate) fn open_regular(&self, path: &Path) -> io::Result<io::BufReader<io::Take<std::fs::File>>> {
        use std::io::Read;
        let path = self.path(path);
        let not_regular =
            || io::Error::new(io::ErrorKind::InvalidInput, "not a regular file (a directory, a device or a pipe)");
        if !std::fs::metadata(&path)?.is_file() {
            return Err(not_regular());
        }
        let file = std::fs::File::open(&path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(not_regular());
        }
        Ok(io::BufReader::new(file.take(metadata.len())))
    }

    /// A UTF-8 file; other bytes are an `InvalidData` error.
    pub(crate) fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.read(path)?)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the file is not valid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_keeps_only_what_the_crate_reads() {
        for name in
            ["AWS_PROFILE", "AWS_ENDPOINT_URL_EC2", "HOME", "USERPROFILE", "https_proxy", "NO_PROXY", "All_Proxy"]
        {
            assert!(read_by_us(name), "{name}");
        }
        for name in ["PATH", "TERM", "aws_profile", "HOMEBREW_PREFIX", "http_proxy_x", "EC2_LITE_VENV"] {
            assert!(!read_by_us(name), "{name}");
        }
        // The process's own: HOME is kept (it is set wherever the tests run), PATH is not.
        let env = Env::from_process();
        assert!(!env.vars.contains_key("PATH"), "{env:?}");
        assert_eq!(env.vars.get("HOME").map(String::as_str), std::env::var("HOME").ok().as_deref());
    }

    #[test]
    fn rooted_fs_reads_under_its_root() {
        let dir = std::env::temp_dir().join(format!("ec2-lite-fs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::write(dir.join("home/f"), "x").unwrap();
        let fs = Fs::rooted(&dir);
        let read = fs.read_to_string(Path::new("/home/f"));
        let missing = fs.read(Path::new("/home/nope"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(read.unwrap(), "x");
        assert_eq!(missing.unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
