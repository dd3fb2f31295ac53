//! The read-only listing the CLI comparisons run on, and the two programs they compare.

use std::process::Output;
use std::sync::OnceLock;

use super::cli;
use super::moto::{Moto, Seeded};

/// Associations with `crate-profile` in the listing: more than moto's page of 100, so that
/// auto-pagination makes two calls.
pub const PAGED: usize = 105;

/// A private server holding `PAGED` associations with `crate-profile` and one with
/// `crate-profile-b`, which nothing changes: every comparison reads it, none writes.
pub struct Listing {
    pub moto: Moto,
    pub seeded: Vec<Seeded>,
    pub other_profile: Seeded,
}

/// The listing, started and seeded by its first user.
pub fn listing() -> &'static Listing {
    static LISTING: OnceLock<Listing> = OnceLock::new();
    LISTING.get_or_init(|| {
        let moto = Moto::start();
        let seeded = moto.seed_associations(PAGED);
        let other_profile = moto.seed_association_with(&moto.profile_b.name);
        Listing { moto, seeded, other_profile }
    })
}

/// `ec2-lite --endpoint-url E --region R ARGS`, as the user, with nothing else from the
/// environment: the same settings `Moto::aws_cli` gives the AWS CLI.
pub fn lite(moto: &Moto, args: &[&str]) -> Output {
    let mut all = vec!["--endpoint-url", moto.endpoint.as_str(), "--region", moto.region.as_str()];
    all.extend_from_slice(args);
    cli::run(
        &all,
        &[
            ("AWS_ACCESS_KEY_ID", moto.access_key_id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", moto.secret_access_key.as_str()),
        ],
    )
}

/// `aws ec2 ARGS` against the same server, as the same user.
pub fn aws(moto: &Moto, args: &[&str]) -> Output {
    let mut all = vec!["ec2"];
    all.extend_from_slice(args);
    moto.aws_cli(&all)
}
