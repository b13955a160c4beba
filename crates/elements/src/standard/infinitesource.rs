//! InfiniteSource — generates packets, as many and as fast as it can.
//!
//! ## Synopsis
//! `InfiniteSource([DATA, LIMIT, BURST, ACTIVE, KEYWORDS])`
//!
//! ## Ports
//! No inputs; 1 output, agnostic.
//!
//! ## Description
//! Makes packets holding DATA. In push mode its task pushes packets out as
//! fast as they are taken; in pull mode it makes a packet whenever one is
//! pulled. Each packet is a distinct packet with its own copy of DATA, so a
//! downstream write needs no copy. Packets are stamped with the time their
//! batch was made.
//!
//! ## Arguments
//! - `DATA` (string, default Click's 64-byte filler text): the packet bytes.
//!   Use `\<hex>` for binary, e.g. `\<00 11 22>`.
//! - `LIMIT` (integer, default -1): packets to make; negative is no limit.
//! - `BURST` (integer, default 256): packets made per task run.
//! - `ACTIVE` (bool, default true): whether to make packets.
//! - `LENGTH` / `DATASIZE` (integer): pad or cut DATA to this length.
//! - `STOP` (bool, default false): stop the router once LIMIT is reached.
//! - `TIMESTAMP` (bool, default true): stamp packets.
//!
//! ## Handlers
//! - `count` (read): packets made.
//! - `reset` (write): zero `count`, starting again towards LIMIT.
//! - `data`, `limit`, `burst`, `active`, `length` (read/write): as the
//!   arguments.
//!
//! ## Differences from Click
//! BURST defaults to 256 (Click: 1): packets move in batches. Click hands out
//! clones of one shared buffer and copies the whole packet on the first
//! write; here every packet has its own buffer from the pool holding its own
//! copy of DATA, so a write needs no copy. Buffers recycle: a buffer that
//! this source filled remembers how far into it anything has been written
//! since, and only those bytes are copied back from DATA (none on a
//! read-only path, the headers when elements rewrite headers); any other
//! buffer gets all of DATA copied in.
//!
//! ## Example
//! ```text
//! InfiniteSource(DATA \<00 00 00 00 00 01  00 00 00 00 00 02  08 00>,
//!                LENGTH 64, LIMIT 1000, STOP true) -> Discard;
//! ```

use std::any::Any;
use std::sync::Arc;

use clickconf::args::{Args, Bytes};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output,
    TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, MAX_PACKET_LEN, Packet, PacketBatch};

