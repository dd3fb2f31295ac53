//! `disassociate-iam-instance-profile`: DisassociateIamInstanceProfile.

use ec2_lite::DisassociateIamInstanceProfile;

use super::{Command, Ctx, Example, Member, Printable, Response, Skeleton, Ty, member, one_association, send};
use crate::CliError;
use crate::args::Opt;

pub(super) const COMMAND: Command = Command {
    name: "disassociate-iam-instance-profile",
    operation: "DisassociateIamInstanceProfile",
    summary: "Disassociates an IAM instance profile from a running or stopped instance.",
    members: &[Member::new(
        "AssociationId",
        Ty::Str,
        Opt::one("association-id", "The ID of the IAM instance profile association.").required(),
    )],
    skeleton: Some(Skeleton {
        json: "{\n    \"AssociationId\": \"\"\n}\n",
        yaml: "AssociationId: ''  # [REQUIRED] The ID of the IAM instance profile association.\n",
    }),
    response: Response::Association,
    examples: EXAMPLES,
    run,
    ..Command::BASE
};

/// Help's EXAMPLES. The README's CLI examples are among them.
const EXAMPLES: &[Example] = &[Example::new(
    "To disassociate an IAM instance profile",
    "ec2-lite disassociate-iam-instance-profile --association-id iip-assoc-05020b59952902f5f",
)];

fn run(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let request = DisassociateIamInstanceProfile::new(member(ctx, "association-id"));
    let out = send(ctx, "DisassociateIamInstanceProfile", &request)?;
    Ok(one_association(&out.iam_instance_profile_association))
}
