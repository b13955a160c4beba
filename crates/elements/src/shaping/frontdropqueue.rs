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

    /// Pushes packets 0..5 (first byte = number) into a queue of 3, then
    /// lets them out; returns the numbers that came out, and the drops.
    fn survivors(class: &str) -> (Vec<u8>, String) {
        let reg = crate::registry();
        let text = format!(
            "Idle -> q :: {class}(3) -> Unqueue -> c :: Classifier(0/00, 0/01, 0/02, 0/03, 0/04);
             c[0] -> c0 :: Counter -> Discard; c[1] -> c1 :: Counter -> Discard;
             c[2] -> c2 :: Counter -> Discard; c[3] -> c3 :: Counter -> Discard;
             c[4] -> c4 :: Counter -> Discard;"
        );
        let r = engine::Router::from_text("t", &text, &reg).unwrap();
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        for i in 0..5u8 {
            b.push(Packet::from_slice(&[i; 20]).unwrap());
        }
        st.inject(q, 0, b);
        assert_eq!(r.read_handler("q.length").unwrap(), "3");
        st.step();
        let got = (0..5u8)
            .filter(|i| r.read_handler(&format!("c{i}.count")).unwrap() == "1")
            .collect();
        (got, r.read_handler("q.drops").unwrap())
    }

    #[test]
    fn the_oldest_packets_go_when_full() {
        assert_eq!(
            survivors("FrontDropQueue"),
            (vec![2, 3, 4], "2".to_string())
        );
        assert_eq!(survivors("Queue"), (vec![0, 1, 2], "2".to_string()));
    }
}
