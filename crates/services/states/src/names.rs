//! Names: which state machine and execution names AWS accepts, and how Step Functions names the role
//! sessions it opens (the execution role's, and a Task's `Credentials` role's with its ExternalId).
//! The session rules are [inf] (AWS does not document them) and live here only, easy to change.

/// A state machine, execution or version name: 1 to 80 characters, none of AWS's forbidden ones
/// (white space, brackets, wildcards, `" # % \ ^ | ~ \` $ & , ; : /`, control characters, surrogates
/// and non-characters).
pub fn is_valid_name(name: &str) -> bool {
    let len = name.chars().count();
    (1..=80).contains(&len) && name.chars().all(|c| !forbidden(c))
}

fn forbidden(c: char) -> bool {
    c.is_whitespace()
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        || matches!(c as u32, 0x00..=0x1F | 0x7F..=0x9F | 0xFFFE..=0xFFFF | 0x10FFFF)
}

/// The characters STS accepts in a role session name (`[\w+=,.@-]`), 2 to 64 of them.
fn session_name(base: &str) -> String {
    let mut s: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) { c } else { '-' })
        .take(64)
        .collect();
    while s.len() < 2 {
        s.push('-');
    }
    s
}

/// The session name of the execution role's session: the execution name. [inf]
pub fn execution_session_name(execution_name: &str) -> String {
    session_name(execution_name)
}

/// The session name sekisho uses when it checks at CreateStateMachine that `states.amazonaws.com` may
/// assume the role. [inf]
pub fn trust_check_session_name(state_machine_name: &str) -> String {
    session_name(state_machine_name)
}

/// How a Task's `Credentials` role is assumed: as the execution role's session, with this session name and
/// ExternalId (SFN-3: the state machine's name as the session, its ARN as ExternalId).
pub struct TaskRoleSession {
    pub session_name: String,
    pub external_id: Option<String>,
}

pub fn task_role_session(state_machine_name: &str, state_machine_arn: &str) -> TaskRoleSession {
    TaskRoleSession { session_name: session_name(state_machine_name), external_id: Some(state_machine_arn.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("my-machine_1.v2"));
        assert!(is_valid_name("日本語"));
        for bad in ["", "a b", "a:b", "a/b", "x{", "q?", "tab\t", "\u{7f}", &"a".repeat(81)] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn session_names_fit_sts() {
        assert_eq!(execution_session_name("run-1"), "run-1");
        assert_eq!(execution_session_name("日本"), "--");
        assert_eq!(execution_session_name("x"), "x-");
        assert_eq!(execution_session_name(&"a".repeat(80)).len(), 64);
        let t = task_role_session("sm", "arn:aws:states:us-east-1:111111111111:stateMachine:sm");
        assert_eq!(t.external_id.as_deref(), Some("arn:aws:states:us-east-1:111111111111:stateMachine:sm"));
    }
}
