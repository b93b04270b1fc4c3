(000) ldh      [12]
(001) jeq      #0x800           jt 2	jf 9
(002) ldb      [23]
(003) jeq      #0x11            jt 4	jf 15
(004) ldh      [20]
(005) jset     #0x1fff          jt 15	jf 6
(006) ldxb     4*([14]&0xf)
(007) ldh      [x + 16]
(008) jeq      #0x35            jt 14	jf 15
(009) jeq      #0x86dd          jt 10	jf 15
(010) ldb      [20]
(011) jeq      #0x11            jt 12	jf 15
(012) ldh      [56]
(013) jeq      #0x35            jt 14	jf 15
(014) ret      #262144
(015) ret      #0
