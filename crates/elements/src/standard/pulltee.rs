//! PullTee — hands pulled packets on and pushes a copy out of every other
//! output.
//!
//! ## Synopsis
//! `PullTee([N])`
//!
//! ## Ports
//! 1 input, pull; output 0 pull, 1 or more further outputs push.
//!
//! ## Description
//! When output 0 is pulled, PullTee pulls from its input, returns the
//! packets, and pushes a copy of each out of every other output.
//!
//! ## Arguments
//! - `N` (integer, optional): the number of outputs expected; an error if
//!   the configuration connects a different number.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! The copies are pushed once the pull returns, a batch at a time, rather
//! than during the pull packet by packet.
//!
//! ## Example
//! ```text
//! Queue -> t :: PullTee -> ToDevice(eth0);  t[1] -> ToDump(sent.pcap);
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Output, TaskContext};
use packet::PacketBatch;

use crate::standard::tee::check_arms;

pub const SPEC: ElementSpec = ElementSpec {
    class: "PullTee",
    ports: "1/1-",
    processing: "l/lh",
    source: include_str!("pulltee.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct PullTee {
    noutputs: usize,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    check_arms(args, cx.noutputs)?;
    Ok(Box::new(PullTee {
        noutputs: cx.noutputs.max(1),
    }))
}

impl Element for PullTee {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        out: &mut Output,
    ) {
        let before = into.len();
        cx.pull_input(0, max, into);
        for port in 1..self.noutputs {
            for p in &into.as_slice()[before..] {
                out.emit(port, p.duplicate());
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

    #[test]
    fn copies_pulled_packets() {
        let h = Harness::new(
            "Idle -> q :: Queue -> t :: PullTee -> u :: Unqueue -> a :: Collect; t[1] -> b :: Collect;",
        );
        h.inject("q", 0, &[b"\x01", b"\x02"]);
        h.router.stepper().step();
        assert_eq!(h.read("a.log"), "01 p0\n02 p0\n");
        assert_eq!(h.read("b.log"), "01 p0\n02 p0\n");
    }
}
