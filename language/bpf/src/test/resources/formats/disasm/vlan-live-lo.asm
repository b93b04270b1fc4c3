     ld #0
     st M[0]
     st M[1]
     ldb vlan_avail
     jeq #1, l12
     ld #4
     st M[0]
     st M[1]
     ldh [12]
     jeq #0x8100, l12
     jeq #0x88a8, l12
     jne #0x9100, l27
l12: ldx M[1]
     ldh [x + 12]
     jne #0x800, l18
     ldx M[0]
     ldb [x + 23]
     jeq #6, l26, l27
l18: jne #0x86dd, l27
     ldx M[0]
     ldb [x + 20]
     jeq #6, l26
     jne #44, l27
     ldx M[0]
     ldb [x + 54]
     jne #6, l27
l26: ret #0x40000
l27: ret #0
