use super::*;

#[test]
fn statistics_tolerate_strings_case_and_unknown_fields() {
    let s = Statistics::from_result(&json!({
        "answernums": "12", "noAnswerNums": 2, "calloutnums": 3, "talktime": "754",
        "intercallnums": 1, "newfield": "x", "busytime": null
    }))
    .expect("statistics");
    assert_eq!(s.answered, Some(12));
    assert_eq!(s.missed, Some(2));
    assert_eq!(s.outbound, Some(3));
    assert_eq!(s.internal, Some(1));
    assert_eq!(s.talk_time_s, Some(754));
    assert_eq!(s.busy_time_s, None);
    assert_eq!(s.other.get("newfield"), Some(&json!("x")));
    assert_eq!(
        Statistics::from_result(&json!(null)).expect("none"),
        Statistics::default()
    );
    assert!(Statistics::from_result(&json!("12")).is_err());
    let v = serde_json::to_value(&s).expect("serializes");
    assert_eq!(v["talkTimeS"], 754);
}

#[test]
fn queue_figures_decode() {
    let f = QueueFigure::from_json(&json!({"deviceNo": 3, "skillDescrip": "Sales",
        "pilotNbr": "4001", "queueSize": "4", "queueTime": 95, "loggedOnAgents": 5,
        "availAgents": "1", "loadFactor": 0}))
    .expect("figure");
    assert_eq!(f.skill_id, "3");
    assert_eq!(f.name.as_deref(), Some("Sales"));
    assert_eq!((f.waiting, f.longest_wait_s), (Some(4), Some(95)));
    assert_eq!((f.logged_on, f.available), (Some(5), Some(1)));
    assert_eq!(QueueFigure::from_json(&json!({"queueSize": 1})), None);
}

#[test]
fn waiting_in_every_shape() {
    assert_eq!(Waiting::from_result(&json!(4)).total, Some(4));
    assert_eq!(Waiting::from_result(&json!("4")).total, Some(4));
    let w = Waiting::from_result(&json!([{"skillId":1,"waitNum":2},{"id":"2","num":"3"}]));
    assert_eq!(w.total, Some(5));
    assert_eq!(w.per_skill[1].skill_id, "2");
    let w = Waiting::from_result(&json!({"1": 2, "7": "1"}));
    assert_eq!(w.total, Some(3));
    assert_eq!(Waiting::from_result(&json!({"waitNum": 6})).total, Some(6));
    assert_eq!(Waiting::from_result(&json!(null)), Waiting::default());
}

#[test]
fn call_info_and_agents() {
    let i = CallInfo::from_result(&json!({"callid":"c-1","callfeature":7,"caller":"4001",
        "called":"5551","calldata":"secret"}))
    .expect("call");
    assert_eq!(i.callid.as_deref(), Some("c-1"));
    assert_eq!(i.feature.as_deref(), Some("7"));
    assert!(!format!("{i:?}").contains("secret"));
    assert_eq!(CallInfo::from_result(&json!(null)), None);
    assert_eq!(CallInfo::from_result(&json!({})), None);
    let a = agent_info(&json!({"workno": 102, "name": "Bo", "status": "4"})).expect("agent");
    assert_eq!((a.work_no.as_str(), a.status), ("102", Some(4)));
    assert_eq!(
        agent_info(&json!("103")).map(|a| a.work_no),
        Some("103".into())
    );
    assert_eq!(agent_info(&json!({"name": "no id"})), None);
}
