//! ToDump — writes packets to a pcap capture file.
//!
//! ## Synopsis
//! `ToDump(FILENAME [, SNAPLEN, ENCAP, KEYWORDS])`
//!
//! ## Ports
//! 1 input, agnostic; 0 or 1 outputs, agnostic.
//!
//! ## Description
//! Writes every packet it receives to FILENAME in the classic pcap format
//! (`tcpdump -w`), which `tcpdump -r`, Wireshark and FromDump read. If
//! ToDump has an output, packets leave through it after they are written;
//! otherwise they are consumed. As a pull element with no output, ToDump
//! runs a task that pulls up to BURST packets at a time.
//!
//! The file header is the one Click's ToDump writes, in the machine's byte
//! order: version 2.4, time zone 0, sigfigs 0, SNAPLEN and the link type of
//! ENCAP. Each packet is stamped with its timestamp annotation (the current
//! time if it has none); its wire length is its length plus its extra
//! length annotation. Writes are buffered and flushed when the router
//! stops. A write error is printed, kept in the `error` handler, and stops
//! further writing.
//!
//! ## Arguments
//! - `FILENAME` (string): the file, created or truncated when the router is
//!   initialized; `-` is standard output.
//! - `SNAPLEN` (integer, default 2000): most bytes written of each packet;
//!   0 is no limit.
//! - `ENCAP` (word, default `ETHER`): the link type recorded in the file:
//!   `ETHER`, `IP`, `SLL`, `NULL`, `FDDI`, `ATM`, `802_11`, `PPP`, … or
//!   `#N`.
//! - `EXTRA_LENGTH` (bool, default true): add the extra length annotation
//!   to each packet's recorded wire length.
//! - `NANO` (bool, default true): nanosecond timestamps (magic `a1b23c4d`)
//!   instead of microseconds.
//! - `UNBUFFERED` (bool, default false): flush after every batch.
//! - `BURST` (integer, default 256): most packets pulled per task run.
//!
//! ## Handlers
//! - `count` (read): packets written.
//! - `reset_counts` (write): zero `count`.
//! - `filename` (read): FILENAME (`<stdout>` for `-`).
//! - `error` (read): the write error that stopped writing, if any.
//!
//! Without an output, the packets ToDump frees are counted in its drop
//! statistics, as `written` or (after a write error) `not_written`.
//!
//! ## Differences from Click
//! - `USE_ENCAP_FROM` is not supported (give ENCAP); compressed output
//!   (`.gz`, `.bz2` names) is not, either: the file is written uncompressed.
//! - NANO defaults to true as in a Click built with nanosecond timestamps
//!   (the default where `clock_gettime` exists, as on Linux).
//! - Pulls up to BURST packets per task run (Click: one).
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> ToDump(eth0.pcap, SNAPLEN 96);
//! ```

use std::any::Any;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, Processing, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, Packet, PacketBatch, Timestamp};

