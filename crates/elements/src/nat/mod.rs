//! Network address and port translation: Click's rewriter family
//! (`IPRewriter`, `TCPRewriter`, `UDPRewriter`, `IPAddrRewriter`,
//! `IPAddrPairRewriter`, `ICMPPingRewriter`, `ICMPRewriter`), their named
//! patterns and mappers; and `TCPSeqRewriter`, an ISN randomiser of our
//! own.
//!
//! Key decision: every rewriter class is one element (`rewriter`) over one
//! flow table (`flow`) and one pattern language (`pattern`); the classes
//! differ in which packets they key and how.

pub mod flow;
pub mod icmppingrewriter;
pub mod icmprewriter;
pub mod ipaddrpairrewriter;
pub mod ipaddrrewriter;
pub mod iprewriter;
pub mod iprewriterpatterns;
pub mod pattern;
pub mod rewriter;
pub mod roundrobinipmapper;
pub mod symbolic;
pub mod tcprewriter;
pub mod tcpseqrewriter;
pub mod udprewriter;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        icmppingrewriter::SPEC,
        icmprewriter::SPEC,
        ipaddrpairrewriter::SPEC,
        ipaddrrewriter::SPEC,
        iprewriter::SPEC,
        iprewriterpatterns::SPEC,
        roundrobinipmapper::SPEC,
        tcprewriter::SPEC,
        tcpseqrewriter::SPEC,
        udprewriter::SPEC,
    ]
}
