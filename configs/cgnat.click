// cgnat.click — the seed's carrier-grade NAT (Figure 4.1, Table 2.1):
// subscribers on the inside share one public address on the outside.
//
// Inside ($DEV0): subscribers in 100.64.0.0/24 (RFC 6598 shared address
// space) with this box, $IN_IP, as their gateway. Outside ($DEV1): the
// public address $PUB, next hops on $PUB_NET directly, anything else via
// $UPSTREAM.
//
// Behaviour (RFC 4787 for UDP, RFC 5382 for TCP, RFC 5508 for ICMP):
// - Each subscriber gets a block of ports (deterministic NAT as in RFC
//   7422): 100.64.0.1 1024-17407, 100.64.0.2 17408-33791, everyone else
//   33792-65535. A flow keeps its own port when that port is in the block
//   and free toward its destination; otherwise it gets a free port of the
//   block from a random place (RFC 6056).
// - One public address, so pooling is paired (REQ-2).
// - Filtering is address-and-port-dependent: only replies to a mapping
//   get in (RFC 4787 REQ-8 allows this; RFC 5382 REQ-3 for TCP).
// - Hairpinning: a subscriber's packet to the public address goes back in
//   through the NAT and reaches the subscriber whose mapping lets it in,
//   with the sender's public address and port as its source (REQ-9), e.g.
//   two subscribers that have sent to each other's public endpoint (as
//   hole punching does); filtering applies to hairpinned packets too.
// - ICMP echo is translated by ICMPPingRewriter (query IDs as ports,
//   RFC 5508 section 3); ICMP errors from outside about a mapped TCP, UDP
//   or echo flow are translated back to the subscriber by ICMPRewriter,
//   quoted packet and checksums included (RFC 5508 section 7).
// - Mappings time out: UDP 5 minutes after the last packet (REQ-5 asks at
//   least 2), TCP 2 hours 4 minutes once data went both ways (RFC 5382
//   REQ-5), 5 minutes before that, 4 minutes after FINs both ways or a
//   RST; echo mappings after 1 minute (RFC 5508 REQ-1).
// - At most 200,000 mappings: a mapping is guaranteed for 5 seconds after
//   each packet; a new flow beyond the capacity takes the place of the
//   idle mapping that expires first, and is refused (counted in
//   nat.mapping_failures) only while every mapping is guaranteed.
// - TTL is decremented both ways; packets that expire here are dropped.
//
// Deviations from the RFCs:
// - Mapping is per flow (Click's rewriters key by 5-tuple): a
//   subscriber's socket keeps one public port toward every destination
//   only when its own port is inside its block (RFC 4787 REQ-1, RFC 5382
//   REQ-1 ask for endpoint-independent mapping always). Linux's ephemeral
//   ports (32768-60999) lie in the third block, so the first two
//   subscribers' flows get a port per destination.
// - No port parity or contiguity (RFC 4787 REQ-3, REQ-4 are MAYs).
// - No per-subscriber limit on mappings (RFC 6888 REQ-4); a subscriber
//   can use its whole block and only its block.
// - The NAT sends no ICMP errors of its own (time exceeded when the TTL
//   runs out here, or for unsolicited packets; RFC 5508 REQ-8 allows
//   silence for the latter).
// - TCP simultaneous open from outside (RFC 5382 REQ-4) is not
//   supported: an unsolicited SYN is dropped.
// - ARP: the NAT answers for its two addresses (ARPResponder) and
//   resolves next hops with ARPQuerier.
//
// Handlers: nat.tcp_table and nat.udp_table (Click's names; nat.table is
// both), nat.patterns (each block's mappings in brackets), nat.size,
// nat.mapping_failures, ping.table.
//
//   sudo yard run configs/cgnat.click -h nat.table -h ping.table

define($DEV0 veth0, $IN_IP 100.64.0.254, $IN_MAC 02:00:00:00:10:01,
       $DEV1 veth1, $PUB 198.51.100.1, $PUB_NET 198.51.100.0/24,
       $PUB_MAC 02:00:00:00:20:01, $UPSTREAM 198.51.100.254);

in0 :: FromDevice($DEV0);
out0 :: ToDevice($DEV0);
in1 :: FromDevice($DEV1);
out1 :: ToDevice($DEV1);

// Input 0-2: subscribers by port block; input 3: the outside.
nat :: IPRewriter(pattern $PUB 1024-17407 - - 0 1,
                  pattern $PUB 17408-33791 - - 0 1,
                  pattern $PUB 33792-65535 - - 0 1,
                  drop,
                  TCP_TIMEOUT 7440s, UDP_TIMEOUT 5min, MAPPING_CAPACITY 200000);
ping :: ICMPPingRewriter(pattern $PUB - 0-65535# 0 1, drop, TIMEOUT 1min);

to_in :: Queue(1024) -> out0;
to_out :: Queue(1024) -> out1;
arp_in :: ARPQuerier($IN_IP, $IN_MAC) -> to_in;
arp_out :: ARPQuerier($PUB, $PUB_MAC) -> to_out;

// Toward the outside: the next hop, TTL, ARP.
route_out :: StaticIPLookup($PUB_NET 0, 0.0.0.0/0 $UPSTREAM 0)
  -> dec_out :: DecIPTTL -> arp_out;
dec_out[1] -> Discard;
// Toward the subscribers (the rewriters set the destination annotation).
back_in :: DecIPTTL -> arp_in;
back_in[1] -> Discard;

// Inside.
in0 -> ic :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
ic[0] -> ARPResponder($IN_IP $IN_MAC) -> to_in;
ic[1] -> [1]arp_in;
ic[3] -> Discard;
ic[2] -> Strip(14) -> CheckIPHeader
  -> sub :: IPClassifier(dst host $IN_IP and icmp type echo,
                         icmp type echo,
                         (tcp or udp) and src host 100.64.0.1,
                         (tcp or udp) and src host 100.64.0.2,
                         tcp or udp,
                         -);
sub[0] -> ICMPPingResponder -> arp_in;
sub[1] -> [0]ping;
sub[2] -> [0]nat;
sub[3] -> [1]nat;
sub[4] -> [2]nat;
sub[5] -> Discard;

// Translated subscriber traffic: hairpin to the public address, else out.
nat[0] -> hairpin :: IPClassifier(dst host $PUB, -);
hairpin[0] -> [3]nat;
hairpin[1] -> route_out;
nat[1] -> back_in;
ping[0] -> route_out;
ping[1] -> back_in;

// Outside.
in1 -> oc :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
oc[0] -> ARPResponder($PUB $PUB_MAC) -> to_out;
oc[1] -> [1]arp_out;
oc[3] -> Discard;
oc[2] -> Strip(14) -> CheckIPHeader
  -> outside :: IPClassifier(icmp type echo-reply,
                             icmp type echo and dst host $PUB,
                             icmp type unreachable or timeexceeded
                               or sourcequench or parameterproblem,
                             tcp or udp,
                             -);
outside[0] -> [1]ping;
outside[1] -> ICMPPingResponder -> route_out;
outside[2] -> errors :: ICMPRewriter(nat ping) -> back_in;
outside[3] -> [3]nat;
outside[4] -> Discard;
