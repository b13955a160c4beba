//! Print — prints a line about each packet: label, length, bytes.
//!
//! ## Synopsis
//! `Print([LABEL, MAXLENGTH, KEYWORDS])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Writes one line to standard error for every packet and passes the packet
//! on unchanged. The line is, in order: LABEL and `: ` (if LABEL is not
//! empty); the timestamp and `: ` (with TIMESTAMP); the packet length right
//! aligned in four columns; ` (hH tT)` with HEADROOM; ` | ` and the 48
//! annotation bytes in hex with PRINTANNO; and ` | ` followed by up to
//! MAXLENGTH bytes of data: in hex, a space after every four bytes, or as
//! text, a space before every eight characters and `.` for bytes outside
//! 32–126. Nothing follows the length when no data is printed. For example
//! `ok:   69 | 52616e64 6f6d2062`.
//!
//! ## Arguments
//! - `LABEL` (string, default empty): text to start the line with.
//! - `MAXLENGTH` (integer, default 24): most data bytes to print; negative
//!   prints the whole packet. `LENGTH` and `NBYTES` are old names for it.
//! - `CONTENTS` (`HEX`, `ASCII` or `NONE`, or a bool meaning HEX or NONE;
//!   default HEX): how to print the data.
//! - `TIMESTAMP` (bool, default false): print the packet's timestamp as
//!   seconds since 1970, with six decimals when it is a whole number of
//!   microseconds and nine otherwise.
//! - `PRINTANNO` (bool, default false): print the annotation bytes.
//! - `HEADROOM` (bool, default false): print headroom and tailroom.
//! - `ACTIVE` (bool, default true): whether to print at all.
//!
//! ## Handlers
//! - `active` (read/write): the ACTIVE argument.
//!
//! ## Differences from Click
//! HEADROOM prints Switchyard's headroom and tailroom, whose defaults
//! differ from Click's. The line goes to standard error through a
//! replaceable writer ([`Print::set_sink`]) so that tools and tests can
//! capture it. The `CPU` keyword of Click's kernel module is not offered.
//!
//! ## Example
//! ```text
//! FromDump(in.pcap) -> Print(in, 14) -> Discard;
//! ```

use std::fmt::Write as _;
use std::io::Write;

use clickconf::args::{ArgValue, Args};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use crate::standard::timedsource::click_timestamp;
use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Print",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("print.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write(
        "active",
        "whether lines are printed",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// How packet data is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contents {
    None,
    Hex,
    Ascii,
}

impl Contents {
    fn parse(word: &str) -> Option<Contents> {
        if let Ok(b) = bool::parse_arg(word) {
            return Some(if b { Contents::Hex } else { Contents::None });
        }
        match word.to_ascii_uppercase().as_str() {
            "NONE" => Some(Contents::None),
            "HEX" => Some(Contents::Hex),
            "ASCII" => Some(Contents::Ascii),
            _ => None,
        }
    }
}

pub struct Print {
    label: String,
    maxlength: i64,
    contents: Contents,
    timestamp: bool,
    print_anno: bool,
    headroom: bool,
    active: bool,
    /// The line being built, reused so printing does not allocate.
    line: String,
    sink: Box<dyn Write + Send>,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(Print::configure(args)?))
}

impl Print {
    /// Builds a Print from its arguments, printing to standard error.
    pub fn configure(args: &mut Args) -> Result<Print, ConfigError> {
        let label = args.read_p::<String>("LABEL")?.unwrap_or_default();
        let mut maxlength = args.read_p::<i64>("MAXLENGTH")?;
        if let Some(n) = args.read::<i64>("LENGTH")? {
            maxlength = Some(n);
        }
        if let Some(n) = args.read::<i64>("NBYTES")? {
            maxlength = Some(n);
        }
        let contents = match args.read::<String>("CONTENTS")? {
            None => Contents::Hex,
            Some(word) => Contents::parse(&word).ok_or_else(|| {
                ConfigError::msg(format!(
                    "bad contents value '{}'; should be 'NONE', 'HEX', or 'ASCII'",
                    word.to_ascii_uppercase()
                ))
            })?,
        };
        let timestamp = args.read::<bool>("TIMESTAMP")?.unwrap_or(false);
        let print_anno = args.read::<bool>("PRINTANNO")?.unwrap_or(false);
        let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
        let headroom = args.read::<bool>("HEADROOM")?.unwrap_or(false);
        Ok(Print {
            label,
            maxlength: maxlength.unwrap_or(24),
            contents,
            timestamp,
            print_anno,
            headroom,
            active,
            line: String::with_capacity(256),
            sink: Box::new(std::io::stderr()),
        })
    }

