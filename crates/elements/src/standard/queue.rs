//! Queue — stores packets pushed to it until they are pulled.
//!
//! ## Synopsis
//! `Queue([CAPACITY])`
//!
//! ## Ports
//! 1 input, push; 1 output, pull.
//!
//! ## Description
//! A first-in first-out queue: the boundary between a push path and a pull
//! path. A packet that arrives when the queue holds CAPACITY packets is
//! dropped (tail drop) and counted.
//!
//! ## Arguments
//! - `CAPACITY` (integer, default 1000): the most packets held.
//!
//! ## Handlers
//! - `length` (read): packets held now.
//! - `highwater_length` (read): the most packets ever held.
//! - `capacity` (read/write): as the argument; lowering it drops nothing
//!   already queued.
//! - `drops` (read): packets dropped because the queue was full.
//! - `reset_counts` (write): zero `drops` and `highwater_length`.
//! - `reset` (write): drop every queued packet.
//!
//! ## Differences from Click
//! None known. `SimpleQueue` is the same element under another name; Click's
//! empty/full notification is not needed, since idle tasks back off.
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> Queue(2000) -> ToDevice(eth1);
//! ```

use std::any::Any;
use std::collections::VecDeque;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Output,
    TaskContext,
};
use packet::{Packet, PacketBatch};

use crate::util::parse_handler_value;

const HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("length", "packets held now"),
    HandlerSpec::read("highwater_length", "most packets ever held"),
    HandlerSpec::read_write("capacity", "most packets held"),
    HandlerSpec::read("drops", "packets dropped because the queue was full"),
    HandlerSpec::write("reset_counts", "zero drops and highwater_length"),
    HandlerSpec::write("reset", "drop every queued packet"),
];

pub const SPEC: ElementSpec = ElementSpec {
    class: "Queue",
    ports: "1/1",
    processing: "h/l",
    source: include_str!("queue.rs"),
    drop_reasons: &["full", "reset"],
    handlers: HANDLERS,
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const FULL: DropReason = DropReason(0);
const RESET: DropReason = DropReason(1);

pub struct Queue {
    packets: VecDeque<Packet>,
    capacity: usize,
    highwater: usize,
    drops: u64,
    /// Drops made by the `reset` handler, reported at the next push.
    reset_drops: u64,
    /// When full, drop the oldest packet rather than the new one
    /// (`FrontDropQueue`).
    front_drop: bool,
    /// The length as others see it, updated once per batch.
    length: std::sync::Arc<QueueLength>,
}

pub(crate) fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    make_queue(args, cx, false)
}

/// A queue that, when full, drops its oldest packet (`FrontDropQueue`).
pub(crate) fn make_front_drop(
    args: &mut Args,
    cx: &BuildContext,
) -> Result<Box<dyn Element>, ConfigError> {
    make_queue(args, cx, true)
}

/// A queue's current length, published for elements that watch it (RED).
#[derive(Debug, Default)]
pub struct QueueLength(pub std::sync::atomic::AtomicUsize);

fn make_queue(
    args: &mut Args,
    cx: &BuildContext,
    front_drop: bool,
) -> Result<Box<dyn Element>, ConfigError> {
    let capacity = args.read_p::<usize>("CAPACITY")?.unwrap_or(1000);
    let length = std::sync::Arc::new(QueueLength::default());
    cx.shared.publish(&cx.name, length.clone());
    Ok(Box::new(Queue {
        length,
        front_drop,
        // Reserve up front so that queueing never allocates on the data path.
        packets: VecDeque::with_capacity(capacity.min(1 << 20)),
        capacity,
        highwater: 0,
        drops: 0,
        reset_drops: 0,
    }))
}

impl Queue {
    #[inline]
    fn publish_length(&self) {
        self.length
            .0
            .store(self.packets.len(), std::sync::atomic::Ordering::Relaxed);
    }
}

impl Element for Queue {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        if self.reset_drops > 0 {
            out.count_drops(RESET, std::mem::take(&mut self.reset_drops));
        }
        if batch.len() <= self.capacity.saturating_sub(self.packets.len()) {
            // Room for the whole batch (the usual case): one reservation and
            // a straight copy.
            self.packets.extend(batch.drain());
        }
        for packet in batch.drain() {
            if self.packets.len() < self.capacity {
                self.packets.push_back(packet);
            } else if self.front_drop && self.capacity > 0 {
                if let Some(oldest) = self.packets.pop_front() {
                    self.drops += 1;
                    out.drop(oldest, FULL);
                }
                self.packets.push_back(packet);
            } else {
                self.drops += 1;
                out.drop(packet, FULL);
            }
        }
        self.highwater = self.highwater.max(self.packets.len());
        self.publish_length();
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        _cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        out: &mut Output,
    ) {
        if self.reset_drops > 0 {
            out.count_drops(RESET, std::mem::take(&mut self.reset_drops));
        }
        let n = max.min(self.packets.len());
        into.extend(self.packets.drain(..n));
        self.publish_length();
    }

    fn held(&self) -> usize {
        self.packets.len()
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "length" => Ok(self.packets.len().to_string()),
            "highwater_length" => Ok(self.highwater.to_string()),
            "capacity" => Ok(self.capacity.to_string()),
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "capacity" => self.capacity = parse_handler_value(name, value)?,
            "reset_counts" => {
                self.drops = 0;
                self.highwater = self.packets.len();
            }
            "reset" => {
                self.reset_drops += self.packets.len() as u64;
                self.packets.clear();
                self.publish_length();
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
