// router.click — the seed's standards-compliant IPv4 router (Figure 4.1,
// Table 2.1), in the style of Click's classic IP router (Kohler et al.,
// "The Click modular router", figure 8), for two interfaces.
//
// Every interface answers ARP for its address, resolves next hops with
// ARPQuerier, and paints the packets it receives. Received IP packets are
// checked (CheckIPHeader), looked up (RadixIPLookup) and leave by their
// route's interface after the RFC 1812 steps: drop link-level broadcasts,
// send a redirect for packets leaving by the interface they came in on,
// process IP options, fix the source of ICMP errors, decrement the TTL
// (time exceeded for TTL 1), fragment to the MTU (or "fragmentation
// needed" with DF). Pings to the router's own addresses are answered
// (after reassembly); other packets for the router are dropped.
//
// The paper's figure calls the redirect step "CheckPaint"; in Click 2.1
// that element (a copy of packets painted with the outgoing interface's
// colour) is PaintTee, as in Click's own make-ip-conf.pl, and CheckPaint
// filters instead. ICMP errors are not rate limited, as in Click: put a
// RatedSplitter after an ICMPError to limit them.
//
//   sudo yard run configs/router.click -h rt.table -h arpq0.table
//
// Change the interfaces and addresses with the defines below. Routes can
// be added while running: write `rt.add` (e.g. `0.0.0.0/0 10.0.0.1 1`
// sends everything else to a gateway on interface 0).

define($DEV0 veth0, $IP0 10.0.0.254, $NET0 10.0.0.0/24, $BCAST0 10.0.0.255,
       $MAC0 02:00:00:00:00:fe, $MTU0 1500,
       $DEV1 veth1, $IP1 192.168.1.254, $NET1 192.168.1.0/24, $BCAST1 192.168.1.255,
       $MAC1 02:00:00:00:01:fe, $MTU1 1500);

in0 :: FromDevice($DEV0);
out0 :: ToDevice($DEV0);
in1 :: FromDevice($DEV1);
out1 :: ToDevice($DEV1);

// The routing table: output 0 is the router itself, 1 interface 0,
// 2 interface 1.
rt :: RadixIPLookup($IP0/32 0, $BCAST0/32 0, $IP1/32 0, $BCAST1/32 0,
                    255.255.255.255/32 0, 0.0.0.0/32 0,
                    $NET0 1, $NET1 2);

// IP input, shared by both interfaces.
ip :: Strip(14)
  -> CheckIPHeader(INTERFACES $IP0/24 $IP1/24)
  -> GetIPAddress(16)
  -> rt;

// Packets for the router: answer pings, drop the rest.
rt[0] -> IPReassembler -> self :: IPClassifier(icmp type echo, -);
self[0] -> ICMPPingResponder -> rt;
self[1] -> Discard;

// Interface 0.
out0_q :: Queue(1024) -> out0;
in0 -> c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
c0[0] -> ARPResponder($IP0 $MAC0) -> out0_q;
c0[1] -> [1]arpq0 :: ARPQuerier($IP0, $MAC0) -> out0_q;
c0[2] -> Paint(1) -> ip;
c0[3] -> Discard;
rt[1] -> DropBroadcasts
  -> cp0 :: PaintTee(1)
  -> gio0 :: IPGWOptions($IP0)
  -> FixIPSrc($IP0)
  -> dt0 :: DecIPTTL
  -> fr0 :: IPFragmenter($MTU0)
  -> arpq0;
cp0[1] -> ICMPError($IP0, redirect, host) -> rt;
gio0[1] -> ICMPError($IP0, parameterproblem) -> rt;
dt0[1] -> ICMPError($IP0, timeexceeded) -> rt;
fr0[1] -> ICMPError($IP0, unreachable, needfrag) -> rt;

// Interface 1.
out1_q :: Queue(1024) -> out1;
in1 -> c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
c1[0] -> ARPResponder($IP1 $MAC1) -> out1_q;
c1[1] -> [1]arpq1 :: ARPQuerier($IP1, $MAC1) -> out1_q;
c1[2] -> Paint(2) -> ip;
c1[3] -> Discard;
rt[2] -> DropBroadcasts
  -> cp1 :: PaintTee(2)
  -> gio1 :: IPGWOptions($IP1)
  -> FixIPSrc($IP1)
  -> dt1 :: DecIPTTL
  -> fr1 :: IPFragmenter($MTU1)
  -> arpq1;
cp1[1] -> ICMPError($IP1, redirect, host) -> rt;
gio1[1] -> ICMPError($IP1, parameterproblem) -> rt;
dt1[1] -> ICMPError($IP1, timeexceeded) -> rt;
fr1[1] -> ICMPError($IP1, unreachable, needfrag) -> rt;
