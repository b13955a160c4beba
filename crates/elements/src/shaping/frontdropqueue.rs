//! FrontDropQueue — a queue that, when full, drops its oldest packet.
//!
//! ## Synopsis
//! `FrontDropQueue([CAPACITY])`
//!
//! ## Ports
//! 1 input, 1 output; push input, pull output.
//!
//! ## Description
//! Holds up to CAPACITY packets (default 1000) in arrival order, like
//! `Queue`; when a packet arrives at a full queue, the packet at the head
//! is dropped (reason `full`) to make room, so under overload the freshest
//! packets survive (better for loss-sensitive, delay-sensitive traffic and
//! for TCP's congestion signals). Handlers are those of `Queue`.
//!
//! ## Arguments
//! - `CAPACITY`: packets held at most.
//!
//! ## Handlers
//! - `length`, `highwater_length`, `drops` (read); `capacity`
//!   (read/write); `reset_counts`, `reset` (write).
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ... -> FrontDropQueue(200) -> ToDevice(eth0);
//! ```

use engine::ElementSpec;

pub const SPEC: ElementSpec = ElementSpec {
    class: "FrontDropQueue",
    source: include_str!("frontdropqueue.rs"),
    make: crate::standard::queue::make_front_drop,
    ..crate::standard::queue::SPEC
};

#[cfg(test)]
mod tests {
    use packet::{Packet, PacketBatch};

    #[test]
    fn the_oldest_packets_go_when_full() {
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "Idle -> q :: FrontDropQueue(3) -> Unqueue -> ToDump(/dev/null); Idle -> Discard",
            &reg,
        )
        .unwrap();
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        for i in 0..5u8 {
            b.push(Packet::from_slice(&[i; 20]).unwrap());
        }
        st.inject(q, 0, b);
        assert_eq!(r.read_handler("q.length").unwrap(), "3");
        assert_eq!(r.read_handler("q.drops").unwrap(), "2");
        let kept = r.stats(q);
        assert_eq!(kept.total_dropped(), 2);
    }
}
