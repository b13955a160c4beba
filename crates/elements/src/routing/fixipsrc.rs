//! FixIPSrc — sets the source address of packets marked by ICMPError.
//!
//! ## Synopsis
//! `FixIPSrc(IPADDR)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! A packet whose fix-IP-source annotation is set (`ICMPError` sets it on
//! the errors it makes) gets IPADDR as its source address, its IP
//! checksum recomputed, and the annotation cleared; so an ICMP error
//! leaves with the address of the interface it leaves by (RFC 1812
//! section 4.3.2.4). Other packets pass unchanged. The packet's network
//! header annotation must be set.
//!
//! ## Arguments
//! - `IPADDR`: the interface's address.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ... -> FixIPSrc(10.0.0.1) -> DecIPTTL -> ...
//! ```

use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;
use packet::anno::offset::FIX_IP_SRC;
use packet::ipv4::Ipv4Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "FixIPSrc",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("fixipsrc.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct FixIPSrc {
    addr: Ipv4Addr,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let addr = args.read_mp::<Ipv4Addr>("IPADDR")?;
    Ok(Simple::boxed(FixIPSrc { addr }))
}

impl SimpleAction for FixIPSrc {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if packet.anno().get::<1>(FIX_IP_SRC) != Some([1]) {
            return Verdict::Pass;
        }
        packet.anno_mut().set(FIX_IP_SRC, &[0]);
        let header_len = packet.ip_header_len().unwrap_or(0);
        if let Some(h) = packet.network_header_prefix_mut(header_len)
            && let Ok(mut ip) = Ipv4Packet::new_checked_header(h)
        {
            ip.set_src_addr(self.addr);
            ip.fill_checksum();
        }
        Verdict::Pass
    }
}
