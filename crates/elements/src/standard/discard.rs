//! Discard — drops every packet it receives.
//!
//! ## Synopsis
//! `Discard([ACTIVE, BURST])`
//!
//! ## Ports
//! 1 input, agnostic; no outputs.
//!
//! ## Description
//! Drops packets. In push mode it drops whatever arrives; in pull mode it
//! runs a task that pulls up to BURST packets at a time and drops them.
//!
//! ## Arguments
//! - `ACTIVE` (bool, default true): in pull mode, whether the task pulls.
//! - `BURST` (integer, default 256): packets pulled per task run.
//!
//! ## Handlers
//! - `count` (read): packets discarded.
//! - `reset_counts` (write): sets `count` to zero.
//! - `active` (read/write): as the argument.
//!
//! ## Differences from Click
//! BURST defaults to 256 (Click: 8), since packets move in batches here.
//!
//! ## Example
//! ```text
//! FromDump(in.pcap, STOP true) -> Discard;
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, Processing, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, PacketBatch};

use crate::util::parse_active;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Discard",
    ports: "1/0",
    processing: "a/a",
    source: include_str!("discard.rs"),
    drop_reasons: &["discarded"],
    handlers: &[
        HandlerSpec::read("count", "packets discarded"),
        HandlerSpec::write("reset_counts", "sets count to zero"),
        HandlerSpec::read_write("active", "whether the pull task runs"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const DISCARDED: DropReason = DropReason(0);

pub struct Discard {
    count: u64,
    active: bool,
    burst: usize,
    batch: PacketBatch,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let burst = args.read_p::<usize>("BURST")?.unwrap_or(MAX_BATCH).max(1);
    Ok(Box::new(Discard {
        count: 0,
        active,
        burst,
        batch: PacketBatch::new(),
    }))
}

impl Element for Discard {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        if cx.input(0) == Processing::Pull {
            cx.schedule_task();
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let n = batch.len() as u64;
        self.count += n;
        out.count_drops(DISCARDED, n);
        batch.clear();
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if !self.active {
            return TaskStatus::Idle(None);
        }
        cx.pull_input(0, self.burst.min(MAX_BATCH), &mut self.batch);
        if self.batch.is_empty() {
            return TaskStatus::Idle(None);
        }
        let n = self.batch.len() as u64;
        self.count += n;
        out.count_drops(DISCARDED, n);
        self.batch.clear();
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => self.count = 0,
            "active" => self.active = parse_active(value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
