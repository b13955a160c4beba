//! Click's Ethernet elements: adding, rewriting and mirroring Ethernet
//! headers.
//!
//! Key decision: these elements touch only the 12 address bytes (and the
//! type for EtherEncap) through length-checked slices, in place in the
//! packet's buffer; a frame too short to hold the addresses is dropped
//! under a named reason instead of being read past its end.

pub mod etherencap;
pub mod ethermirror;
pub mod etherrewrite;
pub mod symbolic;

use clickconf::args::{ArgValue, EtherAddress};
use engine::HandlerError;

pub(crate) use packet::ether::HEADER_LEN as ETHER_HEADER;

/// An Ethernet address as Click's handlers print it: upper-case hex pairs
/// joined by dashes.
pub(crate) fn unparse_ether(a: &[u8; 6]) -> String {
    format!(
        "{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}",
        a[0], a[1], a[2], a[3], a[4], a[5]
    )
}

/// Parses a handler write of an Ethernet address, as the argument would be.
pub(crate) fn parse_ether(handler: &str, value: &str) -> Result<[u8; 6], HandlerError> {
    EtherAddress::parse_arg(value.trim())
        .map(|a| a.0)
        .map_err(|e| HandlerError::BadValue(format!("{handler}: {}", e.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ether_text_round_trips() {
        let a = [0xab, 0xcd, 0xef, 0, 1, 2];
        assert_eq!(unparse_ether(&a), "AB-CD-EF-00-01-02");
        assert_eq!(parse_ether("src", " AB-CD-EF-00-01-02\n").unwrap(), a);
        assert_eq!(parse_ether("src", "ab:cd:ef:0:1:2").unwrap(), a);
        assert!(parse_ether("src", "ab:cd").is_err());
    }
}
