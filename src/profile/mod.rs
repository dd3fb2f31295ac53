//! The shared `config` and `credentials` files: where they are, what they say, which credentials a profile names.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>

mod location;
mod parse;
mod resolve;
mod settings;
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
