//! The shared `config` and `credentials` files: where they are, what they say, which credentials a profile names.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>

mod location;
mod parse;
mod resolve;
mod settings;
#[cfg(test)]
mod suites;

// The `allow`s go when the credential chain and the client use these, with the one on `mod profile`.
#[allow(unused_imports)]
pub(crate) use location::{
    LoadedProfiles, Locations, Platform, expand_home, home_dir, load, load_with, locations, selected_profile,
};
#[allow(unused_imports)]
pub(crate) use parse::{FileKind, ProfileSet, Section};
#[allow(unused_imports)]
pub(crate) use resolve::{
    BaseProvider, CredentialProcess, CredentialSource, ProfileChain, RoleHop, Sso, StaticKeys, resolve_chain,
};
#[allow(unused_imports)]
pub(crate) use settings::{ImdsEndpointMode, RetryMode};
