// cross-checked: click
// DecIPTTL after CheckIPHeader: TTLs drop by one with the checksum updated
// incrementally; TTL 1 and 0 leave on output 1. The second path marks the
// header without checking it, so headers with bad fields (IHL 4, version 6,
// bad checksum, ...) reach DecIPTTL too; it leaves multicast alone and has
// no output 1, so expired packets are dropped. (Frames too short for a
// 20-byte IP header are kept from MarkIPHeader, which Click cannot mark:
// cl2's first pattern matches frames that end before byte 33.)
FromDump(@IN@/mixed.pcap, STOP true) -> cl :: Classifier(12/0800, -);
cl[0] -> Strip(14) -> CheckIPHeader -> dt :: DecIPTTL -> Unstrip(14)
  -> out :: ToDump(@OUT@/decremented.pcap);
dt[1] -> Unstrip(14) -> expired :: ToDump(@OUT@/expired.pcap);
cl[1] -> Discard;
FromDump(@IN@/mixed.pcap, STOP true)
  -> cl2 :: Classifier(!33/00%01 !33/01%01, 12/0800, -);
cl2[0] -> Discard;
cl2[1] -> MarkIPHeader(14) -> dt2 :: DecIPTTL(MULTICAST false) -> out2 :: ToDump(@OUT@/marked.pcap);
cl2[2] -> Discard;
