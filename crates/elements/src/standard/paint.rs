//! Paint — sets each packet's paint annotation.
//!
//! ## Synopsis
//! `Paint(COLOR [, ANNO])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets a one-byte annotation of every packet, by default PAINT, to COLOR.
//!
//! ## Arguments
//! - `COLOR` (integer 0–255, required): the value to store.
//! - `ANNO` (annotation, default `PAINT`): a one-byte annotation, by name
//!   (`PAINT`, `ICMP_PARAMPROB`, `FIX_IP_SRC`) or by byte offset (0–47).
//!
//! ## Handlers
//! - `color` (read/write): the COLOR argument.
//!
//! ## Differences from Click
//! None known.
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> Paint(1) -> ...;
//! ```

use clickconf::args::{Args, ValueError};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;
use packet::anno::{ANNO_SIZE, named_annotation, offset};

use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Paint",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("paint.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write("color", "the value painted")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Parses Click's annotation argument for a `size`-byte annotation: a name
/// whose size fits, or a byte offset that leaves room for `size` bytes.
pub(crate) fn parse_anno(text: &str, size: usize) -> Result<usize, String> {
    let text = text.trim();
    let (at, named_size) = match text.parse::<usize>() {
        Ok(at) => (at, None),
        Err(_) => match named_annotation(text) {
            Some((at, n)) => (at, Some(n)),
            None => return Err(format!("unknown annotation '{text}'")),
        },
    };
    if named_size.is_some_and(|n| n != size) {
        return Err(format!(
            "annotation '{text}' is not {size} byte{}",
            if size == 1 { "" } else { "s" }
        ));
    }
    if at.checked_add(size).is_none_or(|end| end > ANNO_SIZE) {
        return Err(format!("annotation offset {at} out of range"));
    }
    Ok(at)
}

/// Reads an optional positional ANNO argument for a one-byte annotation.
pub(crate) fn read_anno_byte(args: &mut Args) -> Result<usize, ConfigError> {
    let anno = args.read_p_with("ANNO", |text| parse_anno(text, 1).map_err(ValueError::new))?;
    Ok(anno.unwrap_or(offset::PAINT))
}

/// Reads the required COLOR argument.
pub(crate) fn read_color(args: &mut Args) -> Result<u8, ConfigError> {
    Ok(args.read_mp::<u8>("COLOR")?)
}

pub struct Paint {
    color: u8,
    anno: usize,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let color = read_color(args)?;
    let anno = read_anno_byte(args)?;
    Ok(Simple::boxed(Paint { color, anno }))
}

impl SimpleAction for Paint {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if let Some(b) = packet.anno_mut().bytes.get_mut(self.anno) {
            *b = self.color;
        }
        Verdict::Pass
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::null::harness::Harness;

    #[test]
    fn anno_argument() {
        assert_eq!(parse_anno("PAINT", 1), Ok(16));
        assert_eq!(parse_anno("FIX_IP_SRC", 1), Ok(19));
        assert_eq!(parse_anno("20", 1), Ok(20));
        assert_eq!(parse_anno("47", 1), Ok(47));
        assert!(parse_anno("48", 1).is_err());
        assert!(parse_anno("DST_IP", 1).is_err());
        assert_eq!(parse_anno("DST_IP", 4), Ok(0));
        assert!(parse_anno("NOPE", 1).is_err());
        assert!(parse_anno(&usize::MAX.to_string(), 1).is_err());
    }

    #[test]
    fn paints() {
        let h = Harness::new("Idle -> p :: Paint(7) -> c :: Collect;");
        h.inject("p", 0, &[b"\x01"]);
        assert_eq!(h.read("c.log"), "01 p7\n");
        assert_eq!(h.read("p.color"), "7");
        h.write("p.color", "200").unwrap();
        assert!(h.write("p.color", "256").is_err());
        h.inject("p", 0, &[b"\x01"]);
        assert_eq!(h.read("c.log"), "01 p7\n01 p200\n");
    }

    #[test]
    fn other_annotation() {
        let h =
            Harness::new("Idle -> p :: Paint(7, ANNO 17) -> q :: Paint(2, 16) -> c :: Collect;");
        h.inject("p", 0, &[b"\x01"]);
        assert_eq!(h.read("c.log"), "01 p2\n");
        assert!(Harness::try_new("Idle -> Paint(300) -> Discard;").is_err());
        assert!(Harness::try_new("Idle -> Paint() -> Discard;").is_err());
        assert!(Harness::try_new("Idle -> Paint(1, ANNO VLAN_TCI) -> Discard;").is_err());
    }
}
