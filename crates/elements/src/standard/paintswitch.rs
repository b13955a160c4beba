//! PaintSwitch — sends each packet out of the output its paint names.
//!
//! ## Synopsis
//! `PaintSwitch([ANNO])`
//!
//! ## Ports
//! 1 input, push; any number of outputs, push.
//!
//! ## Description
//! Sends each packet out of output K, where K is the value of its paint
//! annotation (or of the one-byte annotation ANNO names). A value of 255
//! sends a copy out of every output. A packet whose K names no output is
//! dropped.
//!
//! ## Arguments
//! - `ANNO` (annotation, default `PAINT`): a one-byte annotation, by name or
//!   by byte offset (0–47).
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! None known.
//!
//! ## Example
//! ```text
//! ps :: PaintSwitch;  ps[0] -> Discard;  ps[1] -> ToDump(one.pcap);
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, DropReason, Element, ElementSpec, Output};
use packet::PacketBatch;

use crate::standard::paint::read_anno_byte;

pub const SPEC: ElementSpec = ElementSpec {
    class: "PaintSwitch",
    ports: "1/-",
    processing: "h/h",
    source: include_str!("paintswitch.rs"),
    drop_reasons: &["no_such_output"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NO_SUCH_OUTPUT: DropReason = DropReason(0);
/// The value that sends a packet out of every output.
const ALL_OUTPUTS: u8 = 0xFF;

pub struct PaintSwitch {
    anno: usize,
    noutputs: usize,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let anno = read_anno_byte(args)?;
    Ok(Box::new(PaintSwitch {
        anno,
        noutputs: cx.noutputs,
    }))
}

impl Element for PaintSwitch {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            let k = p.anno().bytes.get(self.anno).copied().unwrap_or(0);
            if k == ALL_OUTPUTS {
                if self.noutputs == 0 {
                    out.drop(p, NO_SUCH_OUTPUT);
                    continue;
                }
                for port in 0..self.noutputs - 1 {
                    out.emit(port, p.duplicate());
                }
                out.emit(self.noutputs - 1, p);
            } else if (k as usize) < self.noutputs {
                out.emit(k as usize, p);
            } else {
                out.drop(p, NO_SUCH_OUTPUT);
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
    fn switches_on_paint() {
        let h = Harness::new(
            "Idle -> ps :: PaintSwitch; ps[0] -> a :: Collect; ps[1] -> b :: Collect;",
        );
        let paint = |n: u8, data: &[u8]| {
            let mut p = packet::Packet::from_slice(data).unwrap();
            p.anno_mut().set_paint(n);
            p
        };
        let mut batch = packet::PacketBatch::new();
        batch.push(paint(0, b"\x00"));
        batch.push(paint(1, b"\x01"));
        batch.push(paint(5, b"\x05"));
        batch.push(paint(255, b"\xff"));
        h.inject_batch("ps", 0, batch);
        assert_eq!(h.read("a.log"), "00 p0\nff p255\n");
        assert_eq!(h.read("b.log"), "01 p1\nff p255\n");
        assert_eq!(h.drops("ps"), vec![1]);
    }

    #[test]
    fn other_annotation() {
        let h = Harness::new(
            "Idle -> ps :: PaintSwitch(ANNO 40); ps[0] -> a :: Collect; ps[1] -> b :: Collect;",
        );
        let mut p = packet::Packet::from_slice(b"\x07").unwrap();
        p.anno_mut().bytes[40] = 1;
        let mut batch = packet::PacketBatch::new();
        batch.push(p);
        h.inject_batch("ps", 0, batch);
        assert_eq!(h.read("b.log"), "07 p0\n");
        assert!(Harness::try_new("Idle -> PaintSwitch(DST_IP) -> Discard;").is_err());
    }
}
