//! GREEncap — prepends a GRE header (RFC 2784, with RFC 2890's key and
//! sequence number).
//!
//! ## Synopsis
//! `GREEncap(PROTOCOL [, keywords KEY, SEQUENCE, CHECKSUM])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Puts a GRE header in front of each packet: the checksum present bit
//! (CHECKSUM), key present (KEY given), sequence number present (SEQUENCE),
//! version 0, and PROTOCOL, the EtherType of what the packet is (0x0800
//! for IPv4, 0x86DD for IPv6, 0x6558 for Ethernet frames). Then come the
//! checksum over the GRE header and payload, the key, and a sequence
//! number counting from 0, as present. Put `IPEncap(gre, SRC, DST)` after
//! it for the delivery header. Packets without headroom are dropped
//! (reason `no_headroom`).
//!
//! ## Arguments
//! - `PROTOCOL`: the payload's EtherType.
//! - `KEY`: a 32-bit key. `SEQUENCE` (default false): number packets.
//! - `CHECKSUM` (default false): add the GRE checksum.
//!
//! ## Differences from Click
//! - Click 2.1 has no GRE element (its source has none); this one follows
//!   RFC 2784 and RFC 2890 with Click's argument conventions (PROTOCOL
//!   first, as EtherEncap's ETHERTYPE; keywords for the options).
//!
//! ## Example
//! ```text
//! ... -> GREEncap(0x0800, KEY 42) -> IPEncap(gre, 192.0.2.1, 198.51.100.7) -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "GREEncap",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("greencap.rs"),
    drop_reasons: &["no_headroom"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct GREEncap {
    protocol: u16,
    key: Option<u32>,
    sequence: Option<u32>,
    checksum: bool,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let protocol = args.read_mp::<u16>("PROTOCOL")?;
    let key = args.read::<u32>("KEY")?;
    let sequence = args.read::<bool>("SEQUENCE")?.unwrap_or(false);
    let checksum = args.read::<bool>("CHECKSUM")?.unwrap_or(false);
    Ok(Simple::boxed(GREEncap {
        protocol,
        key,
        sequence: sequence.then_some(0),
        checksum,
    }))
}

impl SimpleAction for GREEncap {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let len = 4
            + 4 * usize::from(self.checksum)
            + 4 * usize::from(self.key.is_some())
            + 4 * usize::from(self.sequence.is_some());
        if packet.push(len).is_err() {
            return Verdict::Drop(DropReason(0));
        }
        // The checksum covers the payload; without it only the header
        // changes.
        let d = if self.checksum {
            packet.data_mut()
        } else {
            packet.data_prefix_mut(len)
        };
        let mut flags = 0u16;
        if self.checksum {
            flags |= 0x8000;
        }
        if self.key.is_some() {
            flags |= 0x2000;
        }
        if self.sequence.is_some() {
            flags |= 0x1000;
        }
        d[0..2].copy_from_slice(&flags.to_be_bytes());
        d[2..4].copy_from_slice(&self.protocol.to_be_bytes());
        let mut at = 4;
        if self.checksum {
            d[4..8].fill(0);
            at += 4;
        }
        if let Some(k) = self.key {
            d[at..at + 4].copy_from_slice(&k.to_be_bytes());
            at += 4;
        }
        if let Some(s) = self.sequence.as_mut() {
            d[at..at + 4].copy_from_slice(&s.to_be_bytes());
            *s = s.wrapping_add(1);
        }
        if self.checksum {
            let c = packet::checksum::checksum(d);
            d[4..6].copy_from_slice(&c.to_be_bytes());
        }
        Verdict::Pass
    }
}