    /// Sends the lines to `sink` instead of standard error.
    pub fn set_sink(&mut self, sink: Box<dyn Write + Send>) {
        self.sink = sink;
    }

    /// Builds the line for `p` (without the newline) in `self.line`.
    fn format(&mut self, p: &Packet) {
        let line = &mut self.line;
        line.clear();
        let mut sep = "";
        if !self.label.is_empty() {
            line.push_str(&self.label);
            sep = ": ";
        }
        if self.timestamp {
            let _ = write!(line, "{sep}{}", click_timestamp(p.anno().timestamp));
            sep = ": ";
        }
        let _ = write!(line, "{sep}{:4}", p.len());
        if self.headroom {
            let _ = write!(line, " (h{} t{})", p.headroom(), p.tailroom());
        }
        if self.print_anno {
            line.push_str(" | ");
            for b in &p.anno().bytes {
                let _ = write!(line, "{b:02x}");
            }
        }
        let data = p.data();
        let shown = match self.contents {
            Contents::None => 0,
            _ if self.maxlength < 0 => data.len(),
            _ => data
                .len()
                .min(usize::try_from(self.maxlength).unwrap_or(usize::MAX)),
        };
        if shown == 0 {
            return;
        }
        line.push_str(" | ");
        let data = &data[..shown];
        match self.contents {
            Contents::Hex => {
                for (i, b) in data.iter().enumerate() {
                    if i > 0 && i % 4 == 0 {
                        line.push(' ');
                    }
                    let _ = write!(line, "{b:02x}");
                }
            }
            Contents::Ascii => {
                for (i, &b) in data.iter().enumerate() {
                    if i % 8 == 0 {
                        line.push(' ');
                    }
                    line.push(if (32..=126).contains(&b) {
                        b as char
                    } else {
                        '.'
                    });
                }
            }
            Contents::None => {}
        }
    }
}

