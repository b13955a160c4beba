//! Click's standard elements: sources, sinks, counters, queues, schedulers,
//! switches and annotation tools.

pub mod averagecounter;
pub mod classifier;
pub mod counter;
pub mod discard;
pub mod idle;
pub mod infinitesource;
pub mod null;
pub mod paint;
pub mod paintswitch;
pub mod painttee;
pub mod print;
pub mod priosched;
pub mod pulltee;
pub mod queue;
pub mod randomsource;
pub mod ratedsource;
pub mod ratedunqueue;
pub mod roundrobinsched;
pub mod setpackettype;
pub mod settimestamp;
pub mod simplequeue;
pub mod storedata;
pub mod strip;
pub mod striptonetworkheader;
pub mod switch;
pub mod symbolic;
pub mod tee;
pub mod timedsource;
pub mod unqueue;
pub mod unstrip;
