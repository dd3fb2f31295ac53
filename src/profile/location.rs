//! Where the `config` and `credentials` files are, which profile is selected, and loading them.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-location.html>

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::parse::{FileKind, ProfileSet, ReadError, Section};
use super::resolve::{self, ProfileChain};
use crate::env::{Env, Fs};
use crate::{ConfigErrorKind, Error};

/// The platform whose rules apply to home directories and path separators. A parameter rather
/// than `cfg!(windows)` so that the Windows cases of the cross-SDK suite run everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Platform {
    /// Windows: `USERPROFILE` and `HOMEDRIVE`+`HOMEPATH` are homes too, `\` separates.
    Windows,
    /// Everything else: only `HOME` is a home, `/` separates.
    Unix,
}

impl Platform {
    /// The platform this program runs on.
    pub(crate) fn current() -> Self {
        if cfg!(windows) { Platform::Windows } else { Platform::Unix }
    }

    fn separator(self) -> char {
        match self {
            Platform::Windows => '\\',
            Platform::Unix => '/',
        }
    }

    fn is_separator(self, c: char) -> bool {
        c == '/' || (self == Platform::Windows && c == '\\')
    }
}

/// The home directory: `HOME`, then on Windows `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`.
/// No password-database lookup, as in the other SDKs, so that the environment alone decides.
pub(crate) fn home_dir(env: &Env, platform: Platform) -> Option<String> {
    if let Some(home) = env.get("HOME") {
        return Some(home.to_owned());
    }
    if platform == Platform::Windows {
        if let Some(home) = env.get("USERPROFILE") {
            return Some(home.to_owned());
        }
        if let (Some(drive), Some(path)) = (env.get("HOMEDRIVE"), env.get("HOMEPATH")) {
            return Some(format!("{drive}{path}"));
        }
    }
    None
}

/// Expands a leading `~` (alone, or followed by a separator) to `home`, and rewrites the rest
/// with the platform's separator. `~user/` is not expanded, as in the other SDKs. `None` when
/// the path needs a home and there is none: reading `./~/.aws/config` instead would pick up
/// whatever file happens to be in the working directory.
pub(crate) fn expand_home(path: &str, home: Option<&str>, platform: Platform) -> Option<PathBuf> {
    let rest = match path.strip_prefix('~') {
        Some("") => "",
        Some(rest) if rest.starts_with(|c| platform.is_separator(c)) => rest,
        _ => return Some(PathBuf::from(path)),
    };
    let mut expanded = home?.to_owned();
    for part in rest.split(|c| platform.is_separator(c)).filter(|p| !p.is_empty() && *p != ".") {
        if !expanded.ends_with(|c| platform.is_separator(c)) {
            expanded.push(platform.separator());
        }
        expanded.push_str(part);
    }
    Some(PathBuf::from(expanded))
}

/// Where the two files are looked for. `None`: the path starts with `~` and no home
/// directory is set, so there is nothing to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Locations {
    /// `AWS_CONFIG_FILE`, else `~/.aws/config`.
    pub(crate) config: Option<PathBuf>,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    pub(crate) credentials: Option<PathBuf>,
}

/// Where the files are, from the environment alone.
pub(crate) fn locations(env: &Env, platform: Platform) -> Locations {
    let home = home_dir(env, platform);
    let locate = |var: &str, default: &str| {
        // Paths from the environment are used as they are, apart from `~`: they were written
        // for this platform.
        let path = env.get(var).map(str::trim).unwrap_or(default);
        expand_home(path, home.as_deref(), platform)
    };
    Locations {
        config: locate("AWS_CONFIG_FILE", "~/.aws/config"),
        credentials: locate("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    }
}

/// The selected profile: `AWS_PROFILE`, else `default`. `AWS_DEFAULT_PROFILE` is botocore's
/// alone and not read.
pub(crate) fn selected_profile(env: &Env) -> &str {
    env.get("AWS_PROFILE").map_or("default", str::trim)
}

/// Both files, parsed and merged, and the profile the environment selects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LoadedProfiles {
    /// Every section of both files, shared by the copies a program makes (settings, clients):
    /// a generated config can hold hundreds of thousands of profiles.
    pub(crate) set: Arc<ProfileSet>,
    /// `AWS_PROFILE`, else `default`; or the profile the caller named.
    pub(crate) selected: String,
    /// Where the files were looked for, for messages.
    pub(crate) locations: Locations,
}

impl LoadedProfiles {
    /// Profiles from a config file's text, for tests.
    #[cfg(test)]
    pub(crate) fn from_text(config: &str, selected: &str) -> Self {
        let set = ProfileSet::parse(Some(config), None).unwrap_or_else(|e| panic!("bad test config: {e}"));
        LoadedProfiles { set: Arc::new(set), selected: selected.to_owned(), locations: Locations::default() }
    }

    /// `/h/.aws/config or /h/.aws/credentials`: where a profile was looked for.
    pub(crate) fn describe_files(&self) -> String {
        let shown: Vec<String> = [&self.locations.config, &self.locations.credentials]
            .into_iter()
            .flatten()
            .map(|p| p.display().to_string())
            .collect();
        if shown.is_empty() {
            "the config or credentials file (no home directory is set, so neither was read)".to_owned()
        } else {
            shown.join(" or ")
        }
    }

    /// Checks that a profile chosen by name exists. `default` may be absent, as in botocore:
    /// it is what every program selects when told nothing. `how` says how it was chosen
    /// (`from AWS_PROFILE`, `named explicitly`).
    pub(crate) fn check_selected(&self, how: &str) -> Result<(), Error> {
        if self.selected == "default" || self.set.profile(&self.selected).is_some() {
            return Ok(());
        }
        Err(Error::configuration(
            ConfigErrorKind::ProfileNotFound,
            format!("the profile `{}` ({how}) is not defined in {}", self.selected, self.describe_files()),
        ))
    }

    /// The selected profile, if either file defines it.
    pub(crate) fn profile(&self) -> Option<Section<'_>> {
        self.set.profile(&self.selected)
    }

    /// The credential chain of the selected profile; `None` when the files configure no
    /// credentials for it, so the next source in the default chain is tried.
    pub(crate) fn credential_chain(&self) -> Result<Option<ProfileChain>, Error> {
        resolve::resolve_chain(&self.set, &self.selected)
    }
}

