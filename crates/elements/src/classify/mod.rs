//! IP classification and filtering: `IPClassifier`, `IPFilter`, and the
//! `AddressInfo` names their patterns (and every address argument) may use.
//!
//! Key decision: both classifiers share one element, [`RuleElement`], built
//! from a [`pattern::RuleSet`]; they differ only in how their arguments
//! name outputs.

pub mod addressinfo;
pub mod ipclassifier;
pub mod ipfilter;
pub mod pattern;
pub mod symbolic;

use std::any::Any;

use engine::{Element, ElementSpec, HandlerError, Output};
use packet::{Packet, PacketBatch};

use pattern::{Headers, RuleSet};

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![addressinfo::SPEC, ipclassifier::SPEC, ipfilter::SPEC]
}

const NO_MATCH: engine::DropReason = engine::DropReason(0);

/// A classifier over IP header fields: the first matching rule sends the
/// packet to its output; no match, or a `drop` rule, drops it.
pub struct RuleElement {
    pub rules: RuleSet,
}

impl RuleElement {
    #[inline]
    fn target(&self, p: &Packet) -> Option<usize> {
        self.rules
            .classify(&Headers::new(p.network_header(), p.mac_header()))
    }
}

impl Element for RuleElement {
    /// Passes the batch on whole when every packet goes the same way (the
    /// usual case), else packet by packet.
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let packets = batch.as_slice();
        let Some(first) = packets.first() else {
            return;
        };
        let first = self.target(first);
        let same = packets.iter().skip(1).all(|p| self.target(p) == first);
        if same {
            match first {
                Some(port) => out.forward(port, batch),
                None => {
                    out.count_drops(NO_MATCH, batch.len() as u64);
                    batch.clear();
                }
            }
            return;
        }
        for packet in batch.drain() {
            match self.target(&packet) {
                Some(port) => out.emit(port, packet),
                None => out.drop(packet, NO_MATCH),
            }
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "program" => Ok(self.rules.describe()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
