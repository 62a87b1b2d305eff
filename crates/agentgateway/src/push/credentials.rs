//! Who may push: the signed-in agent, its current (and just-rotated) GUID and
//! the service token it gave the gateway at sign-in.
//!
//! The session engine owns a [`PushCredentials`] and updates it live; the
//! receiver holds a clone and checks every request against it. Tokens and
//! GUIDs are compared in constant time.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::distr::Alphanumeric;
use subtle::ConstantTimeEq;

use crate::secret::{Guid, Secret};

/// Longest `service_token` the gateway accepts (seed: "a maximum of 50 characters").
pub const MAX_TOKEN_LEN: usize = 50;

/// Length range of a generated token: long enough to be unguessable, within
/// the gateway's limit.
const GENERATED_TOKEN_LEN: std::ops::RangeInclusive<usize> = 32..=MAX_TOKEN_LEN;

/// How long the previous GUID stays acceptable after a rotation: the gateway's
/// `GUIDTIMEOUT` (120 s), after which the gateway itself no longer honours it.
pub const DEFAULT_GUID_GRACE: Duration = Duration::from_secs(120);

/// Why a `service_token` value is malformed. The gateway answers all of these
/// with retcode `100-001`, and so does the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No characters at all.
    #[error("the service token is empty")]
    Empty,
    /// More than [`MAX_TOKEN_LEN`] characters.
    #[error("the service token is longer than 50 characters")]
    TooLong,
    /// Something other than an ASCII letter or digit.
    #[error("the service token may contain only letters and digits")]
    BadCharacter,
}

/// Checks the gateway's rule for `service_token`: 1 to 50 ASCII letters and
/// digits, nothing else.
pub fn validate_token(value: &str) -> Result<(), TokenError> {
    if value.is_empty() {
        return Err(TokenError::Empty);
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(TokenError::BadCharacter);
    }
    // All ASCII from here on, so bytes are characters.
    if value.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong);
    }
    Ok(())
}

/// The push-mode `serviceToken` given at sign-in and expected back in every
/// pushed request's `service_token` header. A secret: `Debug` and `Display`
/// print `<redacted>`, and it has no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceToken(Secret);

impl ServiceToken {
    /// A fresh token for one sign-in: 32 to 50 random ASCII letters and
    /// digits from the thread-local CSPRNG.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let len = rng.random_range(GENERATED_TOKEN_LEN);
        let value: String = (&mut rng)
            .sample_iter(Alphanumeric)
            .take(len)
            .map(char::from)
            .collect();
        Self(Secret::new(value))
    }

    /// Wraps a token chosen elsewhere, checking the gateway's rule.
    pub fn new(value: impl Into<String>) -> Result<Self, TokenError> {
        let value = value.into();
        validate_token(&value)?;
        Ok(Self(Secret::new(value)))
    }

    /// The token itself, for the sign-in body. Never log or display it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The token as a [`Secret`], e.g. for the client's push registration.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// Constant-time comparison with a presented value.
    fn matches(&self, presented: &str) -> bool {
        self.expose().as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

impl fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for ServiceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why a request's credentials were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialError {
    /// No agent is signed in in push mode, or its GUID is not known yet.
    NoSession,
    /// The `Guid` header is neither the current GUID nor the previous one
    /// within its grace period.
    WrongGuid,
    /// The `service_token` header is not this session's token.
    WrongToken,
}

/// What an accepted request is entitled to.
#[derive(Debug, Clone)]
pub(crate) struct Authorized {
    /// The signed-in agent, which the body's `workNo` must match.
    pub work_no: String,
    /// Changes at every [`PushCredentials::begin`]: keys the duplicate window
    /// so a batch from an earlier sign-in never hides one from this one.
    pub session_id: u64,
}

/// The credentials a pushed request must carry, shared between the session
/// engine (which updates them) and the receiver (which checks them). Cloning
/// shares the same state.
///
/// Between [`begin`](Self::begin) and [`set_guid`](Self::set_guid) a sign-in
/// answer is on its way: a push that carries this sign-in's token is held
/// until the GUID is known (see [`authorize_held`](Self::authorize_held)),
/// since a gateway may push the first events before its answer arrives.
/// Without a session every push is refused with `000-003`.
#[derive(Clone)]
pub struct PushCredentials {
    inner: Arc<RwLock<State>>,
    /// Bumped at every change, to wake held pushes.
    changes: Arc<tokio::sync::watch::Sender<u64>>,
}

