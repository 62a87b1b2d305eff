//! Values that must never reach a log, an error message or a serialized state.
//!
//! `Guid` and `Secret` print `<redacted>` through both `Debug` and `Display`,
//! and deliberately implement no `Serialize`: the only way to the value is an
//! explicit `expose()`.

use std::fmt;

use subtle::ConstantTimeEq;

macro_rules! redacted_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value itself. Never log or display it.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// Length in bytes, which is safe to log.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// True when empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
    };
}

redacted_string!(
    /// The session identifier the gateway hands out in `Set-GUID` and expects
    /// back in the `Guid` request header.
    Guid
);

redacted_string!(
    /// A password or push service token.
    Secret
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let g = Guid::new("279fe21d-2caa.AgentGateway0");
        let s = Secret::new("Agent#101");
        assert_eq!(
            format!("{g} {g:?} {s} {s:?}"),
            "<redacted> <redacted> <redacted> <redacted>"
        );
        assert_eq!(g.expose(), "279fe21d-2caa.AgentGateway0");
        assert_eq!(s.len(), 9);
        assert_eq!(g, Guid::new("279fe21d-2caa.AgentGateway0"));
        assert_ne!(g, Guid::new("other"));
    }
}
