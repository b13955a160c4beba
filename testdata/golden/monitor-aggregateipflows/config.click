// cross-checked: click
// AggregateIPFlows numbering the flows of monitor-flows.pcap (TCP closed
// and reopened, a UDP flow timing out, fragments held until FRAGMENT_TIMEOUT,
// a host talking to itself, an ICMP error), printed with their aggregate
// and paint annotations, and counted by AggregateCounter; a second copy
// numbers ICMP errors by the flow they quote, without holding fragments,
// with shorter timeouts, and counts bytes. (ICMP echoes are kept from it:
// Click 2.1 crashes on an ICMP packet that is not an error when ICMP is
// true; we send it to output 1.)
FromDump(@IN@/monitor-flows.pcap, STOP true)
  -> CheckIPHeader(14, CHECKSUM false)
  -> t :: Tee(2);
t[0] -> af :: AggregateIPFlows
  -> IPPrint(f, AGGREGATE true, PAINT true, OUTFILE @OUT@/flows.txt)
  -> ac :: AggregateCounter
  -> Discard;
af[1] -> IPPrint(other, AGGREGATE true, PAINT true, OUTFILE @OUT@/other.txt)
  -> oc :: Counter -> Discard;
t[1] -> echo :: Classifier(23/01 34/08, -);
echo[0] -> Discard;
echo[1] -> af2 :: AggregateIPFlows(ICMP true, FRAGMENTS false, UDP_TIMEOUT 30, TCP_DONE_TIMEOUT 1)
  -> IPPrint(g, AGGREGATE true, PAINT true, OUTFILE @OUT@/icmp.txt)
  -> ac2 :: AggregateCounter(BYTES true, IP_BYTES true)
  -> Discard;
af2[1] -> IPPrint(rest, AGGREGATE true, PAINT true, OUTFILE @OUT@/icmp-other.txt)
  -> oc2 :: Counter -> Discard;
