// loadbalancer.click — the seed's load balancer (Figure 4.1, Table 2.1;
// section 4.2): client traffic arriving on $DEV0 is spread over three
// backend servers on $DEV1, consistently per flow, by rewriting Ethernet
// addresses (direct server return: every backend holds the service
// address, answers the clients itself, and only the balancer's choice of
// backend MAC steers the request).
//
// HashSwitch sums the IPv4 source and destination addresses and ports, so
// every packet of a TCP or UDP flow (both directions, in fact) picks the
// same backend, and flows spread evenly over backends. The frame leaves
// with the balancer's MAC as source and the chosen backend's as
// destination. Non-IPv4 frames are dropped; IPv4 with options or
// fragments is balanced on whatever bytes sit where the ports would be
// (still consistent per packet, not necessarily per flow).
//
//   sudo yard run configs/loadbalancer.click -h to0.count -h to1.count -h to2.count

define($DEV0 veth0, $DEV1 veth1, $LB_MAC 02:00:00:00:30:01,
       $BACKEND0 02:00:00:00:31:00, $BACKEND1 02:00:00:00:31:01,
       $BACKEND2 02:00:00:00:31:02);

in0 :: FromDevice($DEV0, PROMISC true);
out0 :: ToDevice($DEV1);

to_backends :: Queue(1024) -> out0;

in0 -> c :: Classifier(12/0800, -);
c[1] -> Discard;
// Bytes 26-37 of an Ethernet frame: IPv4 source and destination, then the
// TCP or UDP ports.
c[0] -> hs :: HashSwitch(26, 12);
hs[0] -> to0 :: Counter -> EtherRewrite($LB_MAC, $BACKEND0) -> to_backends;
hs[1] -> to1 :: Counter -> EtherRewrite($LB_MAC, $BACKEND1) -> to_backends;
hs[2] -> to2 :: Counter -> EtherRewrite($LB_MAC, $BACKEND2) -> to_backends;
