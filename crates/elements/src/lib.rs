//! The element library, grouped like Click's: `standard`, `ethernet`, `ip`,
//! `io`. One element per file, named as in configurations.
//!
//! Key decision: the library is assembled by [`registry`], an explicit list
//! of every element's spec, so what a binary supports is visible in one
//! place and nothing registers itself behind the reader's back.

pub mod balance;
pub mod classify;
pub mod driver;
pub mod ethernet;
pub mod io;
pub mod ip;
pub mod monitor;
pub mod nat;
pub mod routing;
pub mod shaping;
pub mod standard;
pub mod symbolic;
pub mod tunnel;
pub mod util;

use engine::{ElementSpec, Registry};

/// Every element class in the library.
pub fn specs() -> Vec<ElementSpec> {
    let mut specs = core_specs();
    for group in [
        classify::specs(),
        nat::specs(),
        routing::specs(),
        balance::specs(),
        shaping::specs(),
        tunnel::specs(),
        monitor::specs(),
        driver::specs(),
    ] {
        specs.extend(group);
    }
    specs
}

/// The classes of the first groups: standard, I/O, Ethernet and IP basics.
fn core_specs() -> Vec<ElementSpec> {
    vec![
        standard::averagecounter::SPEC,
        standard::classifier::SPEC,
        standard::counter::SPEC,
        standard::discard::SPEC,
        standard::idle::SPEC,
        standard::infinitesource::SPEC,
        standard::null::SPEC,
        standard::paint::SPEC,
        standard::paintswitch::SPEC,
        standard::painttee::SPEC,
        standard::print::SPEC,
        standard::priosched::SPEC,
        standard::pulltee::SPEC,
        standard::queue::SPEC,
        standard::randomsource::SPEC,
        standard::ratedsource::SPEC,
        standard::ratedunqueue::SPEC,
        standard::roundrobinsched::SPEC,
        standard::setpackettype::SPEC,
        standard::settimestamp::SPEC,
        standard::simplequeue::SPEC,
        standard::storedata::SPEC,
        standard::strip::SPEC,
        standard::striptonetworkheader::SPEC,
        standard::switch::SPEC,
        standard::tee::SPEC,
        standard::timedsource::SPEC,
        standard::unqueue::SPEC,
        standard::unstrip::SPEC,
        #[cfg(target_os = "linux")]
        io::fromdevice::SPEC,
        #[cfg(target_os = "linux")]
        io::todevice::SPEC,
        io::fromdump::SPEC,
        io::todump::SPEC,
        ethernet::etherencap::SPEC,
        ethernet::ethermirror::SPEC,
        ethernet::etherrewrite::SPEC,
        ip::checkipheader::SPEC,
        ip::decipttl::SPEC,
        ip::markipheader::SPEC,
    ]
}

/// A registry holding every element class in the library.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    for spec in specs() {
        if let Err(e) = registry.add(spec) {
            // A malformed declaration is a bug in this crate, caught by the
            // test below; skip the class rather than abort a running program.
            eprintln!("element class {}: {e}", spec.class);
        }
    }
    registry
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_declaration_parses_and_has_a_doc_header() {
        for spec in super::specs() {
            let mut r = engine::Registry::new();
            r.add(spec)
                .unwrap_or_else(|e| panic!("{}: {e}", spec.class));
            let doc = spec.doc();
            assert!(
                doc.starts_with(&format!("{} — ", spec.class)),
                "{}: doc header must start with the class name",
                spec.class
            );
            for section in [
                "## Synopsis",
                "## Ports",
                "## Description",
                "## Differences from Click",
                "## Example",
            ] {
                assert!(
                    doc.contains(section),
                    "{}: doc header lacks {section}",
                    spec.class
                );
            }
        }
    }
}
