// bridge.click — a two-port bridge between Linux interfaces.
//
// Every frame received on one interface is sent out of the other, in both
// directions; a queue on each path decouples receiving from sending. This is
// the configuration the real-interface test (tests/veth_bridge.rs) runs
// between two veth pairs. Needs root (AF_PACKET sockets).
//
//   sudo yard run configs/bridge.click -h in_a.count -h in_b.count
//
// Change the device names with define, e.g.
//   sudo yard run -e 'define($A eth1, $B eth2)' ... (or edit the line below).

define($A veth0, $B veth1);

in_a :: FromDevice($A, PROMISC true);
in_b :: FromDevice($B, PROMISC true);

in_a -> Queue(1024) -> ToDevice($B);
in_b -> Queue(1024) -> ToDevice($A);
