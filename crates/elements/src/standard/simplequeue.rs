//! SimpleQueue — stores packets pushed to it until they are pulled.
//!
//! ## Synopsis
//! `SimpleQueue([CAPACITY])`
//!
//! ## Ports
//! 1 input, push; 1 output, pull.
//!
//! ## Description
//! The same first-in first-out queue as `Queue` (see `yard doc Queue`); in
//! Click it differs from Queue only in lacking empty/full notification,
//! which this engine does not need.
//!
//! ## Arguments
//! - `CAPACITY` (integer, default 1000): the most packets held.
//!
//! ## Handlers
//! `length`, `highwater_length`, `capacity`, `drops`, `reset_counts`,
//! `reset`, as for Queue.
//!
//! ## Differences from Click
//! None known.
//!
//! ## Example
//! ```text
//! InfiniteSource(LIMIT 10) -> SimpleQueue(5) -> Unqueue -> Discard;
//! ```

use engine::ElementSpec;

pub const SPEC: ElementSpec = ElementSpec {
    class: "SimpleQueue",
    source: include_str!("simplequeue.rs"),
    ..super::queue::SPEC
};
