//! ToDevice — sends packets on a Linux network device.
//!
//! ## Synopsis
//! `ToDevice(DEVNAME [, KEYWORDS])`
//!
//! ## Ports
//! 1 input, pull or push (agnostic); 0 to 2 outputs, push.
//!
//! ## Description
//! Sends packets out of the network device DEVNAME, through an AF_PACKET
//! socket, one `sendmmsg` system call per burst. Packets must already carry
//! their link-level header (for Ethernet devices, the Ethernet header).
//!
//! When its input is pull, ToDevice runs a task that pulls up to BURST
//! packets per run and sends them; when nothing was pulled it looks again
//! after about 50 µs. When its input is push, each batch is sent as it
//! arrives.
//!
//! A packet longer than the device takes (its MTU plus the link header, four
//! bytes more with a VLAN tag) is not sent and counted as `too_big`; a packet
//! the kernel refuses is counted as `send_error`. If the kernel's send buffer
//! is full, the packets not sent wait in ToDevice and are sent first on the
//! next run; a push input arriving while 512 packets wait is dropped as
//! `backlog_full`.
//!
//! Packets sent go to output 0 if it is connected; packets not sent (for any
//! reason above) go to output 1 if it is connected. Unconnected, they are
//! freed (sent) or dropped and counted (not sent).
//!
//! ## Arguments
//! - `DEVNAME` (string): the device, e.g. `eth1`.
//! - `BURST` (integer, default 256, at most 256): most packets pulled per
//!   task run.
//! - `METHOD` (word, default LINUX): `LINUX`, `PCAP` or `AF_PACKET`; all
//!   mean an AF_PACKET socket here.
//! - `DEBUG` (bool, default false): accepted, no effect.
//!
//! ## Handlers
//! - `count` (read): packets sent.
//! - `drops` (read): packets not sent (`too_big`, `send_error` and
//!   `backlog_full` together).
//! - `reset_counts` (write): zero `count` and `drops`.
//! - `mtu` (read): the device's MTU, read when the router was initialized.
//!
//! ## Differences from Click
//! - Always an AF_PACKET socket, whatever METHOD says.
//! - The input may also be push (Click's is pull only).
//! - BURST defaults to 256 (Click: 1); `count` and `drops` are added; Click's
//!   `pulls`, `signal` and `q` handlers are absent.
//! - Oversized packets are counted and dropped here rather than left to the
//!   kernel to refuse.
//! - The device is opened when the router is initialized, so a missing
//!   device or missing CAP_NET_RAW is an error naming the device then.
//!
//! ## Example
//! ```text
//! FromDevice(veth0) -> Queue -> ToDevice(veth1);
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, PacketBatch};

