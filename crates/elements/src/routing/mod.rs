//! IPv4 routing: route lookup, ARP, ICMP errors and echo, IP options and
//! fragmentation, and the small elements of Click's IP router.
//!
//! Key decision: every route-lookup class shares one table (`table`), so
//! they differ only in name and in whether routes may change while
//! running; ARP frames are read and written in one place (`arp`).

pub mod arp;
pub mod arpquerier;
pub mod arpresponder;
pub mod checkpaint;
pub mod directiplookup;
pub mod dropbroadcasts;
pub mod fixipsrc;
pub mod getipaddress;
pub mod icmperror;
pub mod icmppingresponder;
pub mod ipfragmenter;
pub mod ipgwoptions;
pub mod ipmirror;
pub mod ipreassembler;
pub mod lineariplookup;
pub mod lookupiproute;
pub mod lpm;
pub mod radixiplookup;
pub mod setipaddress;
pub mod staticiplookup;
pub mod symbolic;
pub mod table;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        arpquerier::SPEC,
        arpresponder::SPEC,
        checkpaint::SPEC,
        directiplookup::SPEC,
        dropbroadcasts::SPEC,
        fixipsrc::SPEC,
        getipaddress::SPEC,
        icmperror::SPEC,
        icmppingresponder::SPEC,
        ipfragmenter::SPEC,
        ipgwoptions::SPEC,
        ipmirror::SPEC,
        ipreassembler::SPEC,
        lineariplookup::SPEC,
        lookupiproute::SPEC,
        radixiplookup::SPEC,
        setipaddress::SPEC,
        staticiplookup::SPEC,
    ]
}
