// cross-checked: click
// DSCP and ECN marking on the IPv4 frames of mixed.pcap: SetIPDSCP,
// SetIPECN, and MarkIPCE (which drops packets that are not ECN-capable
// unless FORCE).
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> CheckIPHeader(14, CHECKSUM false) -> d :: SetIPDSCP(0x2e) -> t :: Tee(3);
t[0] -> ToDump(@OUT@/dscp.pcap);
t[1] -> e :: SetIPECN(ECT(1)) -> MarkIPCE -> ce :: Counter -> ToDump(@OUT@/ce.pcap);
t[2] -> m :: MarkIPCE -> nc :: Counter -> Discard;
