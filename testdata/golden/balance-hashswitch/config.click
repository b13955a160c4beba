// cross-checked: click
// HashSwitch over the IPv4 addresses and ports of tcp-flows.pcap (both
// directions of a flow go the same way) and RoundRobinSwitch.
FromDump(@IN@/tcp-flows.pcap, STOP true) -> t :: Tee(2);
t[0] -> h :: HashSwitch(26, 12);
h[0] -> ToDump(@OUT@/h0.pcap);
h[1] -> ToDump(@OUT@/h1.pcap);
h[2] -> ToDump(@OUT@/h2.pcap);
t[1] -> r :: RoundRobinSwitch;
r[0] -> r0 :: Counter -> Discard;
r[1] -> r1 :: Counter -> Discard;
