//! The commands: each turns its options into one library call and the
//! result into the AWS CLI's output shape.

use ec2_lite::{Client, IamInstanceProfileAssociation, format_timestamp};

use crate::CliError;
use crate::args::{Kind, Opt, Parsed};
use crate::output::Value;

/// What a command runs with.
pub(crate) struct Ctx<'a> {
    pub(crate) client: &'a Client,
    pub(crate) parsed: &'a Parsed,
}

impl Ctx<'_> {
    fn fail(&self, operation: &str, e: &ec2_lite::Error) -> CliError {
        CliError::from_error(e, operation, self.client.endpoint_url())
    }

    /// The value of a required option (presence was checked by the parser).
    fn required(&self, name: &str) -> Result<&str, CliError> {
        self.parsed.one(name).ok_or_else(|| CliError::usage(format!("the following arguments are required: --{name}")))
    }
}

/// One command of the tool.
pub(crate) struct Command {
    pub(crate) name: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) options: &'static [Opt],
    pub(crate) run: fn(&Ctx<'_>) -> Result<Option<Value>, CliError>,
}

pub(crate) const COMMANDS: &[Command] = &[Command {
    name: "disassociate-iam-instance-profile",
    operation: "DisassociateIamInstanceProfile",
    summary: "Disassociates an IAM instance profile from a running or stopped instance",
    options: &[Opt { name: "association-id", kind: Kind::One, required: true, help: "the ID of the association" }],
    run: disassociate,
}];

fn disassociate(ctx: &Ctx<'_>) -> Result<Option<Value>, CliError> {
    const OP: &str = "DisassociateIamInstanceProfile";
    let id = ctx.required("association-id")?;
    let assoc = ctx.client.disassociate_iam_instance_profile(id).map_err(|e| ctx.fail(OP, &e))?;
    Ok(Some(Value::map(vec![("IamInstanceProfileAssociation", association(&assoc))])))
}

/// An association as botocore parses it: members in the model's order,
/// absent ones left out.
pub(crate) fn association(a: &IamInstanceProfileAssociation) -> Value {
    let mut m = vec![
        ("AssociationId", Value::str(&a.association_id)),
        ("InstanceId", Value::str(&a.instance_id)),
        (
            "IamInstanceProfile",
            Value::map(vec![
                ("Arn", Value::str(&a.iam_instance_profile.arn)),
                ("Id", Value::str(&a.iam_instance_profile.id)),
            ]),
        ),
        ("State", Value::str(a.state.as_str())),
    ];
    if let Some(t) = a.timestamp {
        m.push(("Timestamp", Value::str(format_timestamp(t))));
    }
    Value::map(m)
}
