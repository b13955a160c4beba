// cross-checked: click
// The router with a 1,000-route table drawn like a public BGP table
// (testdata/routing/router-1000routes.click, generated from
// configs/router.click) on routing-1000routes.pcap arriving on interface
// 0: 120 packets, most to addresses inside the routes (some inside
// more-specifics), the others mostly matching no route. Compared: the
// packets that leave by interface 1 (the routes through 192.168.1.x) and
// the table as RadixIPLookup lists it. Interface 0's output is not
// compared: it carries redirects, stamped with the current time. Click ran
// the same text with FromDump's one packet per run; ours takes BURST 1.
// app: testdata/routing/router-1000routes.click
// replace: in0=FromDump(@IN@/routing-1000routes.pcap, STOP true, BURST 1)
// replace: in1=Idle
// replace: out0=Discard
// replace: out1=ToDump(@OUT@/out1.pcap)
