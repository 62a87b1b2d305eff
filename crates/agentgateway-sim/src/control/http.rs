//! The control API over HTTP (plain, on its own listener; never on the
//! gateway's paths). JSON in, JSON out; errors are `{"kind","message"}` with
//! 404 (unknown agent), 409 (agent state) or 400 (bad request).
//!
//! | method | path | body / answer |
//! |---|---|---|
//! | GET | `/agents` | every agent's state |
//! | GET | `/agents/{id}` | one agent's state |
//! | POST | `/agents/{id}/ring` | [`Ring`] → `{"callid"}` |
//! | POST | `/agents/{id}/hangup` | the customer hangs up |
//! | POST | `/agents/{id}/inject` | any event object, queued as is |
//! | POST | `/agents/{id}/signout` | forcible sign-out from the gateway side |
//! | POST | `/agents/{id}/rotate-guid` | new GUID now |
//! | GET | `/agents/{id}/events` | events emitted, in order |
//! | GET | `/agents/{id}/delivered` | events handed out (polls, acknowledged pushes) |
//! | GET | `/agents/{id}/calldata` | `{"calldata"}` of the current call |
//! | GET, POST, DELETE | `/faults` | list, add a [`Fault`], clear |
//! | GET, DELETE | `/requests` | request log (masked), clear |
//! | GET | `/pushes` | push attempts |
//! | POST | `/gateway/stop`, `/gateway/start` | stop (sessions lost) or start the gateway listener |
//! | POST | `/gateway/restart` | `{"down_ms"}`: stop, wait, start on the same port |

use std::{future::Future, time::Duration};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{Control, ControlError, Ring};
use crate::http::faults::Fault;

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            ControlError::UnknownAgent(_) => StatusCode::NOT_FOUND,
            ControlError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ControlError::Listener(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::CONFLICT,
        };
        let body = json!({"kind": self.kind(), "message": self.to_string()});
        (status, Json(body)).into_response()
    }
}

type Answer = Result<Json<Value>, ControlError>;

fn done() -> Answer {
    Ok(Json(json!({})))
}

/// The control routes.
pub fn router(control: Control) -> Router {
    Router::new()
        .route("/agents", get(agents))
        .route("/agents/{id}", get(agent))
        .route("/agents/{id}/ring", post(ring))
        .route("/agents/{id}/hangup", post(hang_up))
        .route("/agents/{id}/inject", post(inject))
        .route("/agents/{id}/signout", post(sign_out))
        .route("/agents/{id}/rotate-guid", post(rotate_guid))
        .route("/agents/{id}/events", get(events))
        .route("/agents/{id}/delivered", get(delivered))
        .route("/agents/{id}/calldata", get(calldata))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/pushes", get(pushes))
        .route("/gateway/stop", post(stop_gateway))
        .route("/gateway/start", post(start_gateway))
        .route("/gateway/restart", post(restart_gateway))
        .with_state(control)
}

/// Serve the control API on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    control: Control,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let served = axum::serve(listener, router(control))
        .with_graceful_shutdown(shutdown)
        .await;
    if let Err(error) = served {
        tracing::warn!(%error, "control listener stopped");
    }
}

fn to_json(value: impl serde::Serialize) -> Answer {
    serde_json::to_value(value)
        .map(Json)
        .map_err(|e| ControlError::BadRequest(e.to_string()))
}

async fn agents(State(c): State<Control>) -> Answer {
    to_json(c.agents())
}

async fn agent(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    let snapshot = c.agent_state(&id).ok_or(ControlError::UnknownAgent(id))?;
    to_json(snapshot)
}

async fn ring(State(c): State<Control>, Path(id): Path<String>, Json(r): Json<Ring>) -> Answer {
    let callid = c.ring(&id, r)?;
    Ok(Json(json!({ "callid": callid })))
}

async fn hang_up(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    c.customer_hang_up(&id)?;
    done()
}

async fn inject(State(c): State<Control>, Path(id): Path<String>, Json(e): Json<Value>) -> Answer {
    c.inject(&id, e)?;
    done()
}

async fn sign_out(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    c.force_sign_out(&id)?;
    done()
}

async fn rotate_guid(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    c.rotate_guid(&id)?;
    done()
}

async fn events(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    to_json(c.emitted_events(&id))
}

async fn delivered(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    to_json(c.delivered_events(&id))
}

async fn calldata(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    Ok(Json(json!({ "calldata": c.calldata(&id) })))
}

async fn faults(State(c): State<Control>) -> Answer {
    to_json(c.pending_faults())
}

async fn add_fault(State(c): State<Control>, Json(f): Json<Fault>) -> Answer {
    c.fault(f);
    done()
}

async fn clear_faults(State(c): State<Control>) -> Answer {
    c.clear_faults();
    done()
}

async fn requests(State(c): State<Control>) -> Answer {
    to_json(c.request_log())
}

async fn clear_requests(State(c): State<Control>) -> Answer {
    c.clear_request_log();
    done()
}

async fn pushes(State(c): State<Control>) -> Answer {
    to_json(c.push_log())
}

async fn stop_gateway(State(c): State<Control>) -> Answer {
    c.stop_gateway().await;
    done()
}

async fn start_gateway(State(c): State<Control>) -> Answer {
    c.start_gateway().await?;
    done()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Restart {
    down_ms: u64,
}

async fn restart_gateway(State(c): State<Control>, body: Option<Json<Restart>>) -> Answer {
    let down = body.map(|Json(r)| r.down_ms).unwrap_or_default();
    c.restart_gateway(Duration::from_millis(down)).await?;
    done()
}
