// cross-checked: click
// The IP router application (configs/router.click) on routing-in0.pcap
// arriving on interface 0: 10.0.0.1's ARP reply is learned; traffic to the
// other subnet waits for ARP there (out1 is not compared: the redirect and
// time-exceeded errors it carries are stamped with the current time);
// traffic from the other subnet to 10.0.0.1 is forwarded back out of
// interface 0 with TTL decremented and the Record Route option filled in;
// TTL 1 is answered with time exceeded; a bad checksum and a subnet
// broadcast are dropped. Click ran the same text with FromDump's one
// packet per run; ours takes BURST 1 to hand packets on in the same order.
// app: configs/router.click
// replace: in0=FromDump(@IN@/routing-in0.pcap, STOP true, BURST 1)
// replace: in1=Idle
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: out1=Discard
