//! The shared `config` and `credentials` files: where they are, what they say, which credentials a profile names.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>

mod location;
mod parse;
mod resolve;
mod settings;
// The cross-SDK profile suites: under tests/, outside the published package.
#[cfg(test)]
#[path = "../../tests/unit/profile_suites.rs"]
mod suites;

pub(crate) use location::{LoadedProfiles, Platform, home_dir, load};
#[cfg(feature = "_fuzzing")]
pub(crate) use parse::ProfileSet;
pub(crate) use parse::Section;
#[cfg(feature = "_fuzzing")]
pub(crate) use resolve::resolve_chain;
pub(crate) use resolve::{BaseProvider, CredentialProcess, CredentialSource, RoleHop, Sso};
pub(crate) use settings::ImdsEndpointMode;

use std::sync::Arc;

use crate::ClientBuilder;
use crate::env::{Env, Fs};

/// One profile of the shared `config` and `credentials` files, for programs built on this
/// crate that read keys of their own (a CLI's `output` or `ca_bundle`). The files are found
/// as [`ClientBuilder`](crate::ClientBuilder) finds them.
#[derive(Clone, Default)]
pub struct ProfileSettings {
    name: String,
    /// The profile the caller named, as given to [`ProfileSettings::load`].
    requested: Option<String>,
    /// What `load` read: the environment, and both files.
    snapshot: Option<Arc<(Env, Fs, LoadedProfiles)>>,
}

impl std::fmt::Debug for ProfileSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileSettings").field("name", &self.name).finish_non_exhaustive()
    }
}

impl ProfileSettings {
    /// Reads the files and selects `profile`, else `AWS_PROFILE`, else `default`.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when a file cannot be read or parsed.
    pub fn load(profile: Option<&str>) -> Result<Self, crate::Error> {
        Self::load_in(profile, Env::from_process(), Fs::real())
    }

    /// [`load`](Self::load) from this environment and these files.
    fn load_in(profile: Option<&str>, env: Env, fs: Fs) -> Result<Self, crate::Error> {
        let loaded = load(&env, &fs)?;
        let requested = profile.map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
        let name = requested.clone().unwrap_or_else(|| loaded.selected.clone());
        Ok(ProfileSettings { name, requested, snapshot: Some(Arc::new((env, fs, loaded))) })
    }

    /// A [`ClientBuilder`] for this profile that takes the environment and both files as
    /// [`load`](Self::load) read them, instead of reading them again: the client's settings
    /// and the caller's own keys then come from one reading, and the work is done once.
    ///
    /// ```no_run
    /// let settings = ec2_lite::ProfileSettings::load(None)?;
    /// let output = settings.get("output").unwrap_or("json");
    /// let client = settings.client_builder().build()?;
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        let mut builder = ClientBuilder::new();
        if let Some(name) = &self.requested {
            builder = builder.profile(name);
        }
        match &self.snapshot {
            Some(snapshot) => {
                let (env, fs, profiles) = &**snapshot;
                builder.snapshot(env.clone(), fs.clone(), profiles.clone())
            }
            None => builder,
        }
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a file defines it; `default` always counts, as in botocore.
    pub fn exists(&self) -> bool {
        self.section().is_some() || self.name == "default"
    }

    /// The value of `key` (any case), `None` when unset or blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.section()?.get(key)
    }

    /// The profile as [`load`](Self::load) read it.
    fn section(&self) -> Option<Section<'_>> {
        self.snapshot.as_ref()?.2.set.profile(&self.name)
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    /// A directory standing for `/` with `/home/.aws/config` holding `config`, the path of that
    /// file, and an environment with keys and that home.
    fn home_with_config(name: &str, config: &str) -> (std::path::PathBuf, std::path::PathBuf, Env) {
        let dir = std::env::temp_dir().join(format!("ec2-lite-{name}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("home/.aws")).unwrap();
        let file = dir.join("home/.aws/config");
        std::fs::write(&file, config).unwrap();
        let env = Env::from_pairs([
            ("HOME", "/home"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]);
        (dir, file, env)
    }

    #[test]
    fn client_builder_uses_what_load_read() {
        let (dir, config, env) = home_with_config("snapshot", "[profile dev]\nregion = eu-west-3\noutput = text\n");
        let settings = ProfileSettings::load_in(Some("dev"), env, Fs::rooted(&dir));
        // The files change after the settings were read: the client is built from the reading.
        let rewritten = std::fs::write(&config, "[profile dev]\nregion = ap-south-1\n");
        let client = settings.as_ref().ok().map(|s| s.client_builder().build());
        std::fs::remove_dir_all(&dir).unwrap();
        rewritten.unwrap();
        let settings = settings.unwrap();
        assert_eq!(settings.get("output"), Some("text"));
        assert_eq!(client.unwrap().unwrap().region(), "eu-west-3");
        // The profile named is the builder's: a missing one is still refused by name.
        let missing = ProfileSettings { requested: Some("nope".to_owned()), ..settings.clone() };
        let err = missing.client_builder().build().unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn without_a_snapshot_the_builder_reads_for_itself() {
        let (dir, config, env) = home_with_config("no-snapshot", "[default]\nregion = eu-north-1\n");
        // Settings that read nothing (no snapshot): the builder reads the files itself, when
        // the client is built, so a file changed in between is what the client gets.
        let builder = ProfileSettings::default().client_builder().env(env).fs(Fs::rooted(&dir));
        let rewritten = std::fs::write(&config, "[default]\nregion = sa-east-1\n");
        let client = builder.build();
        std::fs::remove_dir_all(&dir).unwrap();
        rewritten.unwrap();
        assert_eq!(client.unwrap().region(), "sa-east-1");
    }
}
