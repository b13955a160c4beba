//! Unqueue — pulls packets from its input and pushes them out.
//!
//! ## Synopsis
//! `Unqueue([BURST, KEYWORDS])`
//!
//! ## Ports
//! 1 input, pull; 1 output, push.
//!
//! ## Description
//! Runs a task that pulls up to BURST packets whenever they are available
//! and pushes them to its output: the pull-to-push converter.
//!
//! ## Arguments
//! - `BURST` (integer, default 256): most packets moved per task run.
//! - `ACTIVE` (bool, default true): whether the task runs.
//! - `LIMIT` (integer, default -1): stop after this many packets.
//!
//! ## Handlers
//! - `count` (read): packets moved.
//! - `reset` (write): zero `count`.
//! - `active` (read/write), `burst` (read/write), `limit` (read/write).
//!
//! ## Differences from Click
//! BURST defaults to 256 (Click: 1): packets move in batches.
//!
//! ## Example
//! ```text
//! FromDump(in.pcap) -> Queue -> Unqueue -> Discard;
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, PacketBatch};

use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Unqueue",
    ports: "1/1",
    processing: "l/h",
    source: include_str!("unqueue.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets moved"),
        HandlerSpec::write("reset", "zero count"),
        HandlerSpec::read_write("active", "whether the task runs"),
        HandlerSpec::read_write("burst", "most packets per run"),
        HandlerSpec::read_write("limit", "stop after this many packets; -1 is no limit"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct Unqueue {
    burst: usize,
    active: bool,
    limit: i64,
    count: u64,
    batch: PacketBatch,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let burst = args.read_p::<usize>("BURST")?.unwrap_or(MAX_BATCH).max(1);
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    let limit = args.read::<i64>("LIMIT")?.unwrap_or(-1);
    Ok(Box::new(Unqueue {
        burst,
        active,
        limit,
        count: 0,
        batch: PacketBatch::new(),
    }))
}

impl Element for Unqueue {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if !self.active {
            return TaskStatus::Idle(None);
        }
        let mut want = self.burst.min(MAX_BATCH);
        if self.limit >= 0 {
            let left = (self.limit as u64).saturating_sub(self.count);
            if left == 0 {
                return TaskStatus::Done;
            }
            want = want.min(left as usize);
        }
        cx.pull_input(0, want, &mut self.batch);
        if self.batch.is_empty() {
            return TaskStatus::Idle(None);
        }
        self.count += self.batch.len() as u64;
        out.forward(0, &mut self.batch);
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "active" => Ok(self.active.to_string()),
            "burst" => Ok(self.burst.to_string()),
            "limit" => Ok(self.limit.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => self.count = 0,
            "active" => self.active = parse_handler_value(name, value)?,
            "burst" => {
                let b: usize = parse_handler_value(name, value)?;
                self.burst = b.max(1);
            }
            "limit" => self.limit = parse_handler_value(name, value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
