// cross-checked: click
// A pull ToDump with an output writes the packets pulled through it; the
// push ToDump after Unqueue writes the same packets.
fd :: FromDump(@IN@/tcp-flows.pcap, STOP true)
  -> PrioSched
  -> td1 :: ToDump(@OUT@/pulled.pcap, ENCAP ETHER)
  -> Unqueue
  -> td2 :: ToDump(@OUT@/pushed.pcap);
