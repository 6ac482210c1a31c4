# assetmon SYN fingerprints (p0f v2 / PRADS os.fp format):
#   wwww:ttt:D:ss:OOO...:QQ:OS:Details
# wwww  window: number, * (any), Snn (nn*MSS), Tnn (nn*(MSS+40)), %nn (modulo)
# ttt   initial TTL; D  don't-fragment bit; ss  SYN size (IP total length) or *
# OOO   options in order: N NOP, E EOL, S SACK-permitted, T timestamp,
#       T0 timestamp with zero value, Mnnn MSS, Wnnn window scale (M*/W*/W%n),
#       ?n other kind; '.' for none
# QQ    quirks: P past EOL, Z zero IP ID, I IP options, U urgent ptr,
#       X reserved bits, A ACK number, T 2nd timestamp, F odd flags,
#       D data, ! broken options; '.' for none
# First match in file order wins.

# Linux
S44:64:1:60:M*,S,T,N,W7:.:Linux:3.x-5.x (Android, 44xMSS)
S20:64:1:60:M*,S,T,N,W7:.:Linux:3.x-5.x (20xMSS)
S10:64:1:60:M*,S,T,N,W7:.:Linux:3.x (10xMSS, W7)
S10:64:1:60:M*,S,T,N,W6:.:Linux:3.x (10xMSS, W6)
S10:64:1:60:M*,S,T,N,W4:.:Linux:3.x (10xMSS, W4)
S4:64:1:60:M*,S,T,N,W7:.:Linux:2.6 (newer, 7)
S4:64:1:60:M*,S,T,N,W6:.:Linux:2.6 (newer, 6)
S4:64:1:60:M*,S,T,N,W5:.:Linux:2.6 (newer, 5)
S4:64:1:60:M*,S,T,N,W2:.:Linux:2.6 (older)
S4:64:1:60:M*,S,T,N,W0:.:Linux:2.4/2.6 (W0)
5840:64:1:60:M*,S,T,N,W0:.:Linux:2.4 (big boy)
5840:64:1:60:M*,S,T,N,W2:.:Linux:2.6 (5840)
64240:64:1:60:M*,S,T,N,W7:.:Linux:4.x-5.x (64240)
65535:64:1:60:M*,S,T,N,W*:.:Linux:2.6+ (tuned window)
S22:64:1:52:M*,N,N,S,N,W7:.:Linux:3.x (no timestamps)
32120:64:1:60:M*,S,T,N,W0:.:Linux:2.2
S4:64:1:44:M*:.:Linux:2.0.3x (embedded)

# Windows
8192:128:1:52:M*,N,W8,N,N,S:.:Windows:7 or 8 (W8)
8192:128:1:52:M*,N,W2,N,N,S:.:Windows:Vista or 7 (W2)
64240:128:1:52:M*,N,W8,N,N,S:.:Windows:10 or 11 (64240)
65535:128:1:52:M*,N,W8,N,N,S:.:Windows:10 (65535)
65535:128:1:48:M*,N,N,S:.:Windows:XP SP1+, 2000 SP3
64512:128:1:48:M*,N,N,S:.:Windows:XP SP1+ (64512)
16384:128:1:48:M*,N,N,S:.:Windows:2000 SP4, XP SP1
S44:128:1:48:M*,N,N,S:.:Windows:XP SP2+ (44xMSS)
S45:128:1:48:M*,N,N,S:.:Windows:2000 SP4 (45xMSS)
8192:128:1:48:M*,N,N,S:.:Windows:Vista/2008 (no window scale)
64512:128:1:44:M*:.:Windows:98 or ME
8760:128:1:44:M*:.:Windows:95 or NT 4

# BSD and Apple
65535:64:1:64:M*,N,W*,N,N,T,S,E:.:Mac OS X:10.6-10.9 (single EOL)
65535:64:1:64:M*,N,W*,N,N,T,S,E,E:P:Mac OS X:10.x (W*)
65535:64:1:64:M*,N,W3,N,N,T,S,E,E:.:Mac OS X:10.4-10.9
65535:64:1:64:M*,N,W6,N,N,T,S,E,E:.:Mac OS X:10.10+ / iOS
65535:64:1:60:M*,N,W6,S,T:.:FreeBSD:9.x-12.x
65535:64:1:60:M*,N,W1,N,N,T:.:FreeBSD:5.x-6.x
16384:64:1:64:M*,N,N,S,N,W0,N,N,T:.:OpenBSD:3.x-4.x
16384:64:0:64:M*,N,N,S,N,W0,N,N,T:.:OpenBSD:3.x (no DF)
32768:64:1:64:M*,N,W0,N,N,T,S,E,E:.:NetBSD:1.6-3.x

# Others
S34:64:1:52:M*,N,W0,N,N,S:.:Solaris:10
49640:255:1:44:M*:.:Solaris:8
4128:255:0:44:M*:Z:Cisco:IOS 12.x
512:64:0:40:.:.:Tool:hping (default, no options)
1024:64:0:44:M*:.:Tool:nmap SYN scan (1024)
2048:64:0:44:M*:.:Tool:nmap SYN scan (2048)
3072:64:0:44:M*:.:Tool:nmap SYN scan (3072)
4096:64:0:44:M*:.:Tool:nmap SYN scan (4096)
