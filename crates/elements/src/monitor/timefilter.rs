//! TimeFilter — passes packets whose timestamps fall in a time range.
//!
//! ## Synopsis
//! `TimeFilter([START, END, keywords START_AFTER, END_AFTER, START_DELAY, END_DELAY, INTERVAL, STOP, END_CALL])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! Packets whose timestamp annotation is at or after the start and before
//! the end leave on output 0; others leave on output 1 if it is
//! connected, else are dropped (reason `out_of_range`). The start is START
//! (seconds since the epoch), or START_AFTER seconds after the first
//! packet's timestamp, or START_DELAY seconds after the router starts;
//! likewise the end with END, END_AFTER, END_DELAY, or INTERVAL (seconds
//! after the start). With STOP true the router stops when a packet at or
//! past the end arrives; with END_CALL, a write handler is called instead
//! (once, until the end moves), with `$t` in its value replaced by that
//! packet's timestamp. When the call moves the end (this element's `end`,
//! `interval` or `extend_interval`), the packet is judged against the new
//! end, and the call repeats while the packet is still past it.
//!
//! ## Arguments
//! - `START`, `END`: absolute times.
//! - `START_AFTER`, `END_AFTER`, `START_DELAY`, `END_DELAY`, `INTERVAL`:
//!   relative times, as above (each side takes one form).
//! - `STOP` (default false): stop the router at the end.
//! - `END_CALL` (`HANDLER [VALUE]`): call this write handler at the end.
//!   At most one of STOP and END_CALL.
//!
//! ## Handlers
//! - `start`, `end` (read/write): the window's times (relative times read
//!   as their offsets until the first packet).
//! - `interval` (read): end minus start.
//! - `extend_interval` (write): move the end later by a time.
//!
//! ## Differences from Click
//! - END_CALL calls to another element's handler are made by the element's
//!   task right after the batch (the packet that reached the end is judged
//!   against the old end); calls to its own handlers happen at once, as in
//!   Click.
//! - Writing `end` sets the end (Click 2.1 registers `end`'s writer twice,
//!   so there writing `end` sets the interval).
//!
//! ## Example
//! ```text
//! FromDump(trace.pcap, STOP true) -> TimeFilter(START_AFTER 10, INTERVAL 60) -> ...
//! ```

use std::sync::Arc;

use clickconf::args::{ArgValue, Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, TaskContext, TaskStatus,
};
use packet::{PacketBatch, Timestamp};

