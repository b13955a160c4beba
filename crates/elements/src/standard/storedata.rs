//! StoreData — overwrites packet bytes at an offset.
//!
//! ## Synopsis
//! `StoreData(OFFSET, DATA [, MASK, KEYWORDS])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Writes DATA into every packet starting OFFSET bytes into it. A packet of
//! OFFSET bytes or fewer passes unchanged; otherwise DATA is cut at the
//! packet's end, unless GROW is set, in which case the packet is extended
//! (with zero bytes) to hold all of DATA. With MASK, only the bits set in
//! MASK are changed in the bytes it covers; bytes of DATA past the end of
//! MASK are stored whole.
//!
//! ## Arguments
//! - `OFFSET` (integer, required): where to start writing.
//! - `DATA` (string, required): the bytes to write, e.g. `\<ff 00>`.
//! - `MASK` (string, optional): which bits of DATA to write; no longer than
//!   DATA.
//! - `GROW` (bool, default false): extend packets too short for DATA.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! Click 2.1 takes only OFFSET and DATA; MASK and GROW come from later
//! Click versions (FastClick) and behave as there. A packet that GROW would
//! extend past the buffer size is dropped (`too_long`).
//!
//! ## Example
//! ```text
//! StoreData(12, \<86dd>) -> ...;                 // rewrite the EtherType
//! StoreData(1, \<fc>, MASK \<fc>) -> ...;        // set DSCP bits in an IPv4 TOS
//! ```

use clickconf::args::{Args, Bytes};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "StoreData",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("storedata.rs"),
    drop_reasons: &["too_long"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const TOO_LONG: DropReason = DropReason(0);

pub struct StoreData {
    offset: usize,
    /// DATA with the bits outside MASK cleared.
    data: Vec<u8>,
    mask: Vec<u8>,
    grow: bool,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let offset = args.read_mp::<u32>("OFFSET")?;
    let data = args.read_mp::<Bytes>("DATA")?.0;
    let mask = args
        .read_p::<Bytes>("MASK")?
        .map(|b| b.0)
        .unwrap_or_default();
    let grow = args.read::<bool>("GROW")?.unwrap_or(false);
    if mask.len() > data.len() {
        return Err(ConfigError::msg("MASK must be no longer than DATA"));
    }
    let mut data = data;
    for (d, m) in data.iter_mut().zip(&mask) {
        *d &= m;
    }
    Ok(Simple::boxed(StoreData {
        offset: offset as usize,
        data,
        mask,
        grow,
    }))
}

impl SimpleAction for StoreData {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let len = packet.len();
        if len <= self.offset {
            return Verdict::Pass;
        }
        let end = self.offset.saturating_add(self.data.len());
        if self.grow && end > len && packet.put(end - len).is_err() {
            return Verdict::Drop(TOO_LONG);
        }
        let Some(dst) = packet.data_mut().get_mut(self.offset..) else {
            return Verdict::Pass;
        };
        let n = dst.len().min(self.data.len());
        let (dst, data) = (&mut dst[..n], &self.data[..n]);
        if self.mask.is_empty() {
            dst.copy_from_slice(data);
        } else {
            for (i, (d, &v)) in dst.iter_mut().zip(data).enumerate() {
                *d = match self.mask.get(i) {
                    Some(&m) => (*d & !m) | v,
                    None => v,
                };
            }
        }
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    #[test]
    fn stores_within_the_packet() {
        let h = Harness::new("Idle -> s :: StoreData(1, \\<aa bb>) -> c :: Collect;");
        h.inject("s", 0, &[b"\x00\x00\x00\x00", b"\x00\x00", b"\x00", b""]);
        assert_eq!(h.read("c.log"), "00aabb00 p0\n00aa p0\n00 p0\n p0\n");
    }

    #[test]
    fn mask_changes_only_its_bits() {
        let h = Harness::new("Idle -> s :: StoreData(0, \\<ff ff 12>, \\<0f f0>) -> c :: Collect;");
        h.inject("s", 0, &[b"\x11\x22\x33\x44"]);
        assert_eq!(h.read("c.log"), "1ff21244 p0\n");
        assert!(Harness::try_new("Idle -> StoreData(0, \\<ff>, \\<ff ff>) -> Discard;").is_err());
    }

    #[test]
    fn grow_extends_short_packets() {
        let h = Harness::new("Idle -> s :: StoreData(1, \\<aa bb cc>, GROW true) -> c :: Collect;");
        h.inject("s", 0, &[b"\x00\x00", b"\x00"]);
        assert_eq!(h.read("c.log"), "00aabbcc p0\n00 p0\n");
        let h = Harness::new("Idle -> s :: StoreData(1, \\<aa>, GROW true) -> c :: Collect;");
        let mut big = packet::Packet::from_slice(&[0; 8]).unwrap();
        big.put(big.tailroom()).unwrap();
        let mut batch = packet::PacketBatch::new();
        batch.push(big);
        h.inject_batch("s", 0, batch);
        assert_eq!(
            h.read("c.count"),
            "1",
            "a full buffer that needs no growth passes"
        );
        let h = Harness::new("Idle -> s :: StoreData(1, \\<aa bb cc>, GROW true) -> c :: Collect;");
        let mut full = packet::Packet::from_slice(&[0; 2]).unwrap();
        let room = full.tailroom();
        full.put(room).unwrap();
        full.pull(room).unwrap();
        let mut batch = packet::PacketBatch::new();
        batch.push(full);
        h.inject_batch("s", 0, batch);
        assert_eq!(h.drops("s"), vec![1]);
        assert!(Harness::try_new("Idle -> StoreData(1) -> Discard;").is_err());
    }
}
