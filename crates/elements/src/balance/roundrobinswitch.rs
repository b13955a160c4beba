//! RoundRobinSwitch — sends packets to its outputs in turn.
//!
//! ## Synopsis
//! `RoundRobinSwitch`
//!
//! ## Ports
//! 1 input, 1 or more outputs; push.
//!
//! ## Description
//! The first packet goes to output 0, the next to output 1, and so on,
//! starting again at 0 after the last output.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! rr :: RoundRobinSwitch; rr[0] -> q0 :: Queue; rr[1] -> q1 :: Queue;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RoundRobinSwitch",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("roundrobinswitch.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct RoundRobinSwitch {
    next: usize,
    outputs: usize,
}

fn make(_args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(RoundRobinSwitch {
        next: 0,
        outputs: cx.noutputs.max(1),
    }))
}

impl SimpleAction for RoundRobinSwitch {
    #[inline]
    fn action(&mut self, _packet: &mut Packet) -> Verdict {
        let port = self.next;
        self.next = if port + 1 == self.outputs {
            0
        } else {
            port + 1
        };
        Verdict::Out(port)
    }
}
