# assetmon TCP server banner signatures, in PRADS's tcp-service.sig format:
#   <service>,v/<vendor>/<version>/<info>/,<regex>
# The version template refers to regex groups as $1..$9. Regexes are POSIX
# extended regular expressions; PCRE-style \d \s \S \w (outside brackets),
# \r \n \t \0 and \xHH are translated. Payload NUL bytes match \0 / \x00.
# First match in file order wins.

# SSH
ssh,v/OpenSSH/$2/Protocol $1/,^SSH-([.0-9]+)-OpenSSH[_-]([^ \r\n]+)
ssh,v/Dropbear SSH/$2/Protocol $1/,^SSH-([.0-9]+)-dropbear[_-]([^ \r\n]+)
ssh,v/Cisco SSH/$2/Protocol $1/,^SSH-([.0-9]+)-Cisco-([^ \r\n]+)
ssh,v/libssh/$2/Protocol $1/,^SSH-([.0-9]+)-libssh[_-]([^ \r\n]+)
ssh,v/Generic SSH/$2/Protocol $1/,^SSH-([.0-9]+)-([^ \r\n]+)

# HTTP servers
www,v/Apache/$1/$2/,Server: Apache/([^ \r\n]+) \(([^)\r\n]*)\)
www,v/Apache/$1//,Server: Apache/([^ \r\n]+)
www,v/Apache///,Server: Apache\r\n
www,v/nginx/$1//,Server: nginx/([^ \r\n]+)
www,v/nginx///,Server: nginx\r\n
www,v/Microsoft-IIS/$1//,Server: Microsoft-IIS/([^ \r\n]+)
www,v/lighttpd/$1//,Server: lighttpd/([^ \r\n]+)
www,v/Google Web Server/$1//,Server: gws/?([^ \r\n]*)
www,v/Akamai Ghost///,Server: AkamaiGHost
www,v/Cloudflare///,Server: cloudflare
www,v/Varnish/$1//,Via: [^\r\n]*varnish ?\(?V?a?r?n?i?s?h?/?([^ )\r\n]*)
www,v/Apache Coyote/$1//,Server: Apache-Coyote/([^ \r\n]+)
www,v/Jetty/$1//,Server: Jetty\(([^)\r\n]+)\)
www,v/Resin/$1//,Server: Resin/([^ \r\n]+)
www,v/thttpd/$1//,Server: thttpd/([^ \r\n]+)
www,v/Boa/$1//,Server: Boa/([^ \r\n]+)
www,v/$1///,Server: ([^\r\n]+)\r\n
www,v/Unknown HTTP//$1/,^(HTTP/[0-9]\.[0-9]) [0-9][0-9][0-9]

# TLS: a ServerHello record (handshake type 2)
ssl,v/TLS 1.2 ServerHello///,^\x16\x03[\x01-\x03]..\x02...\x03\x03
ssl,v/TLS 1.0 ServerHello///,^\x16\x03[\x00-\x03]..\x02...\x03\x01
ssl,v/SSL 3.0 ServerHello///,^\x16\x03\x00..\x02...\x03\x00

# FTP
ftp,v/vsFTPd/$1//,^220 \(vsFTPd ([^)\r\n]+)\)
ftp,v/ProFTPD/$1//,^220 ProFTPD ([^ \r\n]+) Server
ftp,v/Pure-FTPd///,^220-+ Welcome to Pure-FTPd
ftp,v/Microsoft FTP Server/$1//,Microsoft FTP Service \(Version ([^)\r\n]+)\)
ftp,v/Microsoft FTP Server///,^220 Microsoft FTP Service
ftp,v/WU-FTPD/$1//,FTP server \(Version wu-([^ )\r\n]+)
ftp,v/FileZilla Server/$1//,^220[- ]FileZilla Server (version )?([^ \r\n]+)
ftp,v/FTP Generic//$1/,^220 ([-.A-Za-z0-9]+) FTP server
ftp,v/FTP Generic///,^220[- ][^\r\n]*FTP

# Mail
smtp,v/Postfix SMTP//$1/,^220 ([-.A-Za-z0-9]+) ESMTP Postfix
smtp,v/Exim/$2/$1/,^220 ([^ \r\n]+) ESMTP Exim ([^ \r\n]+)
smtp,v/Sendmail/$2/$1/,^220 ([-.A-Za-z0-9]+) ESMTP Sendmail ([^;\r\n]+)
smtp,v/Microsoft ESMTP/$2/$1/,^220 ([-.A-Za-z0-9]+) Microsoft ESMTP MAIL Service, Version: ([^ \r\n]+)
smtp,v/Generic SMTP//$1/,^220 ([-.A-Za-z0-9]+) E?SMTP
pop3,v/Dovecot POP3///,^\+OK Dovecot ready
pop3,v/Generic POP3///,^\+OK [^\r\n]*POP3
imap,v/Dovecot IMAP///,^\* OK [^\r\n]*Dovecot ready
imap,v/Cyrus IMAP/$1//,^\* OK [^\r\n]*Cyrus IMAP4? v([-.A-Za-z0-9]+)
imap,v/Generic IMAP///,^\* OK [^\r\n]*IMAP4

# Remote access, databases, others
vnc,v/VNC//Protocol $1/,^RFB ([0-9]+\.[0-9]+)\n
mysql,v/MySQL/$1//,^....\x0a([3-8]\.[0-9]+\.[0-9]+[-A-Za-z0-9.]*)\0
smb,v/Windows SMB///,\xffSMBr
smb2,v/SMB2///,\xfeSMB
irc,v/IRC server//$1/,^:([-.A-Za-z0-9]+) NOTICE
bittorrent,v/BitTorrent///,^\x13BitTorrent protocol
gnutella,v/Gnutella/$1//,^GNUTELLA/([0-9.]+) 200
rtsp,v/RTSP//$1/,^(RTSP/1\.0) [0-9][0-9][0-9]
sip,v/SIP server//$1/,^SIP/2\.0 [0-9][0-9][0-9][^\r\n]*\r\n[^\0]*Server: ([^\r\n]+)
