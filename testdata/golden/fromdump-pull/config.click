// cross-checked: click
// Pull mode: ToDump with no output runs a task that pulls through PrioSched
// from FromDump, which reads a packet whenever it is pulled.
fd :: FromDump(@IN@/tcp-flows.pcap, STOP true)
  -> PrioSched
  -> td :: ToDump(@OUT@/out.pcap, NANO false);
