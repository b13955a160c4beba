//! Idle — never produces a packet; discards what it is pushed.
//!
//! ## Synopsis
//! `Idle`
//!
//! ## Ports
//! Any number of inputs and outputs; agnostic.
//!
//! ## Description
//! Idle never pushes a packet to an output and never pulls from an input;
//! a pull from one of its outputs returns nothing. Packets pushed to it are
//! dropped and counted. It is used to fill ports that must be connected but
//! carry no traffic.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! Click's Idle also tells downstream pullers that it is empty so that they
//! can sleep; here pullers back off on their own when they find nothing.
//!
//! ## Example
//! ```text
//! Idle -> ToDevice(eth0);
//! c :: Classifier(12/0800, -);  c[1] -> Idle;
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, DropReason, Element, ElementSpec, Output};
use packet::PacketBatch;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Idle",
    ports: "-/-",
    processing: "a/a",
    source: include_str!("idle.rs"),
    drop_reasons: &["idle"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const IDLE: DropReason = DropReason(0);

pub struct Idle;

fn make(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(Idle))
}

impl Element for Idle {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        out.count_drops(IDLE, batch.len() as u64);
        batch.clear();
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    #[test]
    fn drops_pushes_and_yields_nothing() {
        let h = Harness::new(
            "Idle -> i :: Idle -> q :: Queue -> u :: Unqueue -> c :: Collect; \
             Idle -> u2 :: Unqueue -> c2 :: Collect; \
             src :: Idle -> Discard;",
        );
        h.inject("i", 0, &[b"a", b"b"]);
        assert_eq!(h.drops("i"), vec![2]);
        let mut s = h.router.stepper();
        s.step();
        s.step();
        assert_eq!(h.read("c.count"), "0");
        assert_eq!(h.read("c2.count"), "0");
        assert_eq!(h.read("q.length"), "0");
    }
}