use crate::io::pcap::{ByteOrder, PcapWriter, PcapWriterOptions, linktype, parse_link_type};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ToDump",
    ports: "1/0-1",
    processing: "a/a",
    source: include_str!("todump.rs"),
    drop_reasons: &["written", "not_written"],
    handlers: &[
        HandlerSpec::read("count", "packets written"),
        HandlerSpec::write("reset_counts", "zero count"),
        HandlerSpec::read("filename", "the file's name"),
        HandlerSpec::read("error", "the write error that stopped writing"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Packets a ToDump without an output frees after writing them: they leave
/// the router here, so they are counted (as Discard counts its packets).
const WRITTEN: DropReason = DropReason(0);
/// Packets freed without being written, after a write error.
const NOT_WRITTEN: DropReason = DropReason(1);

/// Bytes buffered before a write to the file.
const WRITE_BUFFER: usize = 1 << 16;

type Sink = BufWriter<Box<dyn Write + Send>>;

pub struct ToDump {
    name: String,
    filename: String,
    options: PcapWriterOptions,
    extra_length: bool,
    unbuffered: bool,
    burst: usize,
    has_output: bool,
    clock: Arc<dyn Clock>,
    writer: Option<PcapWriter<Sink>>,
    count: u64,
    error: Option<String>,
    scratch: PacketBatch,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let filename: String = args.read_mp("FILENAME")?;
    let snaplen = args.read_p::<u32>("SNAPLEN")?.unwrap_or(2000);
    let encap = args.read_p::<String>("ENCAP")?;
    let use_encap_from = args.read::<String>("USE_ENCAP_FROM")?;
    let extra_length = args.read::<bool>("EXTRA_LENGTH")?.unwrap_or(true);
    let unbuffered = args.read::<bool>("UNBUFFERED")?.unwrap_or(false);
    let nano = args.read::<bool>("NANO")?.unwrap_or(true);
    let burst = args.read::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    if use_encap_from.is_some() {
        return Err(ConfigError::msg(
            "USE_ENCAP_FROM is not supported; give ENCAP instead",
        ));
    }
    let link_type = match encap {
        None => linktype::ETHERNET,
        Some(word) => parse_link_type(&word)
            .ok_or_else(|| ConfigError::msg(format!("bad encapsulation type '{word}'")))?,
    };
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    Ok(Box::new(ToDump {
        name: cx.name.clone(),
        filename,
        options: PcapWriterOptions {
            nanosecond: nano,
            snaplen,
            link_type,
            byte_order: ByteOrder::Native,
        },
        extra_length,
        unbuffered,
        burst,
        has_output: cx.noutputs > 0,
        clock: cx.clock.clone(),
        writer: None,
        count: 0,
        error: None,
        scratch: PacketBatch::new(),
    }))
}

impl ToDump {
    fn display_name(&self) -> &str {
        if self.filename == "-" {
            "<stdout>"
        } else {
            &self.filename
        }
    }

    fn open(&mut self) -> Result<(), String> {
        let sink: Box<dyn Write + Send> = if self.filename == "-" {
            Box::new(io::stdout())
        } else {
            let file = std::fs::File::create(&self.filename)
                .map_err(|e| format!("{}: {e}", self.filename))?;
            Box::new(file)
        };
        let out = BufWriter::with_capacity(WRITE_BUFFER, sink);
        let writer = PcapWriter::new(out, self.options)
            .map_err(|e| format!("{}: unable to write file header: {e}", self.display_name()))?;
        self.writer = Some(writer);
        Ok(())
    }

    fn fail(&mut self, e: io::Error) {
        let msg = format!("{}: {e}", self.display_name());
        eprintln!("{} :: ToDump: {msg}", self.name);
        self.error = Some(msg);
        self.writer = None;
    }

    /// Writes `p`; `false` if it was not written (writing has stopped).
    fn write_packet(&mut self, p: &Packet) -> bool {
        let Some(w) = self.writer.as_mut() else {
            return false;
        };
        let anno = p.anno();
        let ts = if anno.timestamp == Timestamp(0) {
            self.clock.wall()
        } else {
            anno.timestamp
        };
        let extra = if self.extra_length {
            anno.get::<4>(packet::anno::offset::EXTRA_LENGTH)
                .map_or(0, u32::from_ne_bytes)
        } else {
            0
        };
        let orig_len = (p.len() as u32).saturating_add(extra);
        match w.write_packet(ts, p.data(), orig_len) {
            Ok(()) => {
                self.count += 1;
                true
            }
            Err(e) => {
                self.fail(e);
                false
            }
        }
    }

    /// Writes every packet of `packets`; returns how many were written.
    fn write_batch(&mut self, packets: &[Packet]) -> u64 {
        let mut written = 0;
        for p in packets {
            written += u64::from(self.write_packet(p));
        }
        if self.unbuffered
            && let Some(w) = self.writer.as_mut()
            && let Err(e) = w.flush()
        {
            self.fail(e);
        }
        written
    }

    /// Frees a batch that was offered for writing, counting it.
    fn consume(&mut self, batch: &mut PacketBatch, out: &mut Output) {
        let written = self.write_batch(batch.as_slice());
        out.count_drops(WRITTEN, written);
        out.count_drops(NOT_WRITTEN, batch.len() as u64 - written);
        batch.clear();
    }
}

impl Element for ToDump {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        self.open().map_err(ConfigError::msg)?;
        if cx.input(0) == Processing::Pull && cx.noutputs() == 0 {
            cx.schedule_task();
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        if self.has_output {
            self.write_batch(batch.as_slice());
            out.forward(0, batch);
        } else {
            self.consume(batch, out);
        }
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let before = into.len();
        cx.pull_input(0, max, into);
        let new = into.as_slice().get(before..).unwrap_or(&[]);
        for p in new {
            let _ = self.write_packet(p);
        }
        if self.unbuffered
            && let Some(w) = self.writer.as_mut()
            && let Err(e) = w.flush()
        {
            self.fail(e);
        }
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if self.writer.is_none() {
            return TaskStatus::Done;
        }
        cx.pull_input(0, self.burst.min(MAX_BATCH), &mut self.scratch);
        if self.scratch.is_empty() {
            return TaskStatus::Idle(None);
        }
        let mut batch = std::mem::take(&mut self.scratch);
        self.consume(&mut batch, out);
        self.scratch = batch;
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "filename" => self.display_name().to_string(),
            "error" => self.error.clone().unwrap_or_default(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => self.count = 0,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn finish(&mut self) {
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.flush()
        {
            self.fail(e);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::pcap::CaptureReader;
    use crate::standard::null::harness::Harness;

    fn temp_path(tag: &str) -> String {
        std::env::temp_dir()
            .join(format!("todump-{}-{tag}.pcap", std::process::id()))
            .display()
            .to_string()
    }

    fn records(path: &str) -> Vec<(Timestamp, u32, Vec<u8>)> {
        let mut r = CaptureReader::open(path).unwrap();
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push((rec.timestamp, rec.orig_len, rec.data.to_vec()));
        }
        out
    }

    #[test]
    fn unstamped_packets_get_the_clock_and_extra_length_counts() {
        let path = temp_path("stamp");
        let h = Harness::new(&format!(
            "Idle -> td :: ToDump({path}, ENCAP IP) -> c :: Collect;"
        ));
        let mut p = Packet::from_slice(&[0x45, 0, 0, 20]).unwrap();
        p.anno_mut()
            .set(packet::anno::offset::EXTRA_LENGTH, &6u32.to_ne_bytes());
        let mut batch = PacketBatch::new();
        batch.push(p);
        h.inject_batch("td", 0, batch);
        assert_eq!(h.read("c.count"), "1");
        assert_eq!(h.read("td.count"), "1");
        assert_eq!(h.read("td.filename"), path);
        h.router.finish();
        let recs = records(&path);
        assert_eq!(
            recs,
            vec![(Timestamp::new(1_000_000_000, 0), 10, vec![0x45, 0, 0, 20])]
        );
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(u32::from_ne_bytes(bytes[20..24].try_into().unwrap()), 101);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn pull_task_writes_what_it_pulls() {
        let path = temp_path("pull");
        let h = Harness::new(&format!(
            "Idle -> q :: Queue -> td :: ToDump({path}, BURST 2);"
        ));
        h.inject("q", 0, &[b"\x01", b"\x02", b"\x03"]);
        let mut st = h.router.stepper();
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(h.read("td.count"), "2");
        st.step();
        assert_eq!(h.read("td.count"), "3");
        assert_eq!(st.step(), TaskStatus::Idle(None));
        assert_eq!(h.drops("td"), vec![3, 0]);
        h.write("td.reset_counts", "").unwrap();
        assert_eq!(h.read("td.count"), "0");
        h.router.finish();
        assert_eq!(records(&path).len(), 3);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn configuration_errors() {
        let err = Harness::try_new("Idle -> ToDump(/nonexistent-dir/x/y.pcap);")
            .err()
            .unwrap();
        assert!(err.contains("/nonexistent-dir/x/y.pcap"), "{err}");
        let path = temp_path("errs");
        let err = Harness::try_new(&format!("Idle -> ToDump({path}, ENCAP WIFI);"))
            .err()
            .unwrap();
        assert!(err.contains("bad encapsulation type"), "{err}");
        let err = Harness::try_new(&format!("Idle -> ToDump({path}, USE_ENCAP_FROM x);"))
            .err()
            .unwrap();
        assert!(err.contains("USE_ENCAP_FROM"), "{err}");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn header_is_clicks() {
        let w = PcapWriter::new(
            Vec::new(),
            PcapWriterOptions {
                nanosecond: true,
                snaplen: 2000,
                link_type: linktype::ETHERNET,
                byte_order: ByteOrder::Little,
            },
        )
        .unwrap();
        let bytes = w.into_inner();
        assert_eq!(
            bytes,
            [
                0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd0, 0x07, 0, 0, 1, 0,
                0, 0
            ]
        );
    }

    #[test]
    fn snaplen_and_extra_length_reach_the_record() {
        let mut w = PcapWriter::new(
            Vec::new(),
            PcapWriterOptions {
                nanosecond: false,
                snaplen: 4,
                link_type: linktype::RAW,
                byte_order: ByteOrder::Big,
            },
        )
        .unwrap();
        w.write_packet(Timestamp::new(7, 8_000), &[1, 2, 3, 4, 5, 6], 10)
            .unwrap();
        let bytes = w.into_inner();
        let mut r = CaptureReader::new(&bytes[..], "mem").unwrap();
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!(rec.data, &[1, 2, 3, 4]);
        assert_eq!(rec.orig_len, 10);
        assert_eq!(rec.timestamp, Timestamp::new(7, 8_000));
        assert_eq!(rec.link_type, linktype::RAW);
    }
}
