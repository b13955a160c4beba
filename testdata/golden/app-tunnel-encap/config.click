// cross-checked: click
// The tunnel endpoint encapsulating the IPv4 frames of mixed.pcap from
// the local network.
// app: configs/tunnel.click
// replace: in0=FromDump(@IN@/mixed.pcap, STOP true)
// replace: in1=Idle
// replace: out0=Discard
// replace: out1=ToDump(@OUT@/out1.pcap)
