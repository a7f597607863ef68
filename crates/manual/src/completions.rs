//! supervisorctl's completion scripts for bash, zsh and fish. Each is a thin shim: it
//! hands the command line up to the cursor to `supervisorctl completions --complete
//! LINE`, which answers with one candidate per line — options and actions from the
//! option tables, process and group names from the running supervisord, computed by
//! the interactive shell's own completion code — or exits 3 to ask the shell for file
//! names (after `-c`). So the scripts never need to change when an option does.

/// The shells `completion_script` knows.
pub const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// The script for `shell`, if it is one of [`SHELLS`].
pub fn completion_script(shell: &str) -> Option<&'static str> {
    match shell {
        "bash" => Some(BASH),
        "zsh" => Some(ZSH),
        "fish" => Some(FISH),
        _ => None,
    }
}

const BASH: &str = r#"# bash completion for supervisorctl (supervisor-rs)
_supervisorctl() {
    local line=${COMP_LINE:0:$COMP_POINT}
    line=${line#"${COMP_WORDS[0]}"}
    local cur=${COMP_WORDS[COMP_CWORD]}
    local out
    out=$("${COMP_WORDS[0]}" completions --complete "$line" 2>/dev/null)
    if [ $? -eq 3 ]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    local IFS=$'\n'
    COMPREPLY=($out)
    # bash breaks words at ':' (COMP_WORDBREAKS): offer what follows the last one.
    local word=${line##*[[:space:]]}
    if [[ $word == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local colon=${word%"${word##*:}"}
        COMPREPLY=("${COMPREPLY[@]#"$colon"}")
    fi
}
complete -F _supervisorctl supervisorctl
"#;

const ZSH: &str = r#"#compdef supervisorctl
# zsh completion for supervisorctl (supervisor-rs)
_supervisorctl() {
    local line="${(j: :)words[2,CURRENT]}"
    local out
    out=$("${words[1]}" completions --complete "$line" 2>/dev/null)
    if [[ $? -eq 3 ]]; then
        _files
        return
    fi
    local -a candidates
    candidates=("${(@f)out}")
    compadd -Q -- $candidates
}
if [[ "$funcstack[1]" == "_supervisorctl" ]]; then
    _supervisorctl "$@"
else
    compdef _supervisorctl supervisorctl
fi
"#;

const FISH: &str = r#"# fish completion for supervisorctl (supervisor-rs)
function __supervisorctl_complete
    set -l cmd (commandline -opc)[1]
    set -l line (string replace -r -- '^\s*\S+' '' (commandline -cp))
    $cmd completions --complete "$line" 2>/dev/null
    if test $status -eq 3
        __fish_complete_path (commandline -ct)
    end
end
complete -c supervisorctl -f -a '(__supervisorctl_complete)'
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_has_a_script_that_asks_supervisorctl() {
        for shell in SHELLS {
            let script = completion_script(shell).unwrap();
            assert!(script.contains("completions --complete"), "{shell}");
        }
        assert!(completion_script("tcsh").is_none());
    }
}
