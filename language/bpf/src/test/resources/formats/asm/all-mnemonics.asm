; Every bpf_asm mnemonic and addressing mode, each with its expected encoding "=> code jt jf k" (decimal, as in
; all-mnemonics.ddd). The expected values were worked out by hand from include/uapi/linux/bpf_common.h and
; filter.h, independently of Sluice's assembler: class LD=0x00 LDX=0x01 ST=0x02 STX=0x03 ALU=0x04 JMP=0x05
; RET=0x06 MISC=0x07; size W=0x00 H=0x08 B=0x10; mode IMM=0x00 ABS=0x20 IND=0x40 MEM=0x60 LEN=0x80 MSH=0xa0;
; ALU/JMP op ADD=0x00 SUB=0x10 MUL=0x20 DIV=0x30 OR=0x40 AND=0x50 LSH=0x60 RSH=0x70 NEG=0x80 MOD=0x90 XOR=0xa0,
; JA=0x00 JEQ=0x10 JGT=0x20 JGE=0x30 JSET=0x40; src K=0x00 X=0x08, RET A=0x10; MISC TAX=0x00 TXA=0x80;
; SKF_AD_OFF=-0x1000 (k 4294963200) plus the ancillary offset. Jump offsets are target index - own index - 1.
; all-mnemonics.ddd is these "=>" comments collected (the numbers after "=> " on each instruction line), with the count on top.
/* A block comment
   over two lines. */
# A line starting with '#' is a comment too (bpf_asm: ^#.*).
start:  ld [12]              ; #0  LD|W|ABS=0x20                 => 32 0 0 12
        ldh [x + 14]         ; #1  LD|H|IND=0x48                 => 72 0 0 14
        ldb [%x + 2]         ; #2  LD|B|IND=0x50                 => 80 0 0 2
        ld [x+0x10]          ; #3  LD|W|IND=0x40, Sluice also takes x+k without spaces => 64 0 0 16
        ldh [12]             ; #4  LD|H|ABS=0x28                 => 40 0 0 12
        ldb [23]             ; #5  LD|B|ABS=0x30                 => 48 0 0 23
        ld #len              ; #6  LD|W|LEN=0x80                 => 128 0 0 0
        LD LEN               ; #7  bpf_asm is caseless           => 128 0 0 0
        ld #0x800            ; #8  LD|IMM=0x00                   => 0 0 0 2048
        ldi #-1              ; #9  LD|IMM, -1 as u32             => 0 0 0 4294967295
        ldi 010              ; #10 octal 010 = 8                 => 0 0 0 8
        ld M[3]              ; #11 LD|MEM=0x60                   => 96 0 0 3
        ld proto             ; #12 SKF_AD_OFF+0                  => 32 0 0 4294963200
        ld #type             ; #13 SKF_AD_OFF+4                  => 32 0 0 4294963204
        ldh ifidx            ; #14 LD|H|ABS, SKF_AD_OFF+8        => 40 0 0 4294963208
        ldb nla              ; #15 LD|B|ABS, SKF_AD_OFF+12       => 48 0 0 4294963212
        ld nlan              ; #16 +16                           => 32 0 0 4294963216
        ld mark              ; #17 +20                           => 32 0 0 4294963220
        ld queue             ; #18 +24                           => 32 0 0 4294963224
        ld hatype            ; #19 +28                           => 32 0 0 4294963228
        ld rxhash            ; #20 +32                           => 32 0 0 4294963232
        ld cpu               ; #21 +36                           => 32 0 0 4294963236
        ld vlan_tci          ; #22 +44                           => 32 0 0 4294963244
        ld vlan_avail        ; #23 +48                           => 32 0 0 4294963248
        ld vlan_pr           ; #24 bpf_asm's older name, +48     => 32 0 0 4294963248
        ld poff              ; #25 +52                           => 32 0 0 4294963252
        ld rand              ; #26 +56                           => 32 0 0 4294963256
        ld vlan_tpid         ; #27 +60                           => 32 0 0 4294963260
        ldx #5               ; #28 LDX|IMM=0x01                  => 1 0 0 5
        ldxi 0b101           ; #29 binary 0b101 = 5              => 1 0 0 5
        ldx len              ; #30 LDX|W|LEN=0x81                => 129 0 0 0
        ldx #len             ; #31                               => 129 0 0 0
        ldx M[15]            ; #32 LDX|MEM=0x61                  => 97 0 0 15
        ldx 4*([14]&0xf)     ; #33 LDX|B|MSH=0xb1                => 177 0 0 14
        ldxb 4*([14]&0xf)    ; #34                               => 177 0 0 14
        st M[0]              ; #35 ST=0x02                       => 2 0 0 0
        stx M[1]             ; #36 STX=0x03                      => 3 0 0 1
        add #1               ; #37 ALU|ADD|K=0x04                => 4 0 0 1
        add x                ; #38 ALU|ADD|X=0x0c                => 12 0 0 0
        sub #1               ; #39 0x14                          => 20 0 0 1
        sub %x               ; #40 0x1c                          => 28 0 0 0
        mul #3               ; #41 0x24                          => 36 0 0 3
        mul x                ; #42 0x2c                          => 44 0 0 0
        div #2               ; #43 0x34                          => 52 0 0 2
        div x                ; #44 0x3c                          => 60 0 0 0
        mod #7               ; #45 0x94                          => 148 0 0 7
        mod x                ; #46 0x9c                          => 156 0 0 0
        and #0xff            ; #47 0x54                          => 84 0 0 255
        and x                ; #48 0x5c                          => 92 0 0 0
        or #0x10             ; #49 0x44                          => 68 0 0 16
        or x                 ; #50 0x4c                          => 76 0 0 0
        xor #5               ; #51 0xa4                          => 164 0 0 5
        xor x                ; #52 0xac                          => 172 0 0 0
        lsh #2               ; #53 0x64                          => 100 0 0 2
        lsh x                ; #54 0x6c                          => 108 0 0 0
        rsh #1               ; #55 0x74                          => 116 0 0 1
        rsh x                ; #56 0x7c                          => 124 0 0 0
        neg                  ; #57 ALU|NEG=0x84                  => 132 0 0 0
        tax                  ; #58 MISC|TAX=0x07                 => 7 0 0 0
        txa                  ; #59 MISC|TXA=0x87                 => 135 0 0 0
