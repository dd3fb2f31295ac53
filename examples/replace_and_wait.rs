//! Replaces the IAM instance profile of an instance, then waits until the new
//! one is associated.
//!
//! ```sh
//! cargo run --example replace_and_wait -- i-1234567890abcdef0 NewProfile
//! ```

use std::time::Duration;

use ec2_lite::{Client, Error, IamInstanceProfileSpecification, WaitOptions, WaitTarget};

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [instance_id, profile_name] = args.as_slice() else {
        eprintln!("usage: replace_and_wait INSTANCE_ID PROFILE_NAME");
        std::process::exit(2);
    };
    let client = Client::from_env()?;

    // Replace works on an association id: find the instance's current one.
    let Some(current) = client.association_for_instance(instance_id)?.iam_instance_profile_association else {
        eprintln!("{instance_id} has no instance profile to replace");
        std::process::exit(1);
    };
    let profile = IamInstanceProfileSpecification::name(profile_name.as_str());
    let new = client
        .replace_iam_instance_profile_association(&current.association_id, &profile)?
        .iam_instance_profile_association;
    println!("{} replaces {} ({})", new.association_id, current.association_id, new.state);

    // EC2 gives the replacement a new association id: wait on that one.
    let options = WaitOptions::new(Duration::from_secs(2), Duration::from_secs(120));
    let done = client
        .wait_until_associated(&WaitTarget::AssociationId(new.association_id.clone()), &options)?
        .iam_instance_profile_association;
    println!("{} is {} with {}", done.association_id, done.state, done.iam_instance_profile.arn);
    Ok(())
}
