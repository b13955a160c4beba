//! Tunnels and encapsulation (IP-in-IP, GRE, UDP, VLAN) and the fast packet
//! sources used by tests and benchmarks (`FastUDPFlows`, `FastTCPFlows`,
//! `FastUDPSource`), with `SetRandIPAddress` and `StoreIPAddress` to spread
//! their traffic over many destinations.

pub mod ethervlanencap;
pub mod fasttcpflows;
pub mod fastudpflows;
pub mod fastudpsource;
pub mod gredecap;
pub mod greencap;
pub mod ipencap;
pub mod setrandipaddress;
pub mod storeipaddress;
pub mod stripipheader;
pub mod symbolic;
pub mod udpipencap;
pub mod vlandecap;
pub mod vlanencap;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        ethervlanencap::SPEC,
        fasttcpflows::SPEC,
        fastudpflows::SPEC,
        fastudpsource::SPEC,
        gredecap::SPEC,
        greencap::SPEC,
        ipencap::SPEC,
        setrandipaddress::SPEC,
        storeipaddress::SPEC,
        stripipheader::SPEC,
        udpipencap::SPEC,
        vlandecap::SPEC,
        vlanencap::SPEC,
    ]
}

/// Reads Click's VLAN arguments (`VLAN_TCI` or `ANNO`, `VLAN_PCP`,
/// `VLAN_ID`, `NATIVE_VLAN`, `ETHERTYPE`) after any positional arguments a
/// class reads first. Returns (TCI, from annotation, native VLAN,
/// tag EtherType).
pub(crate) fn vlan_args(
    args: &mut clickconf::args::Args,
) -> Result<(u16, bool, Option<u16>, u16), engine::ConfigError> {
    use engine::ConfigError;
    let tci_word = args.read_p::<String>("VLAN_TCI")?;
    let pcp = args.read_p::<u8>("VLAN_PCP")?.unwrap_or(0);
    let id = args.read::<u16>("VLAN_ID")?.unwrap_or(0);
    let native = args.read::<i32>("NATIVE_VLAN")?.unwrap_or(0);
    let ethertype = args.read::<u16>("ETHERTYPE")?.unwrap_or(0x8100);
    if pcp > 7 {
        return Err(ConfigError::msg(format!(
            "VLAN_PCP {pcp} out of range (0 to 7)"
        )));
    }
    if id > 0xfff {
        return Err(ConfigError::msg(format!("VLAN_ID {id} out of range")));
    }
    if !(-1..=0xfff).contains(&native) {
        return Err(ConfigError::msg(format!(
            "NATIVE_VLAN {native} out of range"
        )));
    }
    let use_anno = tci_word.as_deref() == Some("ANNO");
    let tci = match tci_word.as_deref() {
        None | Some("ANNO") => id,
        Some(w) => w
            .parse::<u16>()
            .map_err(|_| ConfigError::msg(format!("VLAN_TCI: bad value '{w}'")))?,
    };
    let native = u16::try_from(native).ok();
    Ok((tci | (u16::from(pcp) << 13), use_anno, native, ethertype))
}
