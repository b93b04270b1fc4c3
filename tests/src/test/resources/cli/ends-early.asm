; A division by X = 0 ends a filter with 0 (kernel semantics); explain shows where.
    ld [0]
    st M[3]
    ld [16]          ; arg0, low half
    tax
    ld M[3]
    add #97
    div x
    jset #1, odd
    ret #0x7fff0000
odd:
    ret a
