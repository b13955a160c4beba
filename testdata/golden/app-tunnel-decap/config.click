// cross-checked: click
// The tunnel endpoint decapsulating tunnel-ipip.pcap from the remote end
// (a packet from another source is dropped).
// app: configs/tunnel.click
// replace: in0=Idle
// replace: in1=FromDump(@IN@/tunnel-ipip.pcap, STOP true)
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: out1=Discard
