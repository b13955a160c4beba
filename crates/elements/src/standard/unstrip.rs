//! Unstrip — puts bytes back on the front of each packet.
//!
//! ## Synopsis
//! `Unstrip(LENGTH)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Extends every packet by LENGTH bytes at the front, taken from its
//! headroom: after `Strip(LENGTH)` those are the bytes Strip removed. When
//! the headroom is too small, the packet's bytes are moved back within
//! their buffer to make room (header annotations follow them); the new
//! front bytes are then unspecified. A packet that cannot grow by LENGTH
//! within a buffer is dropped.
//!
//! ## Arguments
//! - `LENGTH` (integer, required): bytes to add.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! Click copies a packet into a bigger buffer when the headroom is short;
//! here the bytes move within the fixed-size buffer, and a packet that
//! would outgrow it is dropped (`too_long`).
//!
//! ## Example
//! ```text
//! Strip(14) -> CheckIPHeader -> Unstrip(14) -> Queue -> ToDevice(eth1);
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

use crate::standard::strip::read_length;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Unstrip",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("unstrip.rs"),
    drop_reasons: &["too_long"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const TOO_LONG: DropReason = DropReason(0);

pub struct Unstrip {
    length: usize,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let length = read_length(args)?;
    Ok(Simple::boxed(Unstrip { length }))
}

/// Moves the packet's bytes `by` bytes further into the buffer, shifting
/// its header annotations with them. `false` (and nothing changed) if the
/// tailroom is too small.
fn shift_back(p: &mut Packet, by: usize) -> bool {
    if p.tailroom() < by {
        return false;
    }
    let head = p.data_offset();
    let tail = head + p.len();
    // `put` zeroes the new tail bytes first; the copy then overwrites them.
    if p.put(by).is_err() {
        return false;
    }
    p.buffer_mut().copy_within(head..tail, head + by);
    if p.pull(by).is_err() {
        return false;
    }
    let anno = p.anno_mut();
    let moved = |at: Option<usize>| at.map(|a| a + by);
    let (mac, net, transport) = (
        moved(anno.mac_header()),
        moved(anno.network_header()),
        moved(anno.transport_header()),
    );
    anno.set_mac_header(mac);
    anno.set_network_header(net);
    anno.set_transport_header(transport);
    true
}

/// Adds `n` bytes at the front of `p`, moving its bytes back when the
/// headroom is short. `false` if the packet cannot grow that much.
pub(crate) fn push_front(p: &mut Packet, n: usize) -> bool {
    let headroom = p.headroom();
    if headroom < n && !shift_back(p, n - headroom) {
        return false;
    }
    p.push(n).is_ok()
}

impl SimpleAction for Unstrip {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if push_front(packet, self.length) {
            Verdict::Pass
        } else {
            Verdict::Drop(TOO_LONG)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::null::harness::Harness;
    use packet::{BUFFER_CAPACITY, DEFAULT_HEADROOM};

    #[test]
    fn restores_stripped_bytes() {
        let h = Harness::new("Idle -> s :: Strip(2) -> u :: Unstrip(2) -> c :: Collect;");
        h.inject("s", 0, &[b"\x01\x02\x03"]);
        assert_eq!(h.read("c.log"), "010203 p0\n");
    }

    #[test]
    fn moves_bytes_when_headroom_is_short() {
        let mut p = Packet::from_slice(b"abc").unwrap();
        p.set_network_header(1, 1);
        let n = DEFAULT_HEADROOM + 10;
        assert!(push_front(&mut p, n));
        assert_eq!(p.len(), n + 3);
        assert_eq!(p.headroom(), 0);
        assert_eq!(&p.data()[n..], b"abc");
        assert_eq!(p.network_header_data_offset(), Some(n as isize + 1));
        assert_eq!(p.transport_header().map(|t| t[0]), Some(b'c'));
    }

    #[test]
    fn drops_what_cannot_fit() {
        let mut p = Packet::from_slice(b"abc").unwrap();
        assert!(!push_front(&mut p, BUFFER_CAPACITY));
        assert_eq!(p.data(), b"abc");
        let h = Harness::new("Idle -> u :: Unstrip(9700) -> c :: Collect;");
        h.inject("u", 0, &[&[7; 100]]);
        assert_eq!(h.read("c.count"), "0");
        assert_eq!(h.drops("u"), vec![1]);
    }
}
