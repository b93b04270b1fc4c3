(000) ldh      [12]
(001) jeq      #0x800           jt 2	jf 8
(002) ld       [26]
(003) and      #0xffff0000
(004) jeq      #0xc0a80000      jt 16	jf 5
(005) ld       [30]
(006) and      #0xffff0000
(007) jeq      #0xc0a80000      jt 16	jf 17
(008) jeq      #0x806           jt 10	jf 9
(009) jeq      #0x8035          jt 10	jf 17
(010) ld       [28]
(011) and      #0xffff0000
(012) jeq      #0xc0a80000      jt 16	jf 13
(013) ld       [38]
(014) and      #0xffff0000
(015) jeq      #0xc0a80000      jt 16	jf 17
(016) ret      #262144
(017) ret      #0
