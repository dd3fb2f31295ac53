//! `ec2-lite`: the EC2 IAM instance profile commands of `aws ec2`.

fn main() -> std::process::ExitCode {
    ec2_lite_cli::main()
}
