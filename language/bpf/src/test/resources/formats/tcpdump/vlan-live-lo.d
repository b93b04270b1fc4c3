(000) ld       #0x0
(001) st       M[0]
(002) st       M[1]
(003) ldb      [vlanp]
(004) jeq      #0x1             jt 12	jf 5
(005) ld       #0x4
(006) st       M[0]
(007) st       M[1]
(008) ldh      [12]
(009) jeq      #0x8100          jt 12	jf 10
(010) jeq      #0x88a8          jt 12	jf 11
(011) jeq      #0x9100          jt 12	jf 27
(012) ldx      M[1]
(013) ldh      [x + 12]
(014) jeq      #0x800           jt 15	jf 18
(015) ldx      M[0]
(016) ldb      [x + 23]
(017) jeq      #0x6             jt 26	jf 27
(018) jeq      #0x86dd          jt 19	jf 27
(019) ldx      M[0]
(020) ldb      [x + 20]
(021) jeq      #0x6             jt 26	jf 22
(022) jeq      #0x2c            jt 23	jf 27
(023) ldx      M[0]
(024) ldb      [x + 54]
(025) jeq      #0x6             jt 26	jf 27
(026) ret      #262144
(027) ret      #0
