// flowmonitor.click — the seed's flow monitor (Figure 4.1, Table 2.1): a
// pass-through between $DEV0 and $DEV1 that keeps per-5-tuple statistics
// (packets, bytes, first and last packet, TCP flags) of the IPv4 traffic
// going from $DEV0 to $DEV1, readable at any time through handlers:
//
//   sudo yard run configs/flowmonitor.click -H flows.flows -H flows.count
//   (or, while it runs, through `yard click -p PORT` and the control socket)
//
// Non-IPv4 frames and malformed IPv4 pass without being counted by flow.
//
// `dump` does nothing by default. To also keep a packet trace in Click's
// IP summary dump format (readable by FromIPSummaryDump, ipsumdump's
// tools and Click), swap it for a ToIPSummaryDump:
//
//   sudo yard run configs/flowmonitor.click \
//     --replace 'dump=ToIPSummaryDump(flows.txt, FIELDS ts src sport dst dport proto len tcp_flags)'

define($DEV0 veth0, $DEV1 veth1, $CAPACITY 100000);

in0 :: FromDevice($DEV0, PROMISC true);
out0 :: ToDevice($DEV1);

in0 -> c :: Classifier(12/0800, -)
  -> MarkIPHeader(14)
  -> flows :: FlowStats(CAPACITY $CAPACITY, TIMEOUT 300)
  -> dump :: Null
  -> q :: Queue(1024) -> out0;
c[1] -> other :: Counter -> q;
