//! RoundRobinSched — pulls from its inputs in turn.
//!
//! ## Synopsis
//! `RoundRobinSched`
//!
//! ## Ports
//! Any number of inputs, pull; 1 output, pull.
//!
//! ## Description
//! Each packet pulled from the output comes from the next input in turn
//! that has one: after a packet from input I, the search for the next one
//! starts at input I+1. Inputs that have nothing are skipped. This is a
//! packet-by-packet round-robin scheduler; a pull for a batch gets the same
//! packets, in the same order, as that many pulls of one packet.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! None known. (Click skips inputs whose upstream says it is empty; here
//! an empty input is asked and answers nothing.)
//!
//! ## Example
//! ```text
//! q0 :: Queue; q1 :: Queue;
//! q0 -> [0]rr :: RoundRobinSched;  q1 -> [1]rr;
//! rr -> Unqueue -> Discard;
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Output, TaskContext};
use packet::PacketBatch;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RoundRobinSched",
    ports: "-/1",
    processing: "l/l",
    source: include_str!("roundrobinsched.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct RoundRobinSched {
    ninputs: usize,
    /// The input to try first on the next pull.
    next: usize,
}

fn make(_args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(RoundRobinSched {
        ninputs: cx.ninputs,
        next: 0,
    }))
}

impl Element for RoundRobinSched {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let n = self.ninputs;
        if n == 0 {
            return;
        }
        if n == 1 {
            cx.pull_input(0, max, into);
            return;
        }
        let target = into.len().saturating_add(max);
        // Inputs asked in a row without getting a packet.
        let mut misses = 0;
        let mut i = self.next % n;
        while into.len() < target && misses < n {
            let before = into.len();
            cx.pull_input(i, 1, into);
            i = if i + 1 == n { 0 } else { i + 1 };
            if into.len() > before {
                self.next = i;
                misses = 0;
            } else {
                misses += 1;
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    const CONFIG: &str = "Idle -> q0 :: Queue; Idle -> q1 :: Queue; Idle -> q2 :: Queue;
        q0 -> [0]rr :: RoundRobinSched; q1 -> [1]rr; q2 -> [2]rr;
        rr -> u :: Unqueue(BURST 4) -> c :: Collect;";

    #[test]
    fn takes_turns_packet_by_packet() {
        let h = Harness::new(CONFIG);
        h.inject("q0", 0, &[b"\x01", b"\x02", b"\x03"]);
        h.inject("q1", 0, &[b"\x11"]);
        h.inject("q2", 0, &[b"\x21", b"\x22"]);
        let mut s = h.router.stepper();
        s.step();
        assert_eq!(h.read("c.log"), "01 p0\n11 p0\n21 p0\n02 p0\n");
        s.step();
        // The next turn starts after q0: q1 is empty now, so q2 then q0.
        assert_eq!(
            h.read("c.log"),
            "01 p0\n11 p0\n21 p0\n02 p0\n22 p0\n03 p0\n"
        );
    }

    #[test]
    fn remembers_where_it_stopped() {
        let h = Harness::new(CONFIG);
        h.inject("q1", 0, &[b"\x11"]);
        let mut s = h.router.stepper();
        s.step();
        h.inject("q0", 0, &[b"\x01"]);
        h.inject("q1", 0, &[b"\x12"]);
        h.inject("q2", 0, &[b"\x21"]);
        s.step();
        assert_eq!(h.read("c.log"), "11 p0\n21 p0\n01 p0\n12 p0\n");
    }
}
