// cross-checked: click
// The load balancer on tcp-flows.pcap: both directions of each flow go to
// one backend, chosen by HashSwitch, with the Ethernet addresses rewritten
// for its port. Click ran the same file with the same replacements made by
// hand.
// app: configs/loadbalancer.click
// replace: in0=FromDump(@IN@/tcp-flows.pcap, STOP true)
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: out1=ToDump(@OUT@/out1.pcap)
// replace: out2=ToDump(@OUT@/out2.pcap)
