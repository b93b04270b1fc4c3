     ldh [12]
     jne #0x800, l29
     ldh [16]
     mul #4
     div #2
     sub #1
     add #3
     jle #0, l29
     ldb [14]
     xor #69
     mod #3
     jne #0, l29
     ldb [15]
     lsh #2
     rsh #1
     jne #4, l29
     ldb [17]
     or #1
     jne #1, l29
     ldb [18]
     jset #7, l21, l29
l21: ld len
     sub #14
     st M[5]
     ldh [16]
     .insn 0x07, 0, 0, 0x00000007  ; tax with fields the opcode ignores set (kept bit for bit)
     ld M[5]
     jlt x, l29
     ret #0x40000
l29: ret #0
