//! Click's argument grammar on arbitrary text: splitting, words, unquoting,
//! every value type and the `Args` reader must never panic, and reported
//! byte ranges must lie inside the configuration string.
#![no_main]

use clickconf::args::{self, Args, ArgValue};
use libfuzzer_sys::fuzz_target;
use std::net::{Ipv4Addr, Ipv6Addr};

fn values(text: &str) {
    let _ = bool::parse_arg(text);
    let _ = u8::parse_arg(text);
    let _ = u16::parse_arg(text);
    let _ = u32::parse_arg(text);
    let _ = u64::parse_arg(text);
    let _ = usize::parse_arg(text);
    let _ = i32::parse_arg(text);
    let _ = i64::parse_arg(text);
    let _ = f64::parse_arg(text);
    let _ = String::parse_arg(text);
    let _ = Ipv4Addr::parse_arg(text);
    let _ = Ipv6Addr::parse_arg(text);
    let _ = args::EtherAddress::parse_arg(text);
    let _ = args::IpPrefix::parse_arg(text);
    let _ = args::Seconds::parse_arg(text);
    let _ = args::Bandwidth::parse_arg(text);
    let _ = args::Bytes::parse_arg(text);
}

fuzz_target!(|data: &[u8]| {
    let Ok(config) = std::str::from_utf8(data) else {
        return;
    };
    for a in args::split_args(config) {
        assert!(a.offset + a.len <= config.len());
        let _ = args::split_words(&a.text);
        let _ = args::unquote(&a.text);
        values(&a.text);
    }
    let _ = args::unquote(config);
    if let Ok(bytes) = args::unquote(config) {
        // Quoting then unquoting gives the bytes back.
        assert_eq!(args::unquote(&args::quote(&bytes)).ok(), Some(bytes));
    }
    let mut a = Args::new(config);
    let check = |r: &Result<(), args::ArgError>| {
        if let Err(e) = r {
            assert!(e.offset + e.len <= config.len(), "{e:?}");
        }
    };
    check(&a.read_mp::<u32>("A").map(|_| ()));
    check(&a.read_p::<args::Seconds>("B").map(|_| ()));
    check(&a.read::<bool>("ACTIVE").map(|_| ()));
    check(&a.read_all::<String>("X").map(|_| ()));
    let _ = a.rest();
    check(&a.complete());
});