impl SimpleAction for Print {
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if self.active {
            self.format(packet);
            self.line.push('\n');
            // A failing console must not stop the traffic.
            let _ = self.sink.write_all(self.line.as_bytes());
        }
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "active" => self.active = parse_handler_value(name, value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::standard::infinitesource::DEFAULT_DATA;
    use packet::Timestamp;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
        }
    }

    fn print(config: &str) -> (Print, Captured) {
        let mut args = Args::new(config);
        let mut p = Print::configure(&mut args).unwrap_or_else(|e| panic!("{config}: {e}"));
        args.complete().unwrap_or_else(|e| panic!("{config}: {e}"));
        let cap = Captured::default();
        p.set_sink(Box::new(cap.clone()));
        (p, cap)
    }

    fn line(config: &str, packet: &mut Packet) -> String {
        let (mut p, cap) = print(config);
        assert_eq!(p.action(packet), Verdict::Pass);
        cap.take()
    }

    // Expected lines below were printed by Click 2.1's userlevel driver for
    // the same configurations and packets.

    #[test]
    fn default_packet_formats_as_click() {
        let mut p = Packet::from_slice(DEFAULT_DATA).unwrap();
        let cases = [
            (
                "",
                "  69 | 52616e64 6f6d2062 756c6c73 68697420 696e2061 20706163\n",
            ),
            (
                "lab",
                "lab:   69 | 52616e64 6f6d2062 756c6c73 68697420 696e2061 20706163\n",
            ),
            ("\"two words\", 8", "two words:   69 | 52616e64 6f6d2062\n"),
            (
                "x, -1",
                "x:   69 | 52616e64 6f6d2062 756c6c73 68697420 696e2061 20706163 6b65742c \
                 20617420 6c656173 74203634 20627974 6573206c 6f6e672e 2057656c 6c2c206e \
                 6f772069 74206973 2e\n",
            ),
            (
                "y, CONTENTS ASCII, MAXLENGTH -1",
                "y:   69 |  Random b ullshit  in a pac ket, at  least 64  bytes l ong. Wel \
                 l, now i t is.\n",
            ),
            ("z, CONTENTS NONE", "z:   69\n"),
            ("CONTENTS false", "  69\n"),
            ("w, 5, CONTENTS true", "w:   69 | 52616e64 6f\n"),
            (
                "PRINTANNO true",
                "  69 | 000000000000000000000000000000000000000000000000000000000000000000000000\
                 000000000000000000000000 | 52616e64 6f6d2062 756c6c73 68697420 696e2061 20706163\n",
            ),
        ];
        for (config, want) in cases {
            assert_eq!(line(config, &mut p), want, "Print({config})");
        }
    }

    #[test]
    fn odd_bytes_timestamps_and_empty_packets() {
        let mut p =
            Packet::from_slice(&[0x00, 0x41, 0x7f, 0x80, 0x20, 0x7e, 0x1f, 0x42, 0x43]).unwrap();
        p.anno_mut().timestamp = Timestamp::new(1795337287, 958784553);
        let cases = [
            (
                "\"hello world\"",
                "hello world:    9 | 00417f80 207e1f42 43\n",
            ),
            ("\"\"", "   9 | 00417f80 207e1f42 43\n"),
            ("a, CONTENTS ascii", "a:    9 |  .A.. ~.B C\n"),
            (
                "TIMESTAMP true, LABEL t",
                "t: 1795337287.958784553:    9 | 00417f80 207e1f42 43\n",
            ),
            (
                "TIMESTAMP true",
                "1795337287.958784553:    9 | 00417f80 207e1f42 43\n",
            ),
            ("ts, 0", "ts:    9\n"),
            ("ts, 3, ACTIVE false", ""),
            ("n, NBYTES 2", "n:    9 | 0041\n"),
        ];
        for (config, want) in cases {
            assert_eq!(line(config, &mut p), want, "Print({config})");
        }
        let mut empty = Packet::from_slice(b"").unwrap();
        assert_eq!(line("empty", &mut empty), "empty:    0\n");
        assert_eq!(line("empty2, CONTENTS ASCII", &mut empty), "empty2:    0\n");
        let mut long = Packet::from_slice(&[0xab; 12345 % 9000]).unwrap();
        let want = format!(
            "3345 (h{} t{})\n",
            packet::DEFAULT_HEADROOM,
            long.tailroom()
        );
        assert_eq!(line("HEADROOM true, MAXLENGTH 0", &mut long), want);
    }

    #[test]
    fn timestamps_use_clicks_precision() {
        let mut p = Packet::from_slice(DEFAULT_DATA).unwrap();
        let cases = [
            (Timestamp::new(1000, 7_000), "", "1000.000007:   69\n"),
            (
                Timestamp::new(12, 500_000_000),
                "a, ",
                "a: 12.500000:   69\n",
            ),
            (Timestamp::new(3, 1), "b, ", "b: 3.000000001:   69\n"),
        ];
        for (ts, label, want) in cases {
            p.anno_mut().timestamp = ts;
            let config = format!("{label}TIMESTAMP true, CONTENTS NONE");
            assert_eq!(line(&config, &mut p), want, "Print({config})");
        }
    }

    #[test]
    fn bad_contents_is_an_error() {
        let mut args = Args::new("CONTENTS bogus");
        let err = Print::configure(&mut args).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("bad contents value 'BOGUS'; should be 'NONE', 'HEX', or 'ASCII'")
        );
    }

    #[test]
    fn active_handler() {
        let (mut p, cap) = print("x");
        p.write_handler("active", "false").unwrap();
        assert_eq!(p.read_handler("active").unwrap(), "false");
        let mut packet = Packet::from_slice(b"a").unwrap();
        p.action(&mut packet);
        assert_eq!(cap.take(), "");
        p.write_handler("active", "true").unwrap();
        p.action(&mut packet);
        assert_eq!(cap.take(), "x:    1 | 61\n");
        assert!(p.write_handler("active", "maybe").is_err());
    }
}
