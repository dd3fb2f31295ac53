//! `replace-iam-instance-profile-association`: ReplaceIamInstanceProfileAssociation.

use ec2_lite::ReplaceIamInstanceProfileAssociation;

use super::{
    Command, Ctx, Example, Member, PROFILE, PROFILE_HELP, Printable, Response, Skeleton, Ty, member, one_association,
    profile, send,
};
use crate::CliError;
use crate::args::Opt;

pub(super) const COMMAND: Command = Command {
    name: "replace-iam-instance-profile-association",
    operation: "ReplaceIamInstanceProfileAssociation",
    summary: "Replaces an IAM instance profile for the specified association (prints the new association ID).",
    members: &[
        Member::new("IamInstanceProfile", PROFILE, Opt::one("iam-instance-profile", PROFILE_HELP).required()),
        Member::new(
            "AssociationId",
            Ty::Str,
            Opt::one("association-id", "The ID of the existing IAM instance profile association.").required(),
        ),
    ],
    skeleton: Some(Skeleton {
        json: "{\n    \"IamInstanceProfile\": {\n        \"Arn\": \"\",\n        \"Name\": \"\"\n    },\n    \
             \"AssociationId\": \"\"\n}\n",
        yaml: "IamInstanceProfile:  # [REQUIRED] The IAM instance profile.\n  Arn: ''  # The Amazon Resource Name \
             (ARN) of the instance profile.\n  Name: '' # The name of the instance profile.\nAssociationId: '' # \
             [REQUIRED] The ID of the existing IAM instance profile association.\n",
    }),
    response: Response::Association,
    examples: EXAMPLES,
    run,
    ..Command::BASE
};

/// Help's EXAMPLES. The README's CLI examples are among them.
const EXAMPLES: &[Example] = &[Example::new(
    "To replace an instance's IAM instance profile",
    "ec2-lite replace-iam-instance-profile-association \
             --iam-instance-profile Arn=arn:aws:iam::123456789012:instance-profile/New --association-id iip-assoc-0123",
)];

fn run(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let request = ReplaceIamInstanceProfileAssociation::new(member(ctx, "association-id"), profile(ctx)?);
    let out = send(ctx, "ReplaceIamInstanceProfileAssociation", &request)?;
    Ok(one_association(&out.iam_instance_profile_association))
}
