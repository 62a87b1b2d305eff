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
//! | GET | `/agents/{id}/calls` | the agent's calls ([`CallSnapshot`](super::CallSnapshot)s) |
//! | POST | `/agents/{id}/calls/{callid}/hangup` | the customer of that call hangs up |
//! | PUT | `/agents/{id}/colleague` | [`Colleague`]: sign in or change a virtual colleague |
//! | GET | `/agents/{id}/dtmf` | DTMF strings sent (`seconddialex`) |
//! | GET | `/agents/{id}/statistics` | today's figures |
//! | POST | `/skills/{skill}/queue` | [`QueueCall`] → `{"callid"}` |
//! | GET | `/skills/{skill}/waiting` | `{"waiting"}` calls in the queue |
//! | DELETE | `/queue/{callid}` | the waiting customer gives up |
//! | PUT, GET | `/numbers/{number}` | `{"fate":"answer|invalid|busy|no_answer"}`: how calls to it go |
//! | DELETE | `/numbers` | forget marked numbers |
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

use super::{Colleague, Control, ControlError, QueueCall, Ring};
use crate::{http::faults::Fault, site::NumberFate};

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
        .route("/agents/{id}/calls", get(calls))
        .route("/agents/{id}/calls/{callid}/hangup", post(hang_up_call))
        .route("/agents/{id}/colleague", axum::routing::put(colleague))
        .route("/agents/{id}/dtmf", get(dtmf))
        .route("/agents/{id}/statistics", get(statistics))
        .route("/skills/{skill}/queue", post(queue_call))
        .route("/skills/{skill}/waiting", get(waiting))
        .route("/queue/{callid}", axum::routing::delete(abandon))
        .route("/numbers/{number}", get(number).put(mark_number))
        .route("/numbers", axum::routing::delete(clear_numbers))
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

fn known(c: &Control, id: &str) -> Result<(), ControlError> {
    c.agent_state(id)
        .map(|_| ())
        .ok_or_else(|| ControlError::UnknownAgent(id.to_owned()))
}

async fn calls(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    known(&c, &id)?;
    to_json(c.calls(&id))
}

async fn hang_up_call(
    State(c): State<Control>,
    Path((id, callid)): Path<(String, String)>,
) -> Answer {
    c.customer_hang_up_call(&id, &callid)?;
    done()
}

async fn colleague(
    State(c): State<Control>,
    Path(id): Path<String>,
    Json(setup): Json<Colleague>,
) -> Answer {
    c.set_colleague(&id, setup)?;
    done()
}

async fn dtmf(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    known(&c, &id)?;
    to_json(c.dtmf(&id))
}

async fn statistics(State(c): State<Control>, Path(id): Path<String>) -> Answer {
    known(&c, &id)?;
    Ok(Json(c.statistics(&id)))
}

async fn queue_call(
    State(c): State<Control>,
    Path(skill): Path<u32>,
    Json(call): Json<QueueCall>,
) -> Answer {
    let callid = c.queue_call(skill, call)?;
    Ok(Json(json!({ "callid": callid })))
}

async fn waiting(State(c): State<Control>, Path(skill): Path<u32>) -> Answer {
    Ok(Json(json!({ "waiting": c.queue_waiting(skill) })))
}

async fn abandon(State(c): State<Control>, Path(callid): Path<String>) -> Answer {
    if !c.abandon_queued(&callid) {
        return Err(ControlError::BadRequest(format!("no call {callid} waits")));
    }
    done()
}

#[derive(Deserialize, serde::Serialize)]
struct Fate {
    fate: NumberFate,
}

async fn number(State(c): State<Control>, Path(number): Path<String>) -> Answer {
    to_json(Fate {
        fate: c.number_fate(&number),
    })
}

async fn mark_number(
    State(c): State<Control>,
    Path(number): Path<String>,
    Json(f): Json<Fate>,
) -> Answer {
    c.mark_number(&number, f.fate);
    done()
}

async fn clear_numbers(State(c): State<Control>) -> Answer {
    c.clear_number_marks();
    done()
}