use super::afpacket::Transmitter;
use super::fromdevice::{IDLE_POLL_NS, parse_devname, parse_method};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ToDevice",
    ports: "1/0-2",
    processing: "a/h",
    source: include_str!("todevice.rs"),
    drop_reasons: &["too_big", "send_error", "backlog_full"],
    handlers: &[
        HandlerSpec::read("count", "packets sent"),
        HandlerSpec::read("drops", "packets not sent"),
        HandlerSpec::write("reset_counts", "zero count and drops"),
        HandlerSpec::read("mtu", "the device's MTU"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const TOO_BIG: DropReason = DropReason(0);
const SEND_ERROR: DropReason = DropReason(1);
const BACKLOG_FULL: DropReason = DropReason(2);

/// Most packets waiting for the kernel's send buffer to drain.
const MAX_PENDING: usize = 2 * MAX_BATCH;

pub struct ToDevice {
    devname: String,
    burst: usize,
    has_output0: bool,
    has_output1: bool,
    tx: Option<Transmitter>,
    /// Packets accepted but not yet handed to the kernel, in order.
    pending: PacketBatch,
    /// Packets just pulled, before the size check.
    incoming: PacketBatch,
    /// The pending packets not yet sent, while the sent ones are released.
    rest: PacketBatch,
    /// Positions in `pending` the kernel refused during one flush.
    failed: Vec<usize>,
    count: u64,
    drops: u64,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let devname = args.read_mp_with("DEVNAME", parse_devname)?;
    args.read_with("METHOD", parse_method)?;
    let _debug = args.read::<bool>("DEBUG")?;
    let burst = args.read::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    Ok(Box::new(ToDevice {
        devname,
        burst: burst.min(MAX_BATCH),
        has_output0: cx.noutputs > 0,
        has_output1: cx.noutputs > 1,
        tx: None,
        pending: PacketBatch::new(),
        incoming: PacketBatch::new(),
        rest: PacketBatch::new(),
        failed: Vec::with_capacity(MAX_PENDING),
        count: 0,
        drops: 0,
    }))
}

impl ToDevice {
    /// The open transmitter, once initialized (for tests and tools).
    pub fn transmitter(&self) -> Option<&Transmitter> {
        self.tx.as_ref()
    }

    /// Moves packets from `batch` to `pending`, setting aside those too big
    /// for the device and those beyond the backlog limit.
    fn accept(&mut self, batch: &mut PacketBatch, out: &mut Output) {
        let Some(tx) = &self.tx else {
            batch.clear();
            return;
        };
        for p in batch.drain() {
            let reason = if p.len() > tx.max_frame_len(p.data()) {
                TOO_BIG
            } else if self.pending.len() >= MAX_PENDING {
                BACKLOG_FULL
            } else {
                self.pending.push(p);
                continue;
            };
            self.drops += 1;
            if self.has_output1 {
                out.emit(1, p);
            } else {
                out.drop(p, reason);
            }
        }
    }

    /// Sends what is pending; returns how many packets left `pending` (sent
    /// or refused). Packets the kernel has no room for stay pending.
    fn flush(&mut self, out: &mut Output) -> usize {
        let Some(tx) = &mut self.tx else {
            return 0;
        };
        self.failed.clear();
        let mut done = 0;
        while done < self.pending.len() {
            let outcome = tx.send(self.pending.as_slice()[done..].iter().map(|p| p.data()));
            done += outcome.sent;
            self.count += outcome.sent as u64;
            if outcome.error.is_none() {
                continue;
            }
            if outcome.would_block() {
                break;
            }
            // The kernel refused the packet at `done` (device down, or a
            // transient shortage that dropped it): count it and go on.
            self.failed.push(done);
            self.drops += 1;
            done += 1;
        }
        if done == 0 {
            return 0;
        }
        self.pending.split_off_into(done, &mut self.rest);
        if self.has_output0 || (self.has_output1 && !self.failed.is_empty()) {
            let mut failed = self.failed.iter().copied().peekable();
            for (i, p) in self.pending.drain().enumerate() {
                if failed.next_if_eq(&i).is_some() {
                    if self.has_output1 {
                        out.emit(1, p);
                    } else {
                        out.drop(p, SEND_ERROR);
                    }
                } else if self.has_output0 {
                    out.emit(0, p);
                }
            }
        } else {
            out.count_drops(SEND_ERROR, self.failed.len() as u64);
            self.pending.clear();
        }
        std::mem::swap(&mut self.pending, &mut self.rest);
        done
    }

    fn retry_at(cx: &TaskContext<'_>) -> TaskStatus {
        TaskStatus::Idle(Some(cx.clock().monotonic_ns() + IDLE_POLL_NS))
    }
}

impl Element for ToDevice {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        let tx = Transmitter::open(&self.devname).map_err(|e| ConfigError::msg(e.to_string()))?;
        self.tx = Some(tx);
        // In push mode the task only sends what the kernel had no room for.
        cx.schedule_task();
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        if !self.pending.is_empty() {
            self.flush(out);
        }
        self.accept(batch, out);
        self.flush(out);
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if self.tx.is_none() {
            return TaskStatus::Done;
        }
        let mut moved = 0;
        if !self.pending.is_empty() {
            moved += self.flush(out);
            if !self.pending.is_empty() {
                // Still no room in the kernel: wait a little.
                return if moved > 0 {
                    TaskStatus::Worked
                } else {
                    ToDevice::retry_at(cx)
                };
            }
        }
        cx.pull_input(0, self.burst, &mut self.incoming);
        if !self.incoming.is_empty() {
            let mut incoming = std::mem::take(&mut self.incoming);
            let n = incoming.len();
            self.accept(&mut incoming, out);
            self.incoming = incoming;
            self.flush(out);
            moved += n;
        }
        if moved > 0 {
            TaskStatus::Worked
        } else {
            ToDevice::retry_at(cx)
        }
    }

    fn held(&self) -> usize {
        self.pending.len()
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "drops" => Ok(self.drops.to_string()),
            "mtu" => Ok(self
                .tx
                .as_ref()
                .map_or_else(|| "??".to_string(), |tx| tx.mtu().to_string())),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
                self.drops = 0;
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn finish(&mut self) {
        // One last try for what waits, then release the device.
        if let Some(tx) = &mut self.tx {
            let outcome = tx.send(self.pending.iter().map(|p| p.data()));
            self.count += outcome.sent as u64;
            self.drops += (self.pending.len() - outcome.sent) as u64;
        }
        self.pending.clear();
        self.tx = None;
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let cx = BuildContext::standalone("td", 1, 0);
        let build = |config: &str| {
            let mut args = Args::new(config);
            make(&mut args, &cx).and_then(|e| args.complete().map(|()| e).map_err(Into::into))
        };
        assert!(build("eth1").is_ok());
        assert!(build("eth1, BURST 32, METHOD LINUX, DEBUG false").is_ok());
        let err = |config: &str| {
            build(config)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err("").contains("DEVNAME"));
        assert!(err("eth1, BURST 0").contains("BURST"));
        assert!(err("eth1, PROMISC true").contains("unknown argument"));
    }
}
