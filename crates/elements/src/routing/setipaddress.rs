//! SetIPAddress — sets the destination-IP annotation to a fixed address.
//!
//! ## Synopsis
//! `SetIPAddress(IPADDR [, keyword ANNO])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets every packet's destination-IP annotation (or the 4-byte
//! annotation ANNO names) to IPADDR (an address or an `AddressInfo`
//! name), e.g. the next hop before `ARPQuerier`.
//!
//! ## Arguments
//! - `IPADDR`: the address.
//! - `ANNO` (default the destination-IP annotation): a 4-byte annotation,
//!   by name or offset.
//!
//! ## Handlers
//! - `addr` (read/write): the address.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! SetIPAddress(10.0.0.254) -> ARPQuerier(10.0.0.1, 00:01:02:03:04:05);
//! ```

use std::net::Ipv4Addr;

use clickconf::args::{ArgValue, Args};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "SetIPAddress",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("setipaddress.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write("addr", "the address set")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct SetIPAddress {
    addr: Ipv4Addr,
    anno: usize,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let addr = args.read_mp::<Ipv4Addr>("IPADDR")?;
    let anno = args
        .read_with("ANNO", |t| {
            crate::standard::paint::parse_anno(t, 4).map_err(clickconf::args::ValueError::new)
        })?
        .unwrap_or(packet::anno::offset::DST_IP);
    Ok(Simple::boxed(SetIPAddress { addr, anno }))
}

impl SimpleAction for SetIPAddress {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        packet.anno_mut().set(self.anno, &self.addr.octets());
        Verdict::Pass
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "addr" => Ok(self.addr.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "addr" => {
                self.addr = Ipv4Addr::parse_arg(value.trim())
                    .map_err(|e| HandlerError::BadValue(e.message))?;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
