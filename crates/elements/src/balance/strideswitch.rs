//! StrideSwitch — shares packets among outputs by stride scheduling.
//!
//! ## Synopsis
//! `StrideSwitch(TICKETS_0, ..., TICKETS_N-1)`
//!
//! ## Ports
//! 1 input, N outputs (one per argument); push.
//!
//! ## Description
//! Each output gets a share of the packets proportional to its tickets
//! (0 to 32768; an output with 0 gets none), spread out evenly by stride
//! scheduling: every output has a stride of 65536 / tickets and a pass
//! value; each packet goes to the output with the smallest pass, whose
//! pass then grows by its stride. Ties go to the lower-numbered output.
//! With no tickets at all, packets are dropped (reason `no_tickets`).
//!
//! ## Arguments
//! - `TICKETS_i`: tickets of output i.
//!
//! ## Differences from Click
//! - The `tickets` handlers are not offered.
//!
//! ## Example
//! ```text
//! s :: StrideSwitch(3, 1);   // three packets to s[0] for each to s[1]
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "StrideSwitch",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("strideswitch.rs"),
    drop_reasons: &["no_tickets"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const STRIDE1: u32 = 1 << 16;
const MAX_TICKETS: u32 = 1 << 15;

struct StrideSwitch {
    pass: Vec<u32>,
    stride: Vec<u32>,
    /// Outputs with tickets, ordered by pass.
    order: Vec<usize>,
}

/// Whether pass `a` is later than pass `b`, on a circle of 2^32.
fn later(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

impl StrideSwitch {
    /// Puts output `i` before the first output whose pass is not earlier.
    fn insert(&mut self, i: usize) {
        let at = self
            .order
            .iter()
            .position(|&o| !later(self.pass[i], self.pass[o]))
            .unwrap_or(self.order.len());
        self.order.insert(at, i);
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rest = args.rest();
    if rest.len() != cx.noutputs {
        return Err(ConfigError::msg(format!(
            "need {} arguments, one per output port",
            cx.noutputs
        )));
    }
    let mut tickets = Vec::with_capacity(rest.len());
    for (i, arg) in rest.iter().enumerate() {
        let t: u32 = arg.text.trim().parse().map_err(|_| {
            crate::util::arg_error(arg, format!("argument {i} should be a number of tickets"))
        })?;
        tickets.push(t.min(MAX_TICKETS));
    }
    let stride: Vec<u32> = tickets
        .iter()
        .map(|&t| STRIDE1.checked_div(t).unwrap_or(0))
        .collect();
    let mut s = StrideSwitch {
        pass: stride.clone(),
        stride,
        order: Vec::with_capacity(tickets.len()),
    };
    // Inserted last to first, so equal passes run in port order.
    for i in (0..tickets.len()).rev() {
        if tickets[i] > 0 {
            s.insert(i);
        }
    }
    Ok(Simple::boxed(s))
}

impl SimpleAction for StrideSwitch {
    #[inline]
    fn action(&mut self, _packet: &mut Packet) -> Verdict {
        if self.order.is_empty() {
            return Verdict::Drop(DropReason(0));
        }
        let i = self.order.remove(0);
        self.pass[i] = self.pass[i].wrapping_add(self.stride[i]);
        self.insert(i);
        Verdict::Out(i)
    }
}
