// cross-checked: click
// The carrier-grade NAT (configs/cgnat.click) on nat-cgnat-inside.pcap
// arriving from the subscribers: two subscribers' ARP replies are learned;
// 100.64.0.2 and 100.64.0.1 punch holes to each other's public endpoint
// (198.51.100.1 ports 20000 and 5000, each inside its own port block):
// the first packet is refused, the next two are hairpinned back inside
// with the sender's public address and port; TCP, UDP and ping flows to
// the server from the three blocks make the mappings the handlers show
// (their packets wait for ARP on the outside, which is not compared:
// ARPQuerier's queries are stamped with the current time). Click ran the same text with FromDump's one packet
// per run; ours takes BURST 1 to hand packets on in the same order.
// app: configs/cgnat.click
// replace: in0=FromDump(@IN@/nat-cgnat-inside.pcap, STOP true, BURST 1)
// replace: in1=Idle
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: out1=Discard
