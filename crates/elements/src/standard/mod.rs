//! Click's standard elements: sources, sinks, counters, queues, schedulers,
//! switches and annotation tools.

pub mod counter;
pub mod discard;
pub mod infinitesource;
pub mod queue;
pub mod simplequeue;
pub mod unqueue;
