//! The deterministic core of `yard tracebox`: find and locate the
//! middleboxes that modify packets on a path, compatible with the public
//! tracebox tool (v0.4.4).
//!
//! A probe is described as a list of values ([`probe::Probe`]), built to
//! bytes, sent with increasing TTL by a front end (sockets live elsewhere),
//! and each reply is parsed ([`reply`]), matched to its probe, and diffed
//! against it ([`diff`]). [`output`] prints the public tool's text and JSON,
//! and [`explain`] turns raw differences into named middleboxes;
//! [`trace::analyse_hop`] is the one per-reply action front ends call.
//!
//! Key decision: both sides of the diff go through the same dissector
//! ([`dissect`]), which turns bytes into generic named layers and fields
//! with the public tool's names. The diff therefore never knows protocols;
//! the probe and the quote are compared exactly as they are on the wire,
//! so a builder bug cannot hide a modification. No I/O, clock or randomness
//! here: random IDs, ports and times are inputs (STYLE rule 7).

pub mod diff;
pub mod dissect;
pub mod explain;
pub mod output;
pub mod probe;
pub mod reply;
pub mod trace;
