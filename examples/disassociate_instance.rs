//! Removes whatever IAM instance profile an instance has, knowing only the
//! instance id. Safe to run twice: the second run finds nothing to remove.
//!
//! ```sh
//! cargo run --example disassociate_instance -- i-1234567890abcdef0
//! ```

use ec2_lite::{Client, Error};

fn main() -> Result<(), Error> {
    let Some(instance_id) = std::env::args().nth(1) else {
        eprintln!("usage: disassociate_instance INSTANCE_ID");
        std::process::exit(2);
    };
    let client = Client::from_env()?;
    match client.disassociate_instance(&instance_id)? {
        Some(out) => {
            let assoc = out.iam_instance_profile_association;
            println!(
                "{}: removing {} ({}, now {})",
                instance_id, assoc.iam_instance_profile.arn, assoc.association_id, assoc.state
            );
        }
        None => println!("{instance_id} has no instance profile"),
    }
    Ok(())
}