use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "InfiniteSource",
    ports: "0/1",
    processing: "a/a",
    source: include_str!("infinitesource.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets made"),
        HandlerSpec::write("reset", "zero count"),
        HandlerSpec::read_write("data", "packet contents"),
        HandlerSpec::read_write("limit", "packets to make; -1 is no limit"),
        HandlerSpec::read_write("burst", "packets per task run"),
        HandlerSpec::read_write("active", "whether to make packets"),
        HandlerSpec::read_write("length", "packet length"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Click's default InfiniteSource payload.
pub const DEFAULT_DATA: &[u8] =
    b"Random bullshit in a packet, at least 64 bytes long. Well, now it is.";

pub struct InfiniteSource {
    data: Vec<u8>,
    limit: i64,
    burst: usize,
    active: bool,
    stop: bool,
    timestamp: bool,
    count: u64,
    clock: Arc<dyn Clock>,
    /// Identifies the current DATA in buffers this source filled.
    tag: u64,
    /// `RandomSource`: fresh random bytes of DATA's length in every
    /// packet (the generator's state), instead of DATA.
    random: Option<u64>,
}

/// Pads with zeros or cuts `data` to `length`.
pub(crate) fn fit_length(mut data: Vec<u8>, length: Option<usize>) -> Vec<u8> {
    if let Some(len) = length {
        data.resize(len, 0);
    }
    data
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let data = args
        .read_p::<Bytes>("DATA")?
        .map_or_else(|| DEFAULT_DATA.to_vec(), |b| b.0);
    let limit = args.read_p::<i64>("LIMIT")?.unwrap_or(-1);
    let burst = args.read_p::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let length = match args.read::<usize>("LENGTH")? {
        Some(l) => Some(l),
        None => args.read::<usize>("DATASIZE")?,
    };
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let timestamp = args.read::<bool>("TIMESTAMP")?.unwrap_or(true);
    let data = fit_length(data, length);
    if data.len() > MAX_PACKET_LEN {
        return Err(ConfigError::msg(format!(
            "packet length {} exceeds the maximum {MAX_PACKET_LEN}",
            data.len()
        )));
    }
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    Ok(Box::new(InfiniteSource {
        data,
        limit,
        burst,
        active,
        stop,
        timestamp,
        count: 0,
        clock: cx.clock.clone(),
        tag: Packet::new_origin_tag(),
        random: None,
    }))
}

/// `RandomSource(LENGTH [, LIMIT, BURST, ACTIVE, keywords TIMESTAMP, STOP])`:
/// an InfiniteSource whose packets are random bytes.
pub(crate) fn make_random(
    args: &mut Args,
    cx: &BuildContext,
) -> Result<Box<dyn Element>, ConfigError> {
    let length = args.read_mp::<usize>("LENGTH")?;
    let limit = args.read_p::<i64>("LIMIT")?.unwrap_or(-1);
    let burst = args.read_p::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let timestamp = args.read::<bool>("TIMESTAMP")?.unwrap_or(true);
    if length > MAX_PACKET_LEN {
        return Err(ConfigError::msg(format!(
            "packet length {length} exceeds the maximum {MAX_PACKET_LEN}"
        )));
    }
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    Ok(Box::new(InfiniteSource {
        data: vec![0; length],
        limit,
        burst,
        active,
        stop,
        timestamp,
        count: 0,
        clock: cx.clock.clone(),
        tag: Packet::new_origin_tag(),
        random: Some(cx.clock.monotonic_ns() | 1),
    }))
}

impl InfiniteSource {
    /// Packets still to make before LIMIT, capped at `want`.
    fn allowance(&self, want: usize) -> usize {
        if self.limit < 0 {
            want
        } else {
            (self.limit as u64)
                .saturating_sub(self.count)
                .min(want as u64) as usize
        }
    }

    fn limit_reached(&self) -> bool {
        self.limit >= 0 && self.count >= self.limit as u64
    }

    /// Appends `n` new packets to `batch`.
    fn make_into(&mut self, n: usize, batch: &mut PacketBatch) {
        let stamp = if self.timestamp {
            self.clock.wall()
        } else {
            packet::Timestamp(0)
        };
        let (random, data, tag) = (&mut self.random, &mut self.data, self.tag);
        batch.alloc_with(n, |p| {
            if let Some(state) = random.as_mut() {
                for chunk in data.chunks_mut(8) {
                    *state ^= *state << 13;
                    *state ^= *state >> 7;
                    *state ^= *state << 17;
                    chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
                }
                let _ = p.reset_with(data);
            } else {
                // A recycled buffer that this source filled gets back only
                // the bytes written since (see `Packet::refill`). Lengths
                // were checked against MAX_PACKET_LEN when configured.
                let _ = p.refill(tag, data);
            }
            p.anno_mut().timestamp = stamp;
        });
        self.count += n as u64;
    }
}

impl Element for InfiniteSource {
    fn initialize(&mut self, cx: &mut engine::InitContext<'_>) -> Result<(), ConfigError> {
        if cx.output(0) == engine::Processing::Push {
            cx.schedule_task();
        }
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if !self.active {
            return TaskStatus::Idle(None);
        }
        let n = self.allowance(self.burst.min(MAX_BATCH));
        if n == 0 {
            if self.stop {
                cx.stop_router();
            }
            return TaskStatus::Done;
        }
        if let Some(batch) = out.batch(0) {
            self.make_into(n, batch);
        }
        if self.limit_reached() && self.stop {
            cx.stop_router();
        }
        TaskStatus::Worked
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        if !self.active {
            return;
        }
        let n = self.allowance(max);
        if n == 0 {
            if self.stop {
                cx.stop_router();
            }
            return;
        }
        self.make_into(n, into);
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "data" => Ok(String::from_utf8_lossy(&self.data).into_owned()),
            "limit" => Ok(self.limit.to_string()),
            "burst" => Ok(self.burst.to_string()),
            "active" => Ok(self.active.to_string()),
            "length" => Ok(self.data.len().to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => self.count = 0,
            "data" => {
                let bytes: Bytes = parse_handler_value(name, value)?;
                if bytes.0.len() > MAX_PACKET_LEN {
                    return Err(HandlerError::BadValue("data too long".into()));
                }
                self.data = bytes.0;
                self.tag = Packet::new_origin_tag();
            }
            "limit" => self.limit = parse_handler_value(name, value)?,
            "burst" => {
                let b: usize = parse_handler_value(name, value)?;
                self.burst = b.max(1);
            }
            "active" => self.active = parse_handler_value(name, value)?,
            "length" => {
                let l: usize = parse_handler_value(name, value)?;
                if l > MAX_PACKET_LEN {
                    return Err(HandlerError::BadValue("length too long".into()));
                }
                self.data.resize(l, 0);
                self.tag = Packet::new_origin_tag();
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
