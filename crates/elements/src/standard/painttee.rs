//! PaintTee — copies packets of a given paint to a second output.
//!
//! ## Synopsis
//! `PaintTee(COLOR [, ANNO])`
//!
//! ## Ports
//! 1 input, agnostic; output 0 agnostic, output 1 push.
//!
//! ## Description
//! Sends every packet out of output 0. If the packet's paint annotation (or
//! the one-byte annotation ANNO names) equals COLOR, a copy also leaves
//! output 1. Used with Paint and ICMPError to send redirects.
//!
//! ## Arguments
//! - `COLOR` (integer 0–255, required): the paint to copy.
//! - `ANNO` (annotation, default `PAINT`): a one-byte annotation, by name or
//!   by byte offset (0–47).
//!
//! ## Handlers
//! - `color` (read/write): the COLOR argument.
//!
//! ## Differences from Click
//! Copies leave output 1 as a batch after the batch's originals are
//! handled, not each just before its original.
//!
//! ## Example
//! ```text
//! rt[7] -> pt :: PaintTee(7) -> Queue -> ToDevice(eth7);
//! pt[1] -> ICMPError(18.26.4.24, redirect, host) -> [0]rt;
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output, TaskContext,
};
use packet::{Packet, PacketBatch};

use crate::standard::paint::{read_anno_byte, read_color};
use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "PaintTee",
    ports: "1/2",
    processing: "a/ah",
    source: include_str!("painttee.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write(
        "color",
        "the paint copied to output 1",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct PaintTee {
    color: u8,
    anno: usize,
    scratch: PacketBatch,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let color = read_color(args)?;
    let anno = read_anno_byte(args)?;
    Ok(Box::new(PaintTee {
        color,
        anno,
        scratch: PacketBatch::new(),
    }))
}

impl PaintTee {
    #[inline]
    fn copy_if_painted(&self, p: &Packet, out: &mut Output) {
        if p.anno().bytes.get(self.anno) == Some(&self.color) {
            out.emit(1, p.duplicate());
        }
    }
}

impl Element for PaintTee {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.iter() {
            self.copy_if_painted(p, out);
        }
        out.forward(0, batch);
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        out: &mut Output,
    ) {
        cx.pull_input(0, max, &mut self.scratch);
        for p in self.scratch.iter() {
            self.copy_if_painted(p, out);
        }
        into.append(&mut self.scratch);
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "color" => Ok(self.color.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "color" => self.color = parse_handler_value(name, value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;
    use packet::{Packet, PacketBatch};

    fn painted(pairs: &[(u8, u8)]) -> PacketBatch {
        let mut batch = PacketBatch::new();
        for &(paint, byte) in pairs {
            let mut p = Packet::from_slice(&[byte]).unwrap();
            p.anno_mut().set_paint(paint);
            batch.push(p);
        }
        batch
    }

    #[test]
    fn push_copies_matching_paint() {
        let h = Harness::new("Idle -> pt :: PaintTee(7) -> a :: Collect; pt[1] -> b :: Collect;");
        h.inject_batch("pt", 0, painted(&[(7, 1), (3, 2), (7, 3)]));
        assert_eq!(h.read("a.log"), "01 p7\n02 p3\n03 p7\n");
        assert_eq!(h.read("b.log"), "01 p7\n03 p7\n");
        h.write("pt.color", "3").unwrap();
        assert_eq!(h.read("pt.color"), "3");
        h.inject_batch("pt", 0, painted(&[(7, 4), (3, 5)]));
        assert_eq!(h.read("b.log"), "01 p7\n03 p7\n05 p3\n");
    }

    #[test]
    fn pull_copies_matching_paint() {
        let h = Harness::new(
            "Idle -> q :: Queue -> pt :: PaintTee(1, ANNO 30) -> u :: Unqueue -> a :: Collect; \
             pt[1] -> b :: Collect;",
        );
        let mut batch = painted(&[(0, 1), (0, 2)]);
        batch.as_mut_slice()[1].anno_mut().bytes[30] = 1;
        h.inject_batch("q", 0, batch);
        h.router.stepper().step();
        assert_eq!(h.read("a.log"), "01 p0\n02 p0\n");
        assert_eq!(h.read("b.log"), "02 p0\n");
    }
}
