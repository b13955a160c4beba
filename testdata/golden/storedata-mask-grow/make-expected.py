#!/usr/bin/env python3
"""Writes expected/out.pcap for this case from testdata/captures/mixed.pcap,
applying the two StoreData steps by hand, in the pcap format ToDump writes
(nanosecond magic, snaplen 2000, Ethernet, native little-endian order)."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, '../../captures/mixed.pcap'), 'rb').read()
assert src[:4] == bytes.fromhex('d4c3b2a1'), 'expects a little-endian microsecond pcap'
out = bytearray(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 2000, 1))
off = 24
while off + 16 <= len(src):
    sec, usec, caplen, wirelen = struct.unpack('<IIII', src[off:off + 16])
    p = bytearray(src[off + 16:off + 16 + caplen])
    off += 16 + caplen
    extra = wirelen - caplen
    # StoreData(15, \<b8 07>, \<fc>): byte 15 keeps its low two bits, byte
    # 16 (past the mask) is written whole; cut at the packet's end.
    if len(p) > 15:
        p[15] = (p[15] & 0x03) | (0xb8 & 0xfc)
        if len(p) > 16:
            p[16] = 0x07
    # StoreData(70, \<aa bb cc dd>, GROW true)
    if len(p) > 70:
        if len(p) < 74:
            p += bytes(74 - len(p))
        p[70:74] = bytes.fromhex('aabbccdd')
    out += struct.pack('<IIII', sec, usec * 1000, min(len(p), 2000), len(p) + extra)
    out += p[:2000]
open(os.path.join(here, 'expected/out.pcap'), 'wb').write(out)
