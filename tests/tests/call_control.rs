//! Call control on the real bar, against the simulated gateway and its
//! virtual colleagues: skill queues joined at sign-in, an outbound call
//! answered and released, mute shown and cleared, keypad tones, a consult
//! beside the held customer, a transfer that succeeds, one that fails and
//! leaves the customer on the bar, and a three-way call.

use std::time::Duration;

use agentbar_e2e::gateway::AGENT;
use agentbar_e2e::{App, Gateway, SignedIn, eventually};
use agentgateway_sim::{CallTimings, Colleague, SimConfig};

fn brisk_calls(cfg: &mut SimConfig) {
    cfg.calls = CallTimings {
        answer_after: Duration::from_millis(800),
        fail_after: Duration::from_millis(300),
        no_answer_after: Duration::from_secs(3),
        colleague_answer_after: Duration::from_millis(800),
        ivr_return_after: Duration::from_secs(2),
    };
}

/// The bar signed in, with colleague 102 answering and 103 never answering.
async fn bar_with_colleagues() -> SignedIn {
    SignedIn::start_with(brisk_calls, |gateway| {
        let control = gateway.sim.control();
        control
            .set_colleague("102", Colleague::default())
            .expect("colleague 102");
        control
            .set_colleague(
                "103",
                Colleague {
                    never_answer: true,
                    ..Colleague::default()
                },
            )
            .expect("colleague 103");
    })
    .await
}

/// A customer rings and the agent answers on the bar.
async fn answer_a_customer(gateway: &Gateway, app: &App) -> String {
    let callid = gateway.ring("13800138000", None);
    app.wait_for_text("#agent-state", "Ringing")
        .await
        .expect("ringing");
    app.click("#btn-answer").await.expect("answer");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("talking");
    callid
}

/// Waits until `css` is displayed; otherwise keeps a screenshot and says
/// what the bar showed as its last error.
async fn shown(app: &App, css: &str, what: &str) {
    if let Err(e) = app.wait_displayed(css).await {
        let _ = app
            .screenshot(&format!("failed-{}", css.trim_start_matches('#')))
            .await;
        let said = app.text("#last-error-text").await.unwrap_or_default();
        let picker = app.text("#picker-error").await.unwrap_or_default();
        panic!("{what}: {e:?}; the bar says: {said:?} {picker:?}");
    }
}

/// Nothing the agent did was refused on the way.
async fn no_error(app: &App) {
    assert_eq!(
        app.text("#last-error-text").await.unwrap_or_default(),
        "",
        "no error on the bar"
    );
}

/// Waits until `css` shows no text (hidden or empty).
async fn until_blank(app: &App, css: &str, what: &str) {
    for _ in 0..50 {
        if app.text(css).await.unwrap_or_default().trim().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = app.text(css).await.unwrap_or_default();
    let _ = app
        .screenshot(&format!("failed-{}", css.trim_start_matches('#')))
        .await;
    panic!("timed out waiting for {what}: {css} still shows {left:?}");
}

/// Opens the picker with `opener`, picks `target` from the colleagues and goes.
async fn pick_colleague(app: &App, opener: &str, target: &str) {
    app.click(opener).await.expect("open the picker");
    app.wait_displayed("#picker").await.expect("the picker");
    app.click("#picker-tab-agents")
        .await
        .expect("colleagues tab");
    let item = format!("#picker-list button.target[data-target=\"{target}\"]");
    app.wait_displayed(&item)
        .await
        .expect("the colleague is listed");
    app.click(&item).await.expect("pick the colleague");
}

#[tokio::test]
async fn skills_at_sign_in_an_outbound_call_mute_and_keypad_tones() {
    let SignedIn {
        gateway,
        app,
        desktop: _desktop,
    } = bar_with_colleagues().await;
    let control = gateway.sim.control();

    // Right after sign-in the agent is in its skill queues, and the bar says so.
    eventually("101 in its skill queues", Duration::from_secs(10), || {
        control.agent_state(AGENT).filter(|a| !a.skills.is_empty())
    })
    .await;
    app.wait_for_text("#skills-label", "General")
        .await
        .expect("the bar shows the skills");

    // A number the gateway cannot call is refused on the bar without a request.
    app.fill("#dial-number", "12ab").await.expect("type");
    app.click("#btn-dial").await.expect("dial");
    app.wait_displayed("#dial-error")
        .await
        .expect("the bar says why");
    assert!(control.calls(AGENT).is_empty(), "nothing was dialled");

    app.fill("#dial-number", "13900139000").await.expect("type");
    app.click("#btn-dial").await.expect("dial");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("the called party answers");
    app.wait_for_text("#call-direction", "Outbound")
        .await
        .expect("an outbound call");
    let calls = control.calls(AGENT);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].feature, "7", "{calls:?}");

    app.click("#btn-mute").await.expect("mute");
    app.wait_for_text("#call-muted", "Muted")
        .await
        .expect("muted on the bar");
    eventually("the gateway's call muted", Duration::from_secs(5), || {
        control.calls(AGENT).first().filter(|c| c.muted).cloned()
    })
    .await;
    app.screenshot("bar-muted-outbound")
        .await
        .expect("screenshot");
    app.click("#btn-unmute").await.expect("unmute");
    eventually("the mute tag gone", Duration::from_secs(5), || {
        control.calls(AGENT).first().filter(|c| !c.muted).cloned()
    })
    .await;
    until_blank(&app, "#call-muted", "the mute tag gone from the bar").await;

    app.click("#btn-keypad").await.expect("keypad");
    app.wait_displayed("#keypad").await.expect("the keypad");
    for key in ["#key-1", "#key-2", "#key-hash"] {
        app.click(key).await.expect("a key");
    }
    eventually("the tones at the gateway", Duration::from_secs(5), || {
        let sent = control.dtmf(AGENT).concat();
        (sent == "12#").then_some(sent)
    })
    .await;

    app.click("#btn-hangup").await.expect("hang up");
    eventually("the call over", Duration::from_secs(10), || {
        control.calls(AGENT).is_empty().then_some(())
    })
    .await;
    app.wait_for_text("#recent-calls", "13900139000")
        .await
        .expect("the call is on the recent list");
    no_error(&app).await;
    app.quit().await;
}

