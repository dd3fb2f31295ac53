//! The README's first program, word for word (`tests/readme.rs` checks it).

// Disassociates an IAM instance profile from an EC2 instance.
// Credentials, region and endpoint are found as the AWS CLI finds them.
fn main() -> Result<(), ec2_lite::Error> {
    let client = ec2_lite::Client::from_env()?;
    let out = client.disassociate_iam_instance_profile("iip-assoc-05020b59952902f5f")?;
    let assoc = out.iam_instance_profile_association;
    println!("{} {} {}", assoc.association_id, assoc.instance_id, assoc.state);
    Ok(())
}
