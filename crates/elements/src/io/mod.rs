//! Click's I/O elements: reading and writing packet capture files and
//! network devices.

#[cfg(target_os = "linux")]
pub mod afpacket;
#[cfg(target_os = "linux")]
pub mod fromdevice;
pub mod fromdump;
pub mod pcap;
#[cfg(target_os = "linux")]
pub mod todevice;
pub mod todump;
