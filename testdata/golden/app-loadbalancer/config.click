// cross-checked: click
// The load balancer on tcp-flows.pcap: both directions of each flow go to
// one backend, chosen by HashSwitch, with the Ethernet addresses rewritten.
// Click ran it without BURST (one packet per run); BURST 1 keeps that order.
// app: configs/loadbalancer.click
// replace: in0=FromDump(@IN@/tcp-flows.pcap, STOP true, BURST 1)
// replace: out0=ToDump(@OUT@/out0.pcap)
