// cross-checked: click
// The shaper on the frames of mixed.pcap: how many packets each class
// gets (Click's counts). The output is not compared: the order in which
// the pacer takes packets from the class queues depends on timing.
// app: configs/shaper.click
// replace: in0=FromDump(@IN@/mixed.pcap, STOP true)
// replace: out0=Discard
