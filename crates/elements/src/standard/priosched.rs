//! PrioSched — pulls from the first input that has a packet.
//!
//! ## Synopsis
//! `PrioSched`
//!
//! ## Ports
//! Any number of inputs, pull; 1 output, pull.
//!
//! ## Description
//! Each packet pulled from the output comes from the lowest-numbered input
//! that has one: a strict priority scheduler, input 0 first. A pull for a
//! batch takes what input 0 has, then fills up from input 1, and so on.
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
//! hi :: Queue; lo :: Queue;
//! hi -> [0]ps :: PrioSched;  lo -> [1]ps;
//! ps -> ToDevice(eth0);
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Output, TaskContext};
use packet::PacketBatch;

pub const SPEC: ElementSpec = ElementSpec {
    class: "PrioSched",
    ports: "-/1",
    processing: "l/l",
    source: include_str!("priosched.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct PrioSched {
    ninputs: usize,
}

fn make(_args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(PrioSched {
        ninputs: cx.ninputs,
    }))
}

impl Element for PrioSched {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let target = into.len().saturating_add(max);
        for i in 0..self.ninputs {
            let want = target - into.len();
            if want == 0 {
                break;
            }
            cx.pull_input(i, want, into);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    #[test]
    fn lower_inputs_first() {
        let h = Harness::new(
            "Idle -> q0 :: Queue; Idle -> q1 :: Queue;
             q0 -> [0]ps :: PrioSched; q1 -> [1]ps;
             ps -> u :: Unqueue(BURST 3) -> c :: Collect;",
        );
        h.inject("q1", 0, &[b"\x11", b"\x12", b"\x13"]);
        h.inject("q0", 0, &[b"\x01"]);
        let mut s = h.router.stepper();
        s.step();
        assert_eq!(h.read("c.log"), "01 p0\n11 p0\n12 p0\n");
        h.inject("q0", 0, &[b"\x02"]);
        s.step();
        assert_eq!(h.read("c.log"), "01 p0\n11 p0\n12 p0\n02 p0\n13 p0\n");
    }
}
