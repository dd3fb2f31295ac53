//! `ec2-lite completion bash|zsh|fish` (an extension): a script completing
//! the commands, the waiters, every option and the options' fixed choices.
//! bash:  `eval "$(ec2-lite completion bash)"`
//! zsh:   `eval "$(ec2-lite completion zsh)"` (through zsh's bashcompinit)
//! fish:  `ec2-lite completion fish | source`

use crate::args::{self, GLOBAL_OPTIONS, Kind, Opt, Positional};
use crate::commands::{COMMANDS, WAITERS};
use crate::{CliError, PROG};

const SHELLS: &[&str] = &["bash", "zsh", "fish"];

pub(crate) fn run(args: &[String], help: bool) -> Result<String, CliError> {
    if help || matches!(args, [only] if only == "help") {
        return Ok(format!(
            "NAME\n  {PROG} completion [extension]\n\nSYNOPSIS\n  {PROG} completion bash|zsh|fish\n\n\
             DESCRIPTION\n  Prints a shell completion script for the commands, waiters and options:\n    \
             bash:  eval \"$({PROG} completion bash)\"   (in ~/.bashrc)\n    zsh:   eval \"$({PROG} completion \
             zsh)\"    (in ~/.zshrc)\n    fish:  {PROG} completion fish | source\n"
        ));
    }
    let known =
        args::parse_known(args, &[], Positional { name: "shell", choices: Some(SHELLS), optional: false }, false)
            .map_err(CliError::argparse)?;
    if !known.extras.is_empty() {
        return Err(CliError::unknown(&known.extras));
    }
    Ok(match known.positional.as_deref() {
        Some("fish") => fish(),
        Some("zsh") => format!("#compdef {PROG}\nautoload -U +X bashcompinit && bashcompinit\n{}", bash()),
        _ => bash(),
    })
}

fn names(opts: &[&Opt]) -> String {
    opts.iter().map(|o| format!("--{}", o.name)).collect::<Vec<_>>().join(" ")
}

fn takes_value(o: &Opt) -> bool {
    matches!(o.kind, Kind::One | Kind::Many)
}

fn bash() -> String {
    let globals: Vec<&Opt> = GLOBAL_OPTIONS.iter().collect();
    let valued: Vec<&Opt> = globals.iter().copied().filter(|o| takes_value(o)).collect();
    let mut commands: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    commands.extend(["help", "completion"]);
    let mut cases = String::new();
    for c in COMMANDS {
        if !c.subcommands.is_empty() {
            continue;
        }
        cases.push_str(&format!("        {}) opts=\"{}\" ;;\n", c.name, names(&c.argument_table())));
    }
    let wait_opts =
        COMMANDS.iter().find(|c| !c.subcommands.is_empty()).map(|c| names(&c.argument_table())).unwrap_or_default();
    let mut choices = String::new();
    for o in GLOBAL_OPTIONS.iter().chain(crate::input::INPUT_OPTIONS).filter(|o| !o.choices.is_empty()) {
        choices.push_str(&format!(
            "        --{}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n",
            o.name,
            o.choices.join(" ")
        ));
    }
    format!(
        r#"# {PROG} completion for bash: eval "$({PROG} completion bash)"
_ec2_lite() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}"
    local prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
{choices}        --ca-bundle|--cli-input-json|--cli-input-yaml) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    local valued=" {valued} "
    local cmd="" sub="" i w skip=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${{COMP_WORDS[i]}}"
        if [[ -n "$skip" ]]; then skip=""; continue; fi
        case "$w" in
            --*=*) ;;
            --*) [[ "$valued" == *" $w "* ]] && skip=1 ;;
            *) if [[ -z "$cmd" ]]; then cmd="$w"; elif [[ -z "$sub" ]]; then sub="$w"; fi ;;
        esac
    done
    local globals="{globals}"
    local opts=""
    case "$cmd" in
        "") COMPREPLY=($(compgen -W "{commands} $globals" -- "$cur")); return ;;
{cases}        wait)
            if [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "{waiters}" -- "$cur")); return
            fi
            opts="{wait_opts}" ;;
        completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
        *) return ;;
    esac
    COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
}}
complete -o default -F _ec2_lite {PROG}
"#,
        valued = names(&valued),
        globals = names(&globals),
        commands = commands.join(" "),
        waiters = WAITERS.join(" "),
    )
}

/// A description for fish, with its quote escaped.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn fish_option(condition: &str, o: &Opt) -> String {
    let mut line = format!("complete -c {PROG}{condition} -l {}", o.name);
    if !o.choices.is_empty() {
        line.push_str(&format!(" -x -a {}", quoted(&o.choices.join(" "))));
    } else if takes_value(o) {
        line.push_str(" -r");
    }
    line.push_str(&format!(" -d {}\n", quoted(o.help)));
    line
}

fn fish() -> String {
    let mut s = format!("# {PROG} completion for fish: {PROG} completion fish | source\ncomplete -c {PROG} -f\n");
    for c in COMMANDS {
        s.push_str(&format!("complete -c {PROG} -n '__fish_use_subcommand' -a {} -d {}\n", c.name, quoted(c.summary)));
    }
    s.push_str(&format!("complete -c {PROG} -n '__fish_use_subcommand' -a help -d 'Prints help'\n"));
    s.push_str(&format!(
        "complete -c {PROG} -n '__fish_use_subcommand' -a completion -d 'Prints a completion script'\n"
    ));
    s.push_str(&format!("complete -c {PROG} -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n"));
    for w in WAITERS {
        s.push_str(&format!("complete -c {PROG} -n '__fish_seen_subcommand_from wait' -a {w}\n"));
    }
    for o in GLOBAL_OPTIONS {
        s.push_str(&fish_option("", o));
    }
    for c in COMMANDS {
        for o in c.argument_table() {
            s.push_str(&fish_option(&format!(" -n '__fish_seen_subcommand_from {}'", c.name), o));
        }
    }
    s
}
