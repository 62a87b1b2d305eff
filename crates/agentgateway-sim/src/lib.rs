//! A CC-Gateway you can run: the agent interface of `shared/protocol.md`
//! over HTTPS, scripted and broken on purpose through a separate control
//! listener. Tests, benchmarks and the demo use it as their gateway.
//!
//! ```no_run
//! # async fn demo() -> Result<(), agentgateway_sim::SimError> {
//! use agentgateway_sim::{Ring, SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig::default()).await?;
//! println!("gateway {} control {}", sim.gateway_url(), sim.control_url());
//! // ... sign agent 101 in over HTTPS (password Agent#101), then:
//! let callid = sim.control().ring("101", Ring { caller: "+4930123456".into(), called: "4001".into(), ..Ring::default() });
//! # let _ = callid; Ok(()) }
//! ```
//!
//! # Interfaces (all under `/agentgateway/resource`)
//!
//! | interface | notes |
//! |---|---|
//! | `PUT /onlineagent/{id}` | sign-in; answer and `Set-GUID: JSESSIONID=<guid>` as protocol.md; `100-001` bad body, `100-002` signed in, `100-004` wrong ID/password, `100-021` sign-in running |
//! | `PUT /onlineagent/{id}/forcelogin` | ends a running session (its call released, `AgentOther_ShutdownService`) and signs in |
//! | `DELETE /onlineagent/{id}/logout` | `100-009` during a call |
//! | `DELETE /onlineagent/{id}/forcelogout` | releases the call |
//! | `POST /onlineagent/{id}/handshake` | heartbeat; new GUID here in push mode |
//! | `PUT /onlineagent/{id}/updateGuid` | new GUID in `Set-GUID` |
//! | `GET /onlineagent/{id}/agentstatus` | `result`: 0 not on roster, 1 signing in, 2 signed out, 3 busy, 4 idle, 5 wrap-up, 7 talking/held, 8 rest (no GUID needed) |
//! | `POST /onlineagent/{id}/sayfree`, `saybusy?reason=200..250`, `cancelbusy`, `rest/{1..86399}/{0..255}`, `cancelrest`, `work`, `cancelwork` | bar state |
//! | `PUT /voicecall/{id}/answer`, `DELETE .../release`, `POST .../hold`, `POST .../gethold?callid=` | calls; an agent holds several calls at once, keyed by call ID |
//! | `POST /onlineagent/{id}/resetskill/{autoflag}?skillid=1;2`, `autoanswer/{flag}`, `autoenteridle/{flag}` | skill queues (none after sign-in), after-call settings |
//! | `PUT /voicecall/{id}/callout`, `callinner`; `POST .../innerhelp`, `confjoin`, `dropcall/{callid}`, `disconnect/{number}` | dialling, consult, three-party (`200-001`, `200-010`/`011`, `200-017`, `200-018`) |
//! | `POST /voicecall/{id}/beginmute`, `endmute`, `connecthold/{callid}`, `seconddialex?number=`, `reject` | in-call controls (`200-002`…`200-006`) |
//! | `POST /voicecall/{id}/transfer`, `canceltransfer` | device types 1-5 with their modes (`000-002` otherwise, `200-012` no call) |
//! | `GET /onlineagent/{id}/agentskills`, `agentskillsbyworkno/{w}`; `GET /queuedevice/{id}/agentskill/{w}`, `waitnumbyagent`, `waitnum`, `skillwaitnum/{s}`, `agentvdnskill`, `ivrinfo`, `innoinfo`; `POST .../queryacdstat` | skills, queue figures, transfer targets ([`site`]) |
//! | `GET /calldata/{id}/callinfo`, `callinfobycallid/{c}`, `allcallid`, `holdlist` (`400-003` empty), `callnums`, `statistics`, `statisticsEx` | the agent's calls and today's figures |
//! | `GET /agentgroup/{id}/idleagent`, `allagentstatus`, `agentbyskill/{s}`, `restreason` | agents and rest reasons |
//! | `PUT /calldata/{id}/setcalldataex`, `GET /calldata/{id}/appdata?callId=` | calldata ≤ 16 KB decoded (`400-001` over) |
//! | `GET /agentevent/{id}?calldata=` | long poll, one event per answer; `000-001` for a push-mode agent |
//! | push | POST to `callBackUri` with `Guid` and `service_token`, `{"workNo","eventList"}`, retried with back-off |
//!
//! Common failures: no session `100-006`; missing, unknown or expired GUID
//! `000-003`; operation not allowed in the agent's state `100-009`; bad
//! parameter `000-002`; unknown path 404 and wrong method 405 (body
//! `000-002`). Every answer is `Content-Type: application/json; charset=UTF-8`.
//!
//! # Events emitted
//!
//! `AgentOther_InService`, `AgentOther_ShutdownService {"loginTime"}`,
//! `AgentOther_PhoneRelease {"phoneState":3}`, `AgentState_Ready`,
//! `AgentState_Busy`, `AgentState_Work`, `AgentState_SetNotReady_Success
//! {"reason"}`, `AgentState_CancelNotReady_Success`,
//! `AgentState_SetRest_Success`, `AgentState_Rest_Timeout`,
//! `AgentState_CancelRest_Success`, `AgentState_SetWork_Success`,
//! `AgentState_CancelWork_Success`, `AgentEvent_Ringing` (sign-in with
//! `autoanswer` false) or `AgentEvent_Auto_Answer` (the default), then
//! `AgentEvent_Talking`, `AgentEvent_Hold`, `AgentEvent_Call_Release`,
//! `AgentEvent_Customer_Release {"callid","number"}`,
//! `AgentEvent_SuccTransResult {"result","callId"}`, `AgentEvent_Customer_Alerting`,
//! `AgentEvent_Call_Out_Fail`, `AgentEvent_Inside_Call_Fail`,
//! `AgentEvent_Consult_Fail`, `AgentEvent_Conference {"callid","partner"}`,
//! `AgentEvent_No_Answer`, `AgentEvent_ReturnFromIvr`,
//! `AgentEvent_Incoming_CallInfo` (queue calls); and any event injected
//! through the control side. Every event has `eventGenTime` (epoch ms).
//!
//! # Left out, and why
//!
//! - Multimedia (chat), quality inspection, `callinnerskill`,
//!   `callinfobeforeanswer`, `syncagentinfo`: their events can be injected.
//! - `AgentOther_PhoneAlerting`, `AgentState_Force_*`, `AgentEvent_Connect_Fail`,
//!   `AgentEvent_TransOutResult` and the other events of §4 are not
//!   generated by a flow (inject them). A queue call left ringing is not
//!   taken back (no `AgentEvent_No_Answer` with reason 2).
//! - A second "idle" (6): never appears. `canceltransfer` emits nothing (the
//!   answer confirms it); a three-party call keeps the customer's call ID and
//!   the consult call it absorbed ends without a release of its own; an
//!   agent leaving a three-party help call ends it for everyone.
//! - `statistics` answers outside of a call too; busy and rest times read 0.
//! - Password change, account lock (`110-016`), password expiry (`100-020`):
//!   not part of the bar's flows; `isForceChange` is always `"false"`.
//! - A fault that answers *after* processing (a lost answer to a processed
//!   request): faults replace processing, so the state stays consistent.
//!
//! # Modules
//!
//! From the bottom up: [`config`] settings · [`roster`] agents · `tls`
//! certificates · `wire` paths, answer and event JSON · `sync` locking ·
//! [`site`] skills, IVRs, access codes, number behaviour ·
//! `state` the agents' sessions, calls, skill queues and records ·
//! `gateway` the agent interface's operations, queries, what operations
//! set off between agents, and push delivery · `http` listener, routes,
//! [`faults`] and the [`reqlog`] · [`control`] in-process control, its HTTP
//! API ([`control_http`]) and the [`scenario`] of a call-center day. Each
//! layer uses only those below it.

