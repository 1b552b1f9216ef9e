# plain CSV (ts ms,src,dst,port,bytes) -> a classic pcap of one TCP flow a
# row (Ethernet/IPv4/TCP headers only, the IP total length carrying the
# bytes: up to 65535 a packet, the flow's last packet with FIN) and the
# plain CSV nfdump should give back (bytes: the IP bytes written).
import socket, struct, sys
src, pcap, want = sys.argv[1:4]
out = open(pcap, "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
exp = open(want, "w")
for i, line in enumerate(open(src)):
    f = line.strip().split(",")
    if len(f) != 5: continue
    ms, s, d, port, nbytes = int(f[0]), f[1], f[2], int(f[3]), int(f[4])
    left, total, sport = max(nbytes, 40), 0, 1024 + i % 60000
    while left > 0:
        ip_len = min(left, 65535)
        if left - ip_len and left - ip_len < 40: ip_len = left - 40
        left -= ip_len
        total += ip_len
        flags = 0x11 if left == 0 else 0x10
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, i & 0xffff, 0, 64, 6, 0,
                         socket.inet_aton(s), socket.inet_aton(d))
        tcp = struct.pack("!HHIIBBHHH", sport, port, 1, 1, 0x50, flags, 65535, 0, 0)
        frame = b"\0\1\2\3\4\5\0\1\2\3\4\6\x08\x00" + ip + tcp
        out.write(struct.pack("<IIII", ms // 1000, (ms % 1000) * 1000, len(frame), 14 + ip_len))
        out.write(frame)
    exp.write("%d,%s,%s,%d,%d\n" % (ms // 1000 * 1000, s, d, port, total))  # nfdump prints whole seconds