#[tokio::test]
async fn a_consult_beside_the_held_customer_then_a_transfer_that_succeeds() {
    let SignedIn {
        gateway,
        app,
        desktop: _desktop,
    } = bar_with_colleagues().await;
    let control = gateway.sim.control();
    let customer = answer_a_customer(&gateway, &app).await;

    pick_colleague(&app, "#btn-consult", "agent:102").await;
    app.click("#btn-picker-go").await.expect("consult");
    app.wait_for_attribute(
        &format!("#other-calls li.other-call[data-call-id=\"{customer}\"]"),
        "data-call-id",
        &customer,
    )
    .await
    .expect("the held customer is listed beside the consult");
    app.wait_displayed("#btn-take-back")
        .await
        .expect("take back offered");
    app.screenshot("bar-consult-held-customer")
        .await
        .expect("screenshot");

    // Take back: the consult call goes and the customer is back on the line
    // (the gateway reconnects the held call); then the transfer that waits for 102.
    app.click("#btn-take-back").await.expect("take back");
    until_blank(&app, "#other-calls", "the consult call gone").await;
    eventually(
        "the customer talking again",
        Duration::from_secs(10),
        || {
            let calls = control.calls(AGENT);
            (calls.len() == 1 && calls[0].callid == customer && calls[0].phase == "talking")
                .then_some(())
        },
    )
    .await;
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("talking to the customer again");
    no_error(&app).await;
    pick_colleague(&app, "#btn-transfer", "agent:102").await;
    app.screenshot("transfer-picker").await.expect("screenshot");
    app.click("#btn-picker-go").await.expect("transfer");
    eventually("102 has the customer", Duration::from_secs(15), || {
        control
            .calls("102")
            .into_iter()
            .find(|c| c.caller == "13800138000" && c.phase == "talking")
    })
    .await;
    eventually("the customer off 101", Duration::from_secs(10), || {
        control.calls(AGENT).is_empty().then_some(())
    })
    .await;
    app.wait_displayed("#no-call")
        .await
        .expect("the bar shows no call");
    no_error(&app).await;
    app.quit().await;
}

#[tokio::test]
async fn a_failed_transfer_leaves_the_customer_and_a_three_way_call_joins_all() {
    let SignedIn {
        gateway,
        app,
        desktop: _desktop,
    } = bar_with_colleagues().await;
    let control = gateway.sim.control();
    let customer = answer_a_customer(&gateway, &app).await;

    pick_colleague(&app, "#btn-transfer", "agent:103").await;
    app.click("#btn-picker-go").await.expect("transfer to 103");
    app.wait_for_text("#transfer-status", "still with you")
        .await
        .expect("the bar says the customer is still there");
    assert_eq!(
        app.text("#agent-state").await.unwrap_or_default(),
        "Talking",
        "still talking"
    );
    assert!(
        control.calls(AGENT).iter().any(|c| c.callid == customer),
        "the gateway still has the customer with 101"
    );
    app.click("#btn-dismiss-transfer").await.expect("dismiss");

    pick_colleague(&app, "#btn-consult", "agent:102").await;
    app.click("#btn-picker-go").await.expect("consult");
    shown(
        &app,
        "#btn-conference",
        "three-way offered once 102 answers",
    )
    .await;
    app.click("#btn-conference").await.expect("three-way");
    app.wait_for_text("#call-kind", "Conference")
        .await
        .expect("the call shows as a conference");
    eventually("one call with every party", Duration::from_secs(10), || {
        let calls = control.calls(AGENT);
        (calls.len() == 1 && !calls[0].parties.is_empty()).then_some(calls)
    })
    .await;
    until_blank(&app, "#other-calls", "the consult joined the call").await;
    app.screenshot("bar-three-way").await.expect("screenshot");
    app.click("#btn-hangup").await.expect("hang up");
    no_error(&app).await;
    app.quit().await;
}
