//! The README's first program, word for word (`tests/integration/readme.rs` checks it).

// Disassociates an IAM instance profile from an EC2 instance: the association
// whose id is the first argument, or else the first one EC2 lists as associated.
// Credentials, region and endpoint are found as the AWS CLI finds them.
use std::process::ExitCode;

use ec2_lite::{Client, DescribeIamInstanceProfileAssociations};

fn main() -> ExitCode {
    match run(std::env::args().nth(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(association_id: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let association_id = match association_id {
        Some(id) => id,
        None => {
            let request = DescribeIamInstanceProfileAssociations::new().filter("state", ["associated"]);
            match client.describe_iam_instance_profile_associations_pages(&request).items().next() {
                Some(first) => first?.association_id,
                None => return Err("no instance profile is associated; give an association id".into()),
            }
        }
    };
    let out = client.disassociate_iam_instance_profile(&association_id)?;
    let assoc = out.iam_instance_profile_association;
    println!("{} {} {}", assoc.association_id, assoc.instance_id, assoc.state);
    Ok(())
}
