// tunnel.click — the seed's tunnel endpoint (Figure 4.1, Table 2.1): an
// IP-in-IP tunnel (RFC 2003) between this site and a remote endpoint.
//
// IPv4 packets from the local network ($DEV0) are encapsulated in an
// outer header from $LOCAL to $REMOTE and sent out of $DEV1 to the next
// hop's MAC; IP-in-IP packets from $REMOTE arriving on $DEV1 for $LOCAL
// are decapsulated, checked and delivered to $HOST_MAC on the local
// network. Everything else is dropped. Ethernet addresses are static (no
// ARP here: put ARPQuerier/ARPResponder in front for a dynamic setup).
// The outer TTL is 64 and the inner packet's DSCP is not copied out.
//
//   sudo yard run configs/tunnel.click -h encap.count -h decap.count

define($DEV0 veth0, $DEV1 veth1,
       $LOCAL 192.0.2.1, $REMOTE 198.51.100.7,
       $MAC0 02:00:00:00:40:00, $HOST_MAC 02:00:00:00:00:02,
       $MAC1 02:00:00:00:40:01, $NEXT_HOP_MAC 02:00:00:00:41:01);

in0 :: FromDevice($DEV0, PROMISC true);   // local network
out0 :: ToDevice($DEV0);
in1 :: FromDevice($DEV1, PROMISC true);   // toward the remote endpoint
out1 :: ToDevice($DEV1);

to_local :: Queue(1024) -> out0;
to_remote :: Queue(1024) -> out1;

// Encapsulation.
in0 -> lc :: Classifier(12/0800, -);
lc[1] -> Discard;
lc[0] -> Strip(14) -> CheckIPHeader
  -> encap :: Counter
  -> IPEncap(ipip, $LOCAL, $REMOTE, TTL 64)
  -> EtherEncap(0x0800, $MAC1, $NEXT_HOP_MAC)
  -> to_remote;

// Decapsulation.
in1 -> rc :: Classifier(12/0800, -);
rc[1] -> Discard;
rc[0] -> Strip(14) -> CheckIPHeader
  -> outer :: IPClassifier(ip proto ipip and src host $REMOTE and dst host $LOCAL, -);
outer[1] -> Discard;
outer[0] -> StripIPHeader -> CheckIPHeader
  -> decap :: Counter
  -> EtherEncap(0x0800, $MAC0, $HOST_MAC)
  -> to_local;
