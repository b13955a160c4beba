// cross-checked: click
// The shaper on the frames of mixed.pcap: how many packets each class
// gets (Click's counts), and RED watching the best-effort queue (found
// downstream), which stays below MIN_THRESH. The output is not compared:
// the order in which the pacer takes packets from the class queues
// depends on timing. Click ran the same file with the replacements made
// by hand.
// app: configs/shaper.click
// replace: in0=FromDump(@IN@/mixed.pcap, STOP true)
// replace: out0=Discard
