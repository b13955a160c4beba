//! CheckPaint — checks packets' paint annotation.
//!
//! ## Synopsis
//! `CheckPaint(COLOR [, ANNO])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic/push.
//!
//! ## Description
//! Packets whose paint annotation (or the one-byte annotation ANNO names)
//! equals COLOR leave on output 0. The others leave on output 1 if it is
//! connected, else are dropped (reason `wrong_paint`).
//!
//! In the IP router of Kohler et al.'s Click paper, "CheckPaint" sent a
//! *copy* of packets leaving by the interface they came in on to an ICMP
//! redirect; Click 2.1 calls that element `PaintTee`, and so does
//! `configs/router.click`.
//!
//! ## Arguments
//! - `COLOR`: a paint value, 0 to 255.
//! - `ANNO` (default `PAINT`): a one-byte annotation, by name or offset.
//!
//! ## Handlers
//! - `color` (read/write): COLOR.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! c :: CheckPaint(1); c[1] -> Discard;   // only packets painted 1 pass
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use crate::standard::paint::{read_anno_byte, read_color};

pub const SPEC: ElementSpec = ElementSpec {
    class: "CheckPaint",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("checkpaint.rs"),
    drop_reasons: &["wrong_paint"],
    handlers: &[HandlerSpec::read_write("color", "the paint that passes")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct CheckPaint {
    color: u8,
    anno: usize,
    reject: Verdict,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let color = read_color(args)?;
    let anno = read_anno_byte(args)?;
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(CheckPaint {
        color,
        anno,
        reject,
    }))
}

impl SimpleAction for CheckPaint {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if packet.anno().bytes.get(self.anno) == Some(&self.color) {
            Verdict::Pass
        } else {
            self.reject
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "color" => Ok(self.color.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "color" => {
                self.color = crate::util::parse_handler_value(name, value)?;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
