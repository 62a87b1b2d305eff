//! Gateway result codes (`retcode`) and what they mean to an agent.

/// What a client must do after a retcode, per the interface reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consequence {
    /// The call succeeded.
    Success,
    /// The agent is to be treated as signed out: stop polling.
    SignedOut,
    /// Disaster-recovery switchover: sign in again.
    SignInAgain,
    /// The operation failed; the session goes on.
    Failed,
}

/// The meaning of a retcode in words an agent understands.
pub fn meaning(retcode: &str) -> &'static str {
    match retcode {
        "0" => "success",
        "000-001" => "wrong method for getting agent events",
        "000-002" => "bad URL or parameter",
        "000-003" => "no permission; the session may have expired",
        "000-004" => "the agent is being switched over",
        "000-006" => "bad message parameter",
        "000-007" => "interface called repeatedly",
        "100-001" => "sign-in parameter empty or invalid",
        "100-002" => "the agent is already signed in elsewhere",
        "100-003" => "resource unavailable during sign-in",
        "100-004" => "wrong agent ID or password",
        "100-006" => "the agent is not signed in",
        "100-007" => "internal error during the operation",
        "100-008" => "the agent is already signed out",
        "100-009" => "the agent's state does not allow this",
        "100-015" => "signed in and cannot be forced out",
        "100-020" => "the password has expired",
        "100-021" => "sign-in is already in progress",
        "110-016" => "the account is locked",
        "105-005" | "105-006" | "105-007" => {
            "the gateway is switching to its disaster-recovery site"
        }
        "400-001" => "the call data was rejected",
        _ => "unknown gateway error",
    }
}

/// What the client must do after `retcode`.
pub fn consequence(retcode: &str) -> Consequence {
    match retcode {
        "0" => Consequence::Success,
        "000-001" | "000-003" | "100-006" => Consequence::SignedOut,
        "105-005" | "105-006" | "105-007" => Consequence::SignInAgain,
        _ => Consequence::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_codes_sign_the_agent_out() {
        for code in ["000-001", "000-003", "100-006"] {
            assert_eq!(consequence(code), Consequence::SignedOut, "{code}");
        }
    }

    #[test]
    fn disaster_recovery_codes_sign_in_again() {
        for code in ["105-005", "105-006", "105-007"] {
            assert_eq!(consequence(code), Consequence::SignInAgain, "{code}");
        }
    }

    #[test]
    fn unknown_codes_have_a_meaning_and_fail() {
        assert_eq!(meaning("999-999"), "unknown gateway error");
        assert_eq!(consequence("999-999"), Consequence::Failed);
        assert_eq!(meaning("100-004"), "wrong agent ID or password");
    }
}
