//! One pushed request: the checks in the order the module docs give, the
//! early-push hold, duplicate events dropped, and delivery to the engine.

use super::*;

/// Who may push and where accepted batches go.
pub(super) enum Target {
    /// A bar's own receiver: its one session, and the engine's queue.
    Session {
        creds: PushCredentials,
        sink: mpsc::Sender<PushBatch>,
    },
    /// A site receiver: any agent, stored before the answer.
    Site(Arc<dyn SiteSink>),
}

/// What every request handler needs.
pub(super) struct Shared {
    pub(super) path: String,
    pub(super) max_body_bytes: usize,
    pub(super) max_json_depth: usize,
    pub(super) read_timeout: Duration,
    pub(super) handshake_timeout: Duration,
    pub(super) max_connection_age: Duration,
    pub(super) queue_wait: Duration,
    pub(super) early_push_hold: Duration,
    pub(super) target: Target,
    pub(super) recent: Mutex<DeliveredTail>,
    pub(super) counters: Arc<Counters>,
}

pub(super) async fn handle(
    request: Request<Incoming>,
    shared: &Shared,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    match accept(request, shared).await {
        Ok(()) => answer::success(),
        Err(refusal) => {
            shared.counters.refused.fetch_add(1, Ordering::Relaxed);
            debug!(%peer, status = refusal.status().as_u16(), retcode = refusal.retcode(), "push refused");
            refusal.response()
        }
    }
}

/// Checks a request and delivers its batch; `Ok` is answered with success.
async fn accept(request: Request<Incoming>, shared: &Shared) -> Result<(), Refusal> {
    if request.uri().path() != shared.path {
        return Err(Refusal::NotFound);
    }
    if request.method() != Method::POST {
        return Err(Refusal::MethodNotAllowed);
    }
    let headers = request.headers();
    let token = match single_header(headers, "service_token") {
        Header::Absent => return Err(Refusal::MissingToken),
        Header::Unusable => return Err(Refusal::InvalidToken),
        Header::One(token) => token,
    };
    validate_token(token).map_err(|_| Refusal::InvalidToken)?;
    let guid = match single_header(headers, "guid") {
        Header::Absent => return Err(Refusal::MissingGuid),
        Header::Unusable => return Err(Refusal::WrongGuid),
        Header::One(guid) => guid,
    };
    let (expected, session_id) = match &shared.target {
        Target::Session { creds, .. } => {
            let authorized = creds
                .authorize_held(guid, token, shared.early_push_hold)
                .await
                .map_err(|error| match error {
                    CredentialError::NoSession | CredentialError::WrongGuid => Refusal::WrongGuid,
                    CredentialError::WrongToken => Refusal::WrongToken,
                })?;
            (Some(authorized.work_no), authorized.session_id)
        }
        Target::Site(_) => (None, site::session_id(token)),
    };
    let token = token.to_owned();
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(body::is_json_content_type);
    if !is_json {
        return Err(Refusal::ContentType);
    }
    // A declared length over the limit is refused before reading anything.
    if request.body().size_hint().lower() > shared.max_body_bytes as u64 {
        return Err(Refusal::TooLarge);
    }
    let limited = Limited::new(request.into_body(), shared.max_body_bytes);
    let bytes = match tokio::time::timeout(shared.read_timeout, limited.collect()).await {
        Err(_) => return Err(Refusal::BodyTimeout),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(Refusal::TooLarge);
        }
        Ok(Err(_)) => return Err(Refusal::BodyAborted),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let batch = body::decode(&bytes, shared.max_json_depth, expected.as_deref())?;
    let work_no = batch.work_no;
    if batch.events.is_empty() {
        return Ok(());
    }
    let seen: Vec<Seen> = batch
        .events
        .iter()
        .map(|e| Seen {
            fingerprint: dedup::fingerprint(session_id, &work_no, e),
            timestamped: dedup::is_timestamped(e),
        })
        .collect();
    let sink = match &shared.target {
        Target::Session { sink, .. } => sink,
        Target::Site(site) => {
            let site = Arc::clone(site);
            return store_site(shared, site.as_ref(), work_no, token, batch.events, seen).await;
        }
    };
    if shared.recent().delivered_prefix(&seen, Instant::now()) == seen.len() {
        shared.count_repeat();
        return Ok(());
    }
    let permit = match tokio::time::timeout(shared.queue_wait, sink.reserve()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) => return Err(Refusal::Stopped),
        Err(_) => return Err(Refusal::Busy),
    };
    // Check again and record under one lock, so two copies of a batch
    // arriving at once (a repeat racing the original) are delivered once.
    let mut recent = shared.recent();
    let now = Instant::now();
    let old = recent.delivered_prefix(&seen, now);
    if old == seen.len() {
        shared.count_repeat();
        return Ok(());
    }
    let events: PushBatch = batch
        .events
        .into_iter()
        .skip(old)
        .map(Event::from_json)
        .collect();
    let count = events.len();
    if tracing::enabled!(tracing::Level::DEBUG) {
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        debug!(count, old, ?types, "push delivered");
    }
    permit.send(events);
    recent.remember(&seen[old..], now);
    drop(recent);
    let counters = &shared.counters;
    counters.delivered_batches.fetch_add(1, Ordering::Relaxed);
    counters
        .delivered_events
        .fetch_add(count as u64, Ordering::Relaxed);
    Ok(())
}

/// A site push: the whole batch stored, each event with its fingerprint.
/// A site serves many agents, possibly through several instances, so the
/// duplicate tail is the store's (per agent, shared), not this process's.
async fn store_site(
    shared: &Shared,
    site: &dyn SiteSink,
    work_no: String,
    token: String,
    events: Vec<Value>,
    seen: Vec<Seen>,
) -> Result<(), Refusal> {
    let token = ServiceToken::new(token).map_err(|_| Refusal::InvalidToken)?;
    let events: Vec<SiteEvent> = events
        .into_iter()
        .zip(&seen)
        .map(|(raw, seen)| SiteEvent {
            event: Event::from_json(raw),
            fingerprint: hex::encode(seen.fingerprint),
            timestamped: seen.timestamped,
        })
        .collect();
    let count = events.len();
    site.store(SitePush {
        work_no,
        token,
        events,
    })
    .await?;
    let counters = &shared.counters;
    counters.delivered_batches.fetch_add(1, Ordering::Relaxed);
    counters
        .delivered_events
        .fetch_add(count as u64, Ordering::Relaxed);
    debug!(count, "site push stored");
    Ok(())
}

impl Shared {
    fn recent(&self) -> std::sync::MutexGuard<'_, DeliveredTail> {
        self.recent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count_repeat(&self) {
        self.counters.repeats.fetch_add(1, Ordering::Relaxed);
        debug!("push repeated a delivered batch; answered without delivering");
    }
}

enum Header<'a> {
    Absent,
    /// Repeated, or not visible ASCII.
    Unusable,
    One(&'a str),
}

fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Header<'a> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Header::Absent,
        (Some(value), None) => value.to_str().map_or(Header::Unusable, Header::One),
        (Some(_), Some(_)) => Header::Unusable,
    }
}
