// mirror.click — a reflector for load tests: every frame goes back where it
// came from, with Ethernet source and destination swapped, and a counter
// shows the rate.
//
// Offline, on the bundled capture:
//   yard run configs/mirror.click -h c.count
// On an interface (root): replace the source and sink with
//   FromDevice(eth1) ... -> Queue -> ToDevice(eth1)

FromDump(testdata/captures/mixed.pcap, STOP true)
  -> EtherMirror
  -> c :: Counter
  -> ToDump(/tmp/yard-mirror.pcap);
