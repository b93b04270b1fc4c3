(000) ldh      [12]
(001) jeq      #0x800           jt 2	jf 29
(002) ldh      [16]
(003) mul      #4
(004) div      #2
(005) sub      #1
(006) add      #3
(007) jgt      #0x0             jt 8	jf 29
(008) ldb      [14]
(009) xor      #0x45
(010) mod      #3
(011) jeq      #0x0             jt 12	jf 29
(012) ldb      [15]
(013) lsh      #2
(014) rsh      #1
(015) jeq      #0x4             jt 16	jf 29
(016) ldb      [17]
(017) or       #0x1
(018) jeq      #0x1             jt 19	jf 29
(019) ldb      [18]
(020) jset     #0x7             jt 21	jf 29
(021) ld       #pktlen
(022) sub      #14
(023) st       M[5]
(024) ldh      [16]
(025) tax      
(026) ld       M[5]
(027) jge      x                jt 28	jf 29
(028) ret      #262144
(029) ret      #0
