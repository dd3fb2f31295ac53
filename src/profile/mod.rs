//! The shared `config` and `credentials` files: where they are, what they say, which credentials a profile names.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>

mod location;
mod parse;
mod resolve;
mod settings;
#[cfg(test)]
mod suites;

pub(crate) use location::{LoadedProfiles, Platform, home_dir, load};
#[cfg(feature = "_fuzzing")]
pub(crate) use parse::ProfileSet;
pub(crate) use parse::Section;
#[cfg(feature = "_fuzzing")]
pub(crate) use resolve::resolve_chain;
pub(crate) use resolve::{BaseProvider, CredentialProcess, CredentialSource, RoleHop, Sso};
pub(crate) use settings::ImdsEndpointMode;

/// One profile of the shared `config` and `credentials` files, for programs built on this
/// crate that read keys of their own (a CLI's `output` or `ca_bundle`). The files are found
/// as [`ClientBuilder`](crate::ClientBuilder) finds them.
#[derive(Clone, Default)]
pub struct ProfileSettings {
    name: String,
    section: Option<Section>,
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
        let loaded = load(&crate::env::Env::from_process(), &crate::env::Fs::real())?;
        let name = profile.map(str::trim).filter(|p| !p.is_empty()).unwrap_or(&loaded.selected).to_owned();
        let section = loaded.set.profile(&name).cloned();
        Ok(ProfileSettings { name, section })
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a file defines it; `default` always counts, as in botocore.
    pub fn exists(&self) -> bool {
        self.section.is_some() || self.name == "default"
    }

    /// The value of `key` (any case), `None` when unset or blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.section.as_ref()?.get(key)
    }
}
