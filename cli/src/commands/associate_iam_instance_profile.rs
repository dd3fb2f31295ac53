//! `associate-iam-instance-profile`: AssociateIamInstanceProfile.

use ec2_lite::AssociateIamInstanceProfile;

use super::{
    Command, Ctx, Example, Member, PROFILE, PROFILE_HELP, Printable, Response, Skeleton, Ty, member, one_association,
    profile, send,
};
use crate::CliError;
use crate::args::Opt;

pub(super) const COMMAND: Command = Command {
    name: "associate-iam-instance-profile",
    operation: "AssociateIamInstanceProfile",
    summary: "Associates an IAM instance profile with a running or stopped instance.",
    members: &[
        Member::new("IamInstanceProfile", PROFILE, Opt::one("iam-instance-profile", PROFILE_HELP).required()),
        Member::new("InstanceId", Ty::Str, Opt::one("instance-id", "The ID of the instance.").required()),
    ],
    skeleton: Some(Skeleton {
        json: "{\n    \"IamInstanceProfile\": {\n        \"Arn\": \"\",\n        \"Name\": \"\"\n    },\n    \
             \"InstanceId\": \"\"\n}\n",
        yaml: "IamInstanceProfile:  # [REQUIRED] The IAM instance profile.\n  Arn: ''  # The Amazon Resource Name \
             (ARN) of the instance profile.\n  Name: '' # The name of the instance profile.\nInstanceId: '' # \
             [REQUIRED] The ID of the instance.\n",
    }),
    response: Response::Association,
    examples: EXAMPLES,
    run,
    ..Command::BASE
};

/// Help's EXAMPLES. The README's CLI examples are among them.
const EXAMPLES: &[Example] = &[
    Example::new(
        "To associate an IAM instance profile with an instance",
        "ec2-lite associate-iam-instance-profile --iam-instance-profile Name=AdminProfile \
                 --instance-id i-1234567890abcdef0",
    ),
    Example::new(
        "To write the input as a file first, then run the command from it",
        "ec2-lite associate-iam-instance-profile --generate-cli-skeleton > in.json\n    \
                 ec2-lite associate-iam-instance-profile --cli-input-json file://in.json",
    ),
];

fn run(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let request = AssociateIamInstanceProfile::new(member(ctx, "instance-id"), profile(ctx)?);
    let out = send(ctx, "AssociateIamInstanceProfile", &request)?;
    Ok(one_association(&out.iam_instance_profile_association))
}
