// cross-checked: click
// The Ethernet elements on every frame of mixed.pcap, the 10-byte runt
// included: EtherMirror swaps the addresses, EtherRewrite overwrites them,
// EtherEncap puts a new header in front of what Strip(14) left.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(3);
t[0] -> EtherMirror -> mirrored :: ToDump(@OUT@/mirrored.pcap);
t[1] -> rw :: EtherRewrite(2:0:0:0:0:aa, 2:0:0:0:0:bb) -> rewritten :: ToDump(@OUT@/rewritten.pcap);
t[2] -> Strip(14) -> enc :: EtherEncap(0x88b5, 2:0:0:0:0:cc, ff:ff:ff:ff:ff:ff)
  -> encapsulated :: ToDump(@OUT@/encapsulated.pcap);
