//! CheckPaint — sends a copy of packets with a given paint to output 1.
//!
//! ## Synopsis
//! `CheckPaint(COLOR)`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! Every packet leaves on output 0. A packet whose paint annotation equals
//! COLOR is also copied to output 1, if it is connected. A router uses it
//! to notice packets leaving by the interface they came in on (painted
//! there by `Paint`) and send an ICMP redirect for the copy.
//!
//! ## Arguments
//! - `COLOR`: a paint value, 0 to 255.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! cp :: CheckPaint(1); cp[1] -> ICMPError(10.0.0.1, redirect, host) -> ...
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Output};
use packet::PacketBatch;

pub const SPEC: ElementSpec = ElementSpec {
    class: "CheckPaint",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("checkpaint.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct CheckPaint {
    color: u8,
    copies: bool,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let color = args.read_mp::<u8>("COLOR")?;
    Ok(Box::new(CheckPaint {
        color,
        copies: cx.noutputs > 1,
    }))
}

impl Element for CheckPaint {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        if self.copies {
            for p in batch.as_slice() {
                if p.anno().paint() == self.color {
                    out.emit(1, p.duplicate());
                }
            }
        }
        out.forward(0, batch);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
