//! GetIPAddress — sets the destination-IP annotation from the packet.
//!
//! ## Synopsis
//! `GetIPAddress(OFFSET)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Copies the 4 bytes at OFFSET from the start of the packet data into
//! the destination-IP annotation. OFFSET is usually 16: the destination
//! address of a packet that starts with its IP header.
//!
//! ## Arguments
//! - `OFFSET`: byte offset of the address.
//!
//! ## Differences from Click
//! - A packet too short to hold the address is dropped (reason
//!   `too_short`); Click reads past its end.
//! - Click's `IP src`/`IP dst` forms and the ANNO keyword are not
//!   supported.
//!
//! ## Example
//! ```text
//! Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> rt :: RadixIPLookup(...);
//! ```

use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "GetIPAddress",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("getipaddress.rs"),
    drop_reasons: &["too_short"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct GetIPAddress {
    offset: usize,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let offset = args.read_mp::<u16>("OFFSET")?;
    Ok(Simple::boxed(GetIPAddress {
        offset: usize::from(offset),
    }))
}

impl SimpleAction for GetIPAddress {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(b) = packet.data().get(self.offset..self.offset + 4) else {
            return Verdict::Drop(DropReason(0));
        };
        let a = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
        packet.anno_mut().set_dst_ip(a);
        Verdict::Pass
    }
}