/// Reads and parses the two files.
pub(crate) fn load(env: &Env, fs: &Fs) -> Result<LoadedProfiles, Error> {
    load_with(env, Platform::current(), |path| Ok(Box::new(fs.open_regular(path)?)))
}

/// [`load`] with the platform and the file opener as parameters. A file that does not exist
/// reads as empty, whether its path is the default or was set explicitly (as in the other
/// SDKs, where an explicit path only adds a warning). A file that exists but cannot be read, or
/// is not UTF-8, is an error naming it: silently skipping it would change which credentials
/// are used.
///
/// A file is read a line at a time and never held whole, so that any file the AWS CLI reads
/// (a large organisation's generated SSO config runs to tens of megabytes) is read here too: in
/// memory, one line at a time plus what the profiles keep: each property once, in less than its
/// lines took in the file, and 8 bytes a section besides. `scripts/bench-config` measures it:
/// about the file's size for a generated SSO config, 1.25 times it for one of nothing but
/// headers, and under 2.5 times for a credentials file of the shortest headers there are.
pub(crate) fn load_with(
    env: &Env,
    platform: Platform,
    mut open: impl FnMut(&Path) -> io::Result<Box<dyn BufRead>>,
) -> Result<LoadedProfiles, Error> {
    let where_ = locations(env, platform);
    let mut set = ProfileSet::default();
    for (kind, what, path) in
        [(FileKind::Config, "config", &where_.config), (FileKind::Credentials, "credentials", &where_.credentials)]
    {
        let Some(path) = path else { continue };
        let mut reader = match open(path) {
            Ok(reader) => reader,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(ReadError::Io(e).into_error(what, &path.display().to_string())),
        };
        set.read(kind, &mut reader).map_err(|e| e.into_error(what, &path.display().to_string()))?;
    }
    Ok(LoadedProfiles { set: Arc::new(set), selected: selected_profile(env).to_owned(), locations: where_ })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn tilde_expansion() {
        let unix = |p: &str| expand_home(p, Some("/home/u"), Platform::Unix).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(unix("~/.aws/config").as_deref(), Some("/home/u/.aws/config"));
        assert_eq!(unix("~").as_deref(), Some("/home/u"));
        assert_eq!(unix("~//a/./b").as_deref(), Some("/home/u/a/b"));
        assert_eq!(unix("~user/config").as_deref(), Some("~user/config"));
        assert_eq!(unix("/etc/aws/~/config").as_deref(), Some("/etc/aws/~/config"));
        assert_eq!(unix("~\\config").as_deref(), Some("~\\config"));
        let trailing = expand_home("~/x", Some("/home/u/"), Platform::Unix).unwrap();
        assert_eq!(trailing, PathBuf::from("/home/u/x"));
        let win =
            |p: &str| expand_home(p, Some("C:\\Users\\u"), Platform::Windows).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(win("~/.aws/config").as_deref(), Some("C:\\Users\\u\\.aws\\config"));
        assert_eq!(win("~\\.aws\\credentials").as_deref(), Some("C:\\Users\\u\\.aws\\credentials"));
        assert_eq!(win("D:/x/config").as_deref(), Some("D:/x/config"));
        assert_eq!(expand_home("~/x", None, Platform::Unix), None);
        assert_eq!(expand_home("/x", None, Platform::Unix), Some(PathBuf::from("/x")));
    }

    #[test]
    fn explicit_paths_are_expanded_and_windows_homes_ignored_elsewhere() {
        let env = Env::from_pairs([("HOME", "/h"), ("AWS_CONFIG_FILE", "~/cfg"), ("AWS_PROFILE", " dev ")]);
        let at = locations(&env, Platform::Unix);
        assert_eq!(at.config, Some(PathBuf::from("/h/cfg")));
        assert_eq!(at.credentials, Some(PathBuf::from("/h/.aws/credentials")));
        assert_eq!(selected_profile(&env), "dev");
        let env = Env::from_pairs([("USERPROFILE", "C:\\u"), ("AWS_SHARED_CREDENTIALS_FILE", "/abs/creds")]);
        let at = locations(&env, Platform::Unix);
        assert_eq!((at.config, at.credentials), (None, Some(PathBuf::from("/abs/creds"))));
        assert_eq!(selected_profile(&Env::from_pairs([("AWS_PROFILE", "  ")])), "default");
    }

    fn fake_fs(files: &[(&str, &[u8])]) -> impl FnMut(&Path) -> io::Result<Box<dyn BufRead>> {
        let files: HashMap<PathBuf, Vec<u8>> = files.iter().map(|(p, b)| (PathBuf::from(p), b.to_vec())).collect();
        move |path| match files.get(path) {
            Some(b) if b == b"EACCES" => Err(io::Error::from(io::ErrorKind::PermissionDenied)),
            Some(b) => Ok(Box::new(io::Cursor::new(b.clone()))),
            None => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }

    #[test]
    fn loads_both_files_credentials_winning() {
        let env = Env::from_pairs([("HOME", "/h"), ("AWS_PROFILE", "dev")]);
        let fs = fake_fs(&[
            ("/h/.aws/config", b"[profile dev]\nregion = eu-west-1\naws_access_key_id = OLD\n"),
            ("/h/.aws/credentials", b"[dev]\naws_access_key_id = NEW\naws_secret_access_key = S\n"),
        ]);
        let loaded = load_with(&env, Platform::Unix, fs).unwrap();
        assert_eq!(loaded.selected, "dev");
        let dev = loaded.profile().unwrap();
        assert_eq!((dev.region(), dev.get("aws_access_key_id")), (Some("eu-west-1"), Some("NEW")));
    }

    #[test]
    fn missing_files_are_empty_even_when_named_explicitly() {
        let env = Env::from_pairs([("HOME", "/h"), ("AWS_CONFIG_FILE", "/nope/config")]);
        let loaded = load_with(&env, Platform::Unix, fake_fs(&[])).unwrap();
        assert_eq!((&*loaded.set, loaded.selected.as_str()), (&ProfileSet::default(), "default"));
        assert_eq!(loaded.describe_files(), "/nope/config or /h/.aws/credentials");
        assert!(loaded.check_selected("from AWS_PROFILE").is_ok());
        let dev = LoadedProfiles { selected: "dev".into(), ..loaded.clone() };
        let err = dev.check_selected("from AWS_PROFILE").unwrap_err().to_string();
        assert!(err.contains("the profile `dev` (from AWS_PROFILE) is not defined in /nope/config or"), "{err}");
        assert_eq!(loaded.credential_chain().unwrap(), None);
        // No home: nothing is read at all, not even a relative `~/.aws/config`.
        let mut asked = Vec::new();
        load_with(&Env::from_pairs([]), Platform::Unix, |p| {
            asked.push(p.to_path_buf());
            Err(io::Error::from(io::ErrorKind::NotFound))
        })
        .unwrap();
        assert!(asked.is_empty(), "{asked:?}");
    }

    #[test]
    fn unreadable_or_non_utf8_files_are_errors_naming_the_file() {
        let env = Env::from_pairs([("HOME", "/h")]);
        let err = load_with(&env, Platform::Unix, fake_fs(&[("/h/.aws/credentials", b"EACCES")])).unwrap_err();
        let err = err.to_string();
        assert!(err.contains("could not read the credentials file /h/.aws/credentials"), "{err}");
        let err = load_with(&env, Platform::Unix, fake_fs(&[("/h/.aws/config", b"[default]\nk = \xff\n")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("the config file /h/.aws/config is not valid UTF-8 (byte 14)"), "{err}");
        let err = load_with(&env, Platform::Unix, fake_fs(&[("/h/.aws/config", b"[default]\nregion\n")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/h/.aws/config, line 2: expected an '=' sign defining a property"), "{err}");
    }

    #[test]
    fn reads_the_real_file_system() {
        let dir = std::env::temp_dir().join(format!("ec2-lite-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config");
        std::fs::write(&config, "[default]\nregion = ap-south-1\n").unwrap();
        let config_str = config.to_str().unwrap();
        let missing = dir.join("missing");
        let env = Env::from_pairs([
            ("AWS_CONFIG_FILE", config_str),
            ("AWS_SHARED_CREDENTIALS_FILE", missing.to_str().unwrap()),
        ]);
        let loaded = load(&env, &Fs::real());
        let as_dir =
            load(&Env::from_pairs([("AWS_CONFIG_FILE", dir.to_str().unwrap()), ("HOME", "/nonexistent")]), &Fs::real());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(loaded.unwrap().profile().and_then(|p| p.region()), Some("ap-south-1"));
        // A directory where a file should be is unreadable, not missing.
        assert!(as_dir.unwrap_err().to_string().contains("could not read the config file"));
    }
}
