//! The receiver's answers: the seed's success body, and a retcode with a
//! plain message for every refusal.
//!
//! HTTP status: the gateway repeats a push that did not get a 200, so a
//! refused push is never answered 200: every refusal means "nothing was
//! delivered", and a refusal with a passing cause (a GUID rotation we have
//! not heard of yet, a busy engine, a slow network) is delivered when the
//! gateway repeats it. A permanent refusal still says plainly why in
//! `retcode` and `message`, for the gateway's log; repeating it costs little
//! because credentials are checked before the body is read.

use bytes::Bytes;
use http::header::{ALLOW, CONNECTION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use http::{Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

/// `Content-Type` of every answer, as the gateway writes it.
pub(crate) const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// Why a push was refused. Each maps to one HTTP status, retcode and message:
///
/// | refusal | HTTP | retcode | message |
/// |---|---|---|---|
/// | `NotFound` | 404 | `000-002` | `not found` |
/// | `MethodNotAllowed` | 405 (+`Allow: POST`) | `000-002` | `method not allowed, use POST` |
/// | `MissingToken` | 401 | `100-001` | `service_token missing` |
/// | `InvalidToken` | 400 | `100-001` | `service_token invalid` |
/// | `WrongToken` | 401 | `100-001` | `service_token not accepted` |
/// | `MissingGuid` | 401 | `000-003` | `Guid missing` |
/// | `WrongGuid` | 401 | `000-003` | `Guid not accepted` |
/// | `ContentType` | 415 | `000-002` | `Content-Type must be application/json` |
/// | `TooLarge` | 413 | `000-006` | `message body too large` |
/// | `BodyTimeout` | 408 | `000-006` | `message body not received in time` |
/// | `BodyAborted` | 400 | `000-006` | `message body incomplete` |
/// | `NotJson` | 400 | `000-006` | `message body is not valid JSON` |
/// | `TooDeep` | 400 | `000-006` | `message body nested too deeply` |
/// | `BadShape` | 400 | `000-006` | `workNo and eventList of objects with a string eventType required` |
/// | `WrongAgent` | 403 | `000-006` | `workNo is not the signed-in agent` |
/// | `Busy` | 503 (+`Retry-After: 1`) | `100-007` | `busy, try again later` |
/// | `Stopped` | 503 (+`Retry-After: 1`) | `100-007` | `not accepting events` |
///
/// Messages are fixed strings: nothing from the request is ever echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Any path other than the configured one.
    NotFound,
    /// Any method other than POST on the push path.
    MethodNotAllowed,
    /// No `service_token` header.
    MissingToken,
    /// `service_token` is not 1 to 50 letters and digits (the seed's rule).
    InvalidToken,
    /// `service_token` is well formed but not this session's.
    WrongToken,
    /// No `Guid` header.
    MissingGuid,
    /// `Guid` is not the session's current GUID (nor the previous one within
    /// its grace period), or no agent is signed in in push mode.
    WrongGuid,
    /// `Content-Type` is not `application/json` (charset optional, UTF-8 only).
    ContentType,
    /// The body is over the configured limit.
    TooLarge,
    /// The body did not arrive within the read timeout.
    BodyTimeout,
    /// The connection failed while the body was being read.
    BodyAborted,
    /// The body is not JSON (or not UTF-8).
    NotJson,
    /// The body nests arrays and objects deeper than the configured limit.
    TooDeep,
    /// The body is JSON but not `{"workNo": string, "eventList": [{"eventType": string, ...}, ...]}`.
    BadShape,
    /// The body's `workNo` is not the signed-in agent.
    WrongAgent,
    /// The engine's queue stayed full: repeat later.
    Busy,
    /// The engine no longer takes events (it stopped).
    Stopped,
}

impl Refusal {
    /// HTTP status of the answer.
    pub fn status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::MissingToken | Self::WrongToken | Self::MissingGuid | Self::WrongGuid => {
                StatusCode::UNAUTHORIZED
            }
            Self::InvalidToken
            | Self::BodyAborted
            | Self::NotJson
            | Self::TooDeep
            | Self::BadShape => StatusCode::BAD_REQUEST,
            Self::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::WrongAgent => StatusCode::FORBIDDEN,
            Self::Busy | Self::Stopped => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Gateway retcode of the answer.
    pub fn retcode(self) -> &'static str {
        match self {
            Self::MissingToken | Self::InvalidToken | Self::WrongToken => "100-001",
            Self::MissingGuid | Self::WrongGuid => "000-003",
            Self::NotFound | Self::MethodNotAllowed | Self::ContentType => "000-002",
            Self::TooLarge
            | Self::BodyTimeout
            | Self::BodyAborted
            | Self::NotJson
            | Self::TooDeep
            | Self::BadShape
            | Self::WrongAgent => "000-006",
            Self::Busy | Self::Stopped => "100-007",
        }
    }

    /// Plain-words message of the answer.
    pub fn message(self) -> &'static str {
        match self {
            Self::NotFound => "not found",
            Self::MethodNotAllowed => "method not allowed, use POST",
            Self::MissingToken => "service_token missing",
            Self::InvalidToken => "service_token invalid",
            Self::WrongToken => "service_token not accepted",
            Self::MissingGuid => "Guid missing",
            Self::WrongGuid => "Guid not accepted",
            Self::ContentType => "Content-Type must be application/json",
            Self::TooLarge => "message body too large",
            Self::BodyTimeout => "message body not received in time",
            Self::BodyAborted => "message body incomplete",
            Self::NotJson => "message body is not valid JSON",
            Self::TooDeep => "message body nested too deeply",
            Self::BadShape => "workNo and eventList of objects with a string eventType required",
            Self::WrongAgent => "workNo is not the signed-in agent",
            Self::Busy => "busy, try again later",
            Self::Stopped => "not accepting events",
        }
    }

    pub(crate) fn response(self) -> Response<Full<Bytes>> {
        let mut response = json_answer(self.status(), self.retcode(), self.message());
        let headers = response.headers_mut();
        match self {
            Self::MethodNotAllowed => {
                headers.insert(ALLOW, HeaderValue::from_static("POST"));
            }
            Self::Busy | Self::Stopped => {
                headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        // A refused request does not keep its connection: a sender without
        // the credentials (or an oversized or stalled body) cannot hold a
        // connection slot by sending refused requests on it.
        if !matches!(self, Self::Busy | Self::Stopped | Self::MethodNotAllowed) {
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The seed's success answer, byte for byte: `{"message":"success","retcode":"0"}`.
pub(crate) fn success() -> Response<Full<Bytes>> {
    json_answer(StatusCode::OK, "0", "success")
}

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    retcode: &'a str,
}

fn json_answer(status: StatusCode, retcode: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(&Body { message, retcode }).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(response: Response<Full<Bytes>>) -> String {
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("full")
            .to_bytes();
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn success_is_the_seed_answer() {
        let response = success();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], JSON_UTF8);
        assert_eq!(
            body_of(response).await,
            r#"{"message":"success","retcode":"0"}"#
        );
    }

    #[tokio::test]
    async fn refusals_carry_status_retcode_and_message() {
        let response = Refusal::InvalidToken.response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            body_of(response).await,
            r#"{"message":"service_token invalid","retcode":"100-001"}"#
        );
        assert_eq!(
            Refusal::MethodNotAllowed.response().headers()[ALLOW],
            "POST"
        );
        assert_eq!(Refusal::Busy.response().headers()[RETRY_AFTER], "1");
    }
}
