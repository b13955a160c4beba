// cross-checked: click
// DSCP and ECN marking on the IPv4 frames of mixed.pcap: SetIPDSCP,
// SetIPECN, and MarkIPCE (which drops packets that are not ECN-capable
// unless FORCE).
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> CheckIPHeader(14, CHECKSUM false) -> SetIPDSCP(46) -> t :: Tee(3);
t[0] -> ToDump(@OUT@/dscp.pcap);
t[1] -> SetIPECN(ect1) -> MarkIPCE -> ce :: Counter -> ToDump(@OUT@/ce.pcap);
t[2] -> MarkIPCE -> nc :: Counter -> Discard;