struct State {
    grace: Duration,
    next_session_id: u64,
    session: Option<Session>,
}

struct Session {
    id: u64,
    work_no: String,
    token: ServiceToken,
    guid: Option<Guid>,
    /// The GUID before the last rotation and when it stops being accepted.
    previous: Option<(Guid, Instant)>,
}

impl Default for PushCredentials {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PushCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.read();
        f.debug_struct("PushCredentials")
            .field("grace", &state.grace)
            .field("signed_in", &state.session.is_some())
            .finish_non_exhaustive()
    }
}

impl PushCredentials {
    /// No session yet: every push is refused. The previous-GUID grace period is
    /// [`DEFAULT_GUID_GRACE`].
    pub fn new() -> Self {
        Self::with_guid_grace(DEFAULT_GUID_GRACE)
    }

    /// Like [`new`](Self::new) with another grace period for the previous GUID.
    pub fn with_guid_grace(grace: Duration) -> Self {
        Self {
            inner: Arc::new(RwLock::new(State {
                grace,
                next_session_id: 1,
                session: None,
            })),
            changes: Arc::new(tokio::sync::watch::Sender::new(0)),
        }
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A push-mode sign-in for `work_no` with `token` (the `serviceToken` of
    /// the sign-in body). Forgets any earlier session, including its GUIDs.
    pub fn begin(&self, work_no: impl Into<String>, token: ServiceToken) {
        let mut state = self.write();
        let id = state.next_session_id;
        state.next_session_id += 1;
        state.session = Some(Session {
            id,
            work_no: work_no.into(),
            token,
            guid: None,
            previous: None,
        });
        drop(state);
        self.changed();
    }

    /// The gateway's current GUID (from sign-in, or a `Set-GUID` on a
    /// handshake answer). The one it replaces stays acceptable for the grace
    /// period, because the gateway honours it until `GUIDTIMEOUT`. Ignored
    /// without a session.
    pub fn set_guid(&self, guid: Guid) {
        self.set_guid_at(guid, Instant::now());
    }

    pub(crate) fn set_guid_at(&self, guid: Guid, now: Instant) {
        let mut state = self.write();
        let grace = state.grace;
        let Some(session) = state.session.as_mut() else {
            return;
        };
        if session.guid.as_ref() == Some(&guid) {
            return;
        }
        let until = now.checked_add(grace).unwrap_or(now);
        session.previous = session.guid.replace(guid).map(|old| (old, until));
        drop(state);
        self.changed();
    }

    /// Replaces the expected service token (for a token refreshed mid-session).
    /// Ignored without a session.
    pub fn set_token(&self, token: ServiceToken) {
        if let Some(session) = self.write().session.as_mut() {
            session.token = token;
        }
    }

    /// Sign-out: from now on every push is refused.
    pub fn end(&self) {
        self.write().session = None;
        self.changed();
    }

    /// True between [`begin`](Self::begin) and [`end`](Self::end).
    pub fn is_signed_in(&self) -> bool {
        self.read().session.is_some()
    }

    /// Checks a request's `Guid` and `service_token` header values. The token's
    /// format has been checked by the caller.
    pub(crate) fn authorize(
        &self,
        guid: &str,
        token: &str,
        now: Instant,
    ) -> Result<Authorized, CredentialError> {
        let state = self.read();
        let session = state.session.as_ref().ok_or(CredentialError::NoSession)?;
        let current = session.guid.as_ref().ok_or(CredentialError::NoSession)?;
        let is_current = guid_matches(current, guid);
        let is_previous = session
            .previous
            .as_ref()
            .is_some_and(|(old, until)| now < *until && guid_matches(old, guid));
        if !(is_current | is_previous) {
            return Err(CredentialError::WrongGuid);
        }
        if !session.token.matches(token) {
            return Err(CredentialError::WrongToken);
        }
        Ok(Authorized {
            work_no: session.work_no.clone(),
            session_id: session.id,
        })
    }

    /// Like [`authorize`](Self::authorize), but a push that carries the token
    /// of a sign-in whose answer has not arrived yet (no GUID known) waits up
    /// to `hold` for that answer and is then judged against its GUID. Any
    /// other push is judged at once.
    pub(crate) async fn authorize_held(
        &self,
        guid: &str,
        token: &str,
        hold: Duration,
    ) -> Result<Authorized, CredentialError> {
        let deadline = tokio::time::Instant::now() + hold;
        let mut changes = self.changes.subscribe();
        loop {
            changes.borrow_and_update();
            let result = self.authorize(guid, token, Instant::now());
            if !matches!(result, Err(CredentialError::NoSession)) || !self.awaits_guid(token) {
                return result;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                // Held long enough, or the credentials are gone.
                _ => return self.authorize(guid, token, Instant::now()),
            }
        }
    }

    /// A sign-in with `token` has begun and its GUID is not known yet.
    fn awaits_guid(&self, token: &str) -> bool {
        self.read()
            .session
            .as_ref()
            .is_some_and(|s| s.guid.is_none() && s.token.matches(token))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

fn guid_matches(expected: &Guid, presented: &str) -> bool {
    expected
        .expose()
        .as_bytes()
        .ct_eq(presented.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_rule_is_letters_and_digits_up_to_50() {
        assert_eq!(validate_token("abcXYZ0123"), Ok(()));
        assert_eq!(validate_token(&"a".repeat(50)), Ok(()));
        assert_eq!(validate_token(&"a".repeat(51)), Err(TokenError::TooLong));
        assert_eq!(validate_token(""), Err(TokenError::Empty));
        for bad in [
            "abc-def", "abc def", "abc_def", "tok#1", "été", "a\u{0}b", "ab==",
        ] {
            assert_eq!(
                validate_token(bad),
                Err(TokenError::BadCharacter),
                "{bad:?}"
            );
        }
        // Non-ASCII letters count as special characters, and a long
        // multi-byte string is refused for them, not its byte length.
        assert_eq!(
            validate_token(&"é".repeat(30)),
            Err(TokenError::BadCharacter)
        );
    }

    #[test]
    fn generated_tokens_follow_the_rule_and_differ() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let token = ServiceToken::generate();
            let value = token.expose();
            assert!((32..=50).contains(&value.len()), "{}", value.len());
            assert_eq!(validate_token(value), Ok(()));
            assert!(seen.insert(value.to_owned()));
        }
    }

    #[test]
    fn tokens_never_print() {
        let token = ServiceToken::new("abc123").expect("valid");
        assert_eq!(format!("{token} {token:?}"), "<redacted> <redacted>");
        assert_eq!(token.as_secret().expose(), "abc123");
        assert!(ServiceToken::new("abc 123").is_err());
        let creds = PushCredentials::new();
        creds.begin("291", token);
        creds.set_guid(Guid::new("guid-1"));
        let shown = format!("{creds:?}");
        assert!(
            !shown.contains("abc123") && !shown.contains("guid-1"),
            "{shown}"
        );
    }

    #[test]
    fn previous_guid_is_accepted_only_within_grace() {
        let creds = PushCredentials::with_guid_grace(Duration::from_secs(120));
        let token = ServiceToken::new("tok1").expect("valid");
        let t0 = Instant::now();
        assert_eq!(
            creds.authorize("g1", "tok1", t0).err(),
            Some(CredentialError::NoSession)
        );
        creds.begin("291", token);
        assert_eq!(
            creds.authorize("g1", "tok1", t0).err(),
            Some(CredentialError::NoSession)
        );
        creds.set_guid_at(Guid::new("g1"), t0);
        let ok = creds.authorize("g1", "tok1", t0).expect("current guid");
        assert_eq!(ok.work_no, "291");

        creds.set_guid_at(Guid::new("g2"), t0 + Duration::from_secs(60));
        // Setting the same GUID again must not restart the grace period.
        creds.set_guid_at(Guid::new("g2"), t0 + Duration::from_secs(170));
        assert!(
            creds
                .authorize("g2", "tok1", t0 + Duration::from_secs(61))
                .is_ok()
        );
        assert!(
            creds
                .authorize("g1", "tok1", t0 + Duration::from_secs(179))
                .is_ok()
        );
        assert_eq!(
            creds
                .authorize("g1", "tok1", t0 + Duration::from_secs(180))
                .err(),
            Some(CredentialError::WrongGuid)
        );
        assert_eq!(
            creds
                .authorize("g2", "tok2", t0 + Duration::from_secs(61))
                .err(),
            Some(CredentialError::WrongToken)
        );
        assert_eq!(
            creds.authorize("g", "tok1", t0).err(),
            Some(CredentialError::WrongGuid)
        );

        // Two rotations: only the one just replaced is remembered.
        creds.set_guid_at(Guid::new("g3"), t0 + Duration::from_secs(62));
        assert!(
            creds
                .authorize("g2", "tok1", t0 + Duration::from_secs(63))
                .is_ok()
        );
        assert!(
            creds
                .authorize("g1", "tok1", t0 + Duration::from_secs(63))
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_push_racing_the_sign_in_answer_is_held_until_the_guid_is_known() {
        let creds = PushCredentials::new();
        let hold = Duration::from_secs(3);
        creds.begin("291", ServiceToken::new("tok1").expect("valid"));
        let early = {
            let creds = creds.clone();
            tokio::spawn(async move { creds.authorize_held("g1", "tok1", hold).await })
        };
        // Not held: a wrong token, or no sign-in under way.
        let started = std::time::Instant::now();
        assert_eq!(
            creds.authorize_held("g1", "tok2", hold).await.err(),
            Some(CredentialError::NoSession)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!early.is_finished(), "held until the answer");
        creds.set_guid(Guid::new("g1"));
        let ok = early
            .await
            .expect("task")
            .expect("accepted once the GUID is known");
        assert_eq!(ok.work_no, "291");

        // Held, then judged against the GUID the answer brought.
        creds.begin("291", ServiceToken::new("tok1").expect("valid"));
        let wrong = {
            let creds = creds.clone();
            tokio::spawn(async move { creds.authorize_held("g-old", "tok1", hold).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        creds.set_guid(Guid::new("g2"));
        assert_eq!(
            wrong.await.expect("task").err(),
            Some(CredentialError::WrongGuid)
        );

        // A sign-in that never answers: refused after the hold.
        creds.begin("291", ServiceToken::new("tok1").expect("valid"));
        let started = std::time::Instant::now();
        assert_eq!(
            creds
                .authorize_held("g3", "tok1", Duration::from_millis(300))
                .await
                .err(),
            Some(CredentialError::NoSession)
        );
        assert!(started.elapsed() >= Duration::from_millis(300));
        // A sign-in refused meanwhile: refused at once.
        let held = {
            let creds = creds.clone();
            tokio::spawn(async move { creds.authorize_held("g3", "tok1", hold).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        creds.end();
        assert_eq!(
            held.await.expect("task").err(),
            Some(CredentialError::NoSession)
        );
    }

    #[test]
    fn a_new_sign_in_forgets_the_old_session() {
        let creds = PushCredentials::new();
        let now = Instant::now();
        creds.begin("291", ServiceToken::new("tok1").expect("valid"));
        creds.set_guid_at(Guid::new("g1"), now);
        let first = creds.authorize("g1", "tok1", now).expect("ok");
        creds.begin("292", ServiceToken::new("tok2").expect("valid"));
        assert_eq!(
            creds.authorize("g1", "tok1", now).err(),
            Some(CredentialError::NoSession)
        );
        creds.set_guid_at(Guid::new("g9"), now);
        let second = creds.authorize("g9", "tok2", now).expect("ok");
        assert_eq!(second.work_no, "292");
        assert_ne!(first.session_id, second.session_id);
        creds.set_token(ServiceToken::new("tok3").expect("valid"));
        assert!(creds.authorize("g9", "tok2", now).is_err());
        assert!(creds.authorize("g9", "tok3", now).is_ok());
        creds.end();
        assert!(!creds.is_signed_in());
        assert!(creds.authorize("g9", "tok3", now).is_err());
    }
}