; Jumps: good is #78, bad is #79.
        jeq #0x800, good, bad ; #60 JMP|JEQ|K=0x15, 78-61=17, 79-61=18 => 21 17 18 2048
        jeq x, good, bad     ; #61 JMP|JEQ|X=0x1d                => 29 16 17 0
        jeq %x, good         ; #62 one target: jf=0              => 29 15 0 0
        jeq #1, good         ; #63                               => 21 14 0 1
        jneq #6, bad         ; #64 jeq with the target in jf     => 21 0 14 6
        jne x, bad           ; #65                               => 29 0 13 0
        jlt #10, bad         ; #66 jge (JMP|JGE|K=0x35), target in jf => 53 0 12 10
        jlt x, bad           ; #67 JMP|JGE|X=0x3d                => 61 0 11 0
        jle #10, bad         ; #68 jgt (JMP|JGT|K=0x25), target in jf => 37 0 10 10
        jle %x, bad          ; #69 JMP|JGT|X=0x2d                => 45 0 9 0
        jgt #1, good, bad    ; #70                               => 37 7 8 1
        jgt x, good          ; #71                               => 45 6 0 0
        jge #2, good, bad    ; #72                               => 53 5 6 2
        jge x, good          ; #73                               => 61 4 0 0
        jset #0x4, good, bad ; #74 JMP|JSET|K=0x45               => 69 3 4 4
        jset x, good         ; #75 JMP|JSET|X=0x4d               => 77 2 0 0
        ja good              ; #76 JMP|JA=0x05, k=78-77=1        => 5 0 0 1
        jmp bad              ; #77 k=79-78=1                     => 5 0 0 1
good:   ret #0x7fff0000      ; #78 RET|K=0x06                    => 6 0 0 2147418112
bad:    ret a                ; #79 RET|A=0x16                    => 22 0 0 0
        ret %a               ; #80                               => 22 0 0 0
        ret #-1              ; #81                               => 6 0 0 4294967295
        ret x                ; #82 RET|X=0x0e: bpf_asm emits it, the kernel's verifier rejects it => 14 0 0 0
