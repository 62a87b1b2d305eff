//! Today's figures of one agent (`calldata/{id}/statistics`, protocol.md
//! §10), kept across its sessions.

use serde_json::{Value, json};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Seconds talked, summed over ended calls.
    pub talktime: u64,
    pub answernums: u64,
    pub noanswernums: u64,
    pub calloutnums: u64,
    pub intercallnums: u64,
    pub interhelpnums: u64,
    pub transfernums: u64,
    pub transferoutnums: u64,
    pub transferivrnums: u64,
    pub keepnums: u64,
    pub busynums: u64,
    pub restnums: u64,
    pub restoutnums: u64,
    pub agentrelease: u64,
}

impl Stats {
    /// `statistics`: every field of the reference page.
    pub fn full(&self) -> Value {
        json!({
            "talktime": self.talktime,
            "answernums": self.answernums,
            "noanswernums": self.noanswernums,
            "calloutnums": self.calloutnums,
            "intercallnums": self.intercallnums,
            "interhelpnums": self.interhelpnums,
            "transfernums": self.transfernums,
            "transferoutnums": self.transferoutnums,
            "transferivrnums": self.transferivrnums,
            "redirectnums": 0,
            "keepnums": self.keepnums,
            "busynums": self.busynums,
            "restnums": self.restnums,
            "restoutnums": self.restoutnums,
            "resttime": 0,
            "restouttime": 0,
            "agentrelease": self.agentrelease,
            "busytime": 0,
        })
    }

    /// `statisticsEx`: the lighter subset.
    pub fn light(&self) -> Value {
        json!({
            "talktime": self.talktime,
            "answernums": self.answernums,
            "noanswernums": self.noanswernums,
            "calloutnums": self.calloutnums,
            "transfernums": self.transfernums,
        })
    }
}