pub const SPEC: ElementSpec = ElementSpec {
    class: "TimeFilter",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("timefilter.rs"),
    drop_reasons: &["out_of_range"],
    handlers: &[
        HandlerSpec::read_write("start", "start of the window"),
        HandlerSpec::read_write("end", "end of the window"),
        HandlerSpec::read("interval", "end minus start"),
        HandlerSpec::write("extend_interval", "move the end later"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Absolute,
    FirstPacket,
    Start,
    Init,
}

/// What happens at the end: stop the router, or call a handler.
enum AtEnd {
    Nothing,
    Stop,
    Call { handler: String, value: String },
}

struct TimeFilter {
    name: String,
    first: (u64, Anchor),
    last: Option<(u64, Anchor)>,
    ready: bool,
    at_end: AtEnd,
    /// The end action may run (reset when the end moves).
    end_ready: bool,
    stop_now: bool,
    /// END_CALL calls to other elements, for the task.
    pending: Vec<(String, String)>,
    reject: Option<usize>,
    clock: Arc<dyn Clock>,
}

fn ns(s: Seconds) -> u64 {
    u64::try_from(s.0.as_nanos()).unwrap_or(u64::MAX)
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let start = args.read_p::<Seconds>("START")?;
    let end = args.read_p::<Seconds>("END")?;
    let start_delay = args.read::<Seconds>("START_DELAY")?;
    let end_delay = args.read::<Seconds>("END_DELAY")?;
    let start_after = args.read::<Seconds>("START_AFTER")?;
    let end_after = args.read::<Seconds>("END_AFTER")?;
    let interval = args.read::<Seconds>("INTERVAL")?;
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let end_call = args.read::<String>("END_CALL")?;
    let first = match (start, start_after, start_delay) {
        (Some(s), None, None) => (ns(s), Anchor::Absolute),
        (None, Some(s), None) => (ns(s), Anchor::FirstPacket),
        (None, None, Some(s)) => (ns(s), Anchor::Init),
        (None, None, None) => (0, Anchor::FirstPacket),
        _ => {
            return Err(ConfigError::msg(
                "START, START_AFTER and START_DELAY are mutually exclusive",
            ));
        }
    };
    let last = match (end, end_after, end_delay, interval) {
        (Some(s), None, None, None) => Some((ns(s), Anchor::Absolute)),
        (None, Some(s), None, None) => Some((ns(s), Anchor::FirstPacket)),
        (None, None, Some(s), None) => Some((ns(s), Anchor::Init)),
        (None, None, None, Some(s)) => Some((ns(s), Anchor::Start)),
        (None, None, None, None) => None,
        _ => {
            return Err(ConfigError::msg(
                "END, END_AFTER, END_DELAY and INTERVAL are mutually exclusive",
            ));
        }
    };
    let at_end = match (stop, end_call) {
        (true, Some(_)) => {
            return Err(ConfigError::msg("END_CALL and STOP are mutually exclusive"));
        }
        (true, None) => AtEnd::Stop,
        (false, Some(text)) => {
            let text = text.trim();
            let (handler, value) = text
                .split_once(|c: char| c.is_ascii_whitespace())
                .map_or((text, ""), |(h, v)| (h, v.trim()));
            if !handler.contains('.') {
                return Err(ConfigError::msg(format!(
                    "END_CALL: '{handler}' is not a handler name 'ELEMENT.HANDLER'"
                )));
            }
            AtEnd::Call {
                handler: handler.to_string(),
                value: value.to_string(),
            }
        }
        (false, None) => AtEnd::Nothing,
    };
    Ok(Box::new(TimeFilter {
        name: cx.name.clone(),
        first,
        last,
        ready: false,
        end_ready: !matches!(at_end, AtEnd::Nothing),
        at_end,
        stop_now: false,
        pending: Vec::new(),
        reject: (cx.noutputs > 1).then_some(1),
        clock: cx.clock.clone(),
    }))
}

fn parse_time(name: &str, value: &str) -> Result<u64, HandlerError> {
    Seconds::parse_arg(value.trim())
        .map(ns)
        .map_err(|_| HandlerError::BadValue(format!("{name}: expected time")))
}

impl TimeFilter {
    /// Turns relative times into absolute ones at the first packet.
    fn settle(&mut self, first_packet: u64) {
        if self.first.1 == Anchor::FirstPacket {
            self.first = (self.first.0.saturating_add(first_packet), Anchor::Absolute);
        }
        if let Some((t, anchor)) = self.last {
            let t = match anchor {
                Anchor::FirstPacket => t.saturating_add(first_packet),
                Anchor::Start => t.saturating_add(self.first.0),
                _ => t,
            };
            self.last = Some((t, Anchor::Absolute));
        }
        self.ready = true;
    }

    fn end(&self) -> u64 {
        self.last.map_or(u64::MAX, |(t, _)| t)
    }

    /// The end action for a packet at `t`, past the end.
    fn reach_end(&mut self, t: u64) {
        loop {
            let before = self.end();
            self.end_ready = false;
            match &self.at_end {
                AtEnd::Nothing => return,
                AtEnd::Stop => {
                    self.stop_now = true;
                    return;
                }
                AtEnd::Call { handler, value } => {
                    let value = value
                        .replace("${t}", &Timestamp(t).to_string())
                        .replace("$t", &Timestamp(t).to_string());
                    let own = handler
                        .strip_prefix(self.name.as_str())
                        .and_then(|h| h.strip_prefix('.'))
                        .map(str::to_string);
                    match own {
                        Some(h) => {
                            if let Err(e) = self.write_handler(&h, &value) {
                                eprintln!("{}: END_CALL {h}: {e}", self.name);
                            }
                        }
                        None => {
                            self.pending.push((handler.clone(), value));
                            return;
                        }
                    }
                }
            }
            if t < self.end() || !self.end_ready || self.end() <= before {
                return;
            }
        }
    }
}

impl Element for TimeFilter {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        let now = self.clock.wall().0;
        if self.first.1 == Anchor::Init {
            self.first = (self.first.0.saturating_add(now), Anchor::Absolute);
        }
        if let Some((t, Anchor::Init)) = self.last {
            self.last = Some((t.saturating_add(now), Anchor::Absolute));
        }
        if !matches!(self.at_end, AtEnd::Nothing) {
            cx.schedule_task();
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            let t = p.anno().timestamp.0;
            if !self.ready {
                self.settle(t);
            }
            if t >= self.first.0 && t >= self.end() && self.end_ready {
                self.reach_end(t);
            }
            if t < self.first.0 || t >= self.end() {
                match self.reject {
                    Some(port) => out.emit(port, p),
                    None => out.drop(p, DropReason(0)),
                }
            } else {
                out.emit(0, p);
            }
        }
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, _out: &mut Output) -> TaskStatus {
        if self.stop_now {
            cx.stop_router();
            return TaskStatus::Done;
        }
        if self.pending.is_empty() {
            return TaskStatus::Idle(None);
        }
        for (h, v) in std::mem::take(&mut self.pending) {
            if let Err(e) = cx.handlers().write(&h, &v) {
                eprintln!("{}: END_CALL {h}: {e}", self.name);
            }
        }
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "start" => Timestamp(self.first.0).to_string(),
            "end" => match self.last {
                Some((t, _)) => Timestamp(t).to_string(),
                None => "-".to_string(),
            },
            "interval" => match self.last {
                Some((t, _)) => Timestamp(t.saturating_sub(self.first.0)).to_string(),
                None => "-".to_string(),
            },
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        let t = parse_time(name, value)?;
        match name {
            "start" => {
                if !self.ready {
                    self.settle(t);
                }
                self.first = (t, Anchor::Absolute);
            }
            "end" => {
                self.last = Some((t, Anchor::Absolute));
                self.end_ready = !matches!(self.at_end, AtEnd::Nothing);
            }
            "extend_interval" => {
                let end = self.last.map_or(u64::MAX, |(e, _)| e);
                self.last = Some((end.saturating_add(t), Anchor::Absolute));
                self.end_ready = !matches!(self.at_end, AtEnd::Nothing);
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn end_call_extends_the_window() {
        // Every time a packet passes the end, the window grows by 10 ms:
        // every packet of mixed.pcap (1 ms apart) passes.
        let reg = crate::registry();
        let cfg = format!(
            "FromDump({}/../../testdata/captures/mixed.pcap, STOP true) -> tf :: TimeFilter(INTERVAL 0.010, END_CALL tf.extend_interval 0.010) -> c :: Counter -> Discard; tf[1] -> r :: Counter -> Discard",
            env!("CARGO_MANIFEST_DIR")
        );
        let router = engine::Router::from_text("t", &cfg, &reg).unwrap();
        router.run(&engine::RunOptions { threads: 1 });
        assert_eq!(router.read_handler("c.count").unwrap(), "52");
        assert_eq!(router.read_handler("tf.interval").unwrap(), "0.060000");
    }

    #[test]
    fn end_call_to_another_element() {
        let reg = crate::registry();
        let cfg = format!(
            "FromDump({}/../../testdata/captures/mixed.pcap, STOP true) -> tf :: TimeFilter(INTERVAL 0.010, END_CALL c.reset_counts) -> c :: Counter -> Discard",
            env!("CARGO_MANIFEST_DIR")
        );
        let router = engine::Router::from_text("t", &cfg, &reg).unwrap();
        router.run(&engine::RunOptions { threads: 1 });
        // The ten packets counted were reset by the call.
        assert_eq!(router.read_handler("c.count").unwrap(), "0");
    }
}
