     ldh [12]
     jne #0x86dd, l8
     ldb [20]
     jne #6, l19
     ldh [54]
     jeq #80, l18
     ldh [56]
     jeq #80, l18, l19
l8:  jne #0x800, l19
     ldb [23]
     jne #6, l19
     ldh [20]
     jset #0x1fff, l19
     ldxb 4*([14]&0xf)
     ldh [x + 14]
     jeq #80, l18
     ldh [x + 16]
     jne #80, l19
l18: ret #0x40000
l19: ret #0
