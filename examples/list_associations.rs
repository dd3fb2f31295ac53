//! Lists every IAM instance profile association in the region, fetching the
//! pages lazily: a page is requested only when the previous one is used up.
//!
//! ```sh
//! cargo run --example list_associations              # all of them
//! cargo run --example list_associations -- associated  # only this state
//! ```

use ec2_lite::{Client, DescribeIamInstanceProfileAssociations, Error};

fn main() -> Result<(), Error> {
    let client = Client::from_env()?;
    let mut request = DescribeIamInstanceProfileAssociations::new().max_results(100);
    if let Some(state) = std::env::args().nth(1) {
        request = request.filter("state", [state]);
    }

    let mut count = 0;
    // `.items()` walks the associations of every page. The first error ends
    // the iteration; `?` hands it to `main`.
    for assoc in client.describe_iam_instance_profile_associations_pages(&request).items() {
        let assoc = assoc?;
        println!(
            "{}\t{}\t{}\t{}",
            assoc.association_id, assoc.instance_id, assoc.state, assoc.iam_instance_profile.arn
        );
        count += 1;
    }
    eprintln!("{count} associations");
    Ok(())
}