pub mod config;
pub mod control;
mod gateway;
mod http;
pub mod roster;
pub mod site;
mod state;
mod sync;
mod tls;
mod wire;

pub use self::http::{faults, reqlog};
pub use control::{http as control_http, scenario};

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::{CancellationToken, DropGuard};

pub use config::{AuthMode, CallTimings, PushConfig, SimConfig, TlsMode};
pub use control::{AgentSnapshot, CallSnapshot, Colleague, Control, ControlError, QueueCall, Ring};
pub use faults::{Fault, FaultAction, FaultTarget};
pub use reqlog::LoggedRequest;
pub use roster::Roster;
pub use site::{NumberFate, Site};
pub use state::PushAttempt;
pub use tls::TlsError;
pub use wire::PREFIX;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot write the CA file {path}: {source}")]
    WriteCa {
        path: String,
        source: std::io::Error,
    },
}

/// A running simulator. Dropping it stops everything (listeners, push
/// delivery, timers); [`Simulator::shutdown`] also waits for that.
pub struct Simulator {
    control: Control,
    gateway_url: String,
    control_url: String,
    ca_pem: Option<String>,
    leaf_sha256: String,
    cancel: CancellationToken,
    _stop_on_drop: DropGuard,
}

impl Simulator {
    /// Make certificates, bind both listeners and start serving.
    pub async fn start(cfg: SimConfig) -> Result<Simulator, SimError> {
        let (acceptor, ca_pem, leaf_sha256) = match &cfg.tls {
            TlsMode::PlainHttp => (None, None, String::new()),
            mode => {
                let identity = match mode {
                    TlsMode::Files { cert, key } => tls::from_files(cert, key)?,
                    _ => tls::generate()?,
                };
                if let (TlsMode::Generated { ca_out: Some(path) }, Some(pem)) =
                    (mode, &identity.ca_pem)
                {
                    std::fs::write(path, pem).map_err(|source| SimError::WriteCa {
                        path: path.display().to_string(),
                        source,
                    })?;
                }
                let acceptor = tokio_rustls::TlsAcceptor::from(identity.config);
                (Some(acceptor), identity.ca_pem, identity.leaf_sha256)
            }
        };
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let push_client = tls::push_client(cfg.push.ca_file.as_deref())?;

        let cancel = CancellationToken::new();
        let control_listener = TcpListener::bind(cfg.control_addr)
            .await
            .map_err(|source| SimError::Bind {
                addr: cfg.control_addr,
                source,
            })?;
        let control_addr = control_listener
            .local_addr()
            .map_err(|source| SimError::Bind {
                addr: cfg.control_addr,
                source,
            })?;
        let gateway_addr = cfg.gateway_addr;
        let gw = Arc::new(state::Gateway::new(cfg, push_client, cancel.clone()));
        let app = Arc::new(http::server::App {
            gw: gw.clone(),
            faults: faults::Faults::default(),
            log: reqlog::RequestLog::default(),
        });
        let listener = http::server::GatewayListener::start(
            gateway_addr,
            acceptor,
            app.clone(),
            cancel.clone(),
        )
        .await
        .map_err(|source| SimError::Bind {
            addr: gateway_addr,
            source,
        })?;
        let gateway_addr = listener.addr();
        let control = Control {
            app,
            listener: Arc::new(listener),
        };
        gw.tasks.spawn(gw.clone().sign_out_inactive());
        gw.tasks.spawn(control_http::serve(
            control_listener,
            control.clone(),
            cancel.clone().cancelled_owned(),
        ));
        tracing::info!(%gateway_addr, %control_addr, "simulator started");
        Ok(Simulator {
            control,
            gateway_url: format!("{scheme}://{gateway_addr}{PREFIX}"),
            control_url: format!("http://{control_addr}"),
            ca_pem,
            leaf_sha256,
            _stop_on_drop: cancel.clone().drop_guard(),
            cancel,
        })
    }

    /// E.g. `https://127.0.0.1:PORT/agentgateway/resource` (no trailing slash).
    pub fn gateway_url(&self) -> String {
        self.gateway_url.clone()
    }

    /// E.g. `http://127.0.0.1:PORT`.
    pub fn control_url(&self) -> String {
        self.control_url.clone()
    }

    /// The CA certificate PEM when it was generated.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Lowercase hex SHA-256 of the server leaf certificate DER (for
    /// pinning); empty with plain HTTP.
    pub fn server_cert_sha256(&self) -> String {
        self.leaf_sha256.clone()
    }

    /// In-process control; cheap to clone.
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// Stop everything and wait (at most a few seconds) for it to end.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        let tasks = self.control.app.gw.tasks.clone();
        tasks.close();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tasks.wait()).await;
    }
}
