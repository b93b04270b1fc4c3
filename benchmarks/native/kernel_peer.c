/*
 * The kernel's JIT as a peer: a classic BPF program translated here to eBPF, loaded with bpf(BPF_PROG_LOAD) as a
 * BPF_PROG_TYPE_SOCKET_FILTER program and run with BPF_PROG_TEST_RUN, which reports the kernel's own time per run.
 *
 * The translation keeps the classic program's shape, one or a few eBPF instructions per classic one (our own, after
 * the register roles of the kernel's classic-to-eBPF conversion in net/core/filter.c): A in r0, X in r7, the context
 * in r6 (what the legacy BPF_LD|BPF_ABS/BPF_IND packet loads need), M[] on the stack. Packet loads stay legacy loads,
 * as for a classic filter attached to a socket: the kernel runs them through its load helpers and ends the program
 * with 0 when they fall outside the packet. Jumps compare the low 32 bits (BPF_JMP32), as classic BPF does.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filters.h"

#define R_A 0
#define R_TMP 2
#define R_CTX 6
#define R_X 7
#define R_FP 10
#define MAX_OUT (4096 * 8 + 32)

static struct bpf_insn make(int code, int dst, int src, int off, int imm) {
    struct bpf_insn i;
    memset(&i, 0, sizeof i);
    i.code = (unsigned char)code;
    i.dst_reg = dst;
    i.src_reg = src;
    i.off = (short)off;
    i.imm = imm;
    return i;
}

/* The number of eBPF instructions classic instruction c becomes (before its jumps are resolved). */
static int width(const struct classic_insn *c) {
    int cls = BPF_CLASS(c->code);
    if (cls == BPF_LDX && BPF_MODE(c->code) == BPF_MSH) return 7;
    if (cls == BPF_ALU && (BPF_OP(c->code) == BPF_DIV || BPF_OP(c->code) == BPF_MOD) && BPF_SRC(c->code) == BPF_X) return 4;
    if (cls == BPF_RET) return BPF_RVAL(c->code) == BPF_A ? 1 : 2;
    if (cls == BPF_JMP && BPF_OP(c->code) != BPF_JA) return c->jf ? 2 : 1;
    return 1;
}

static int stack_slot(unsigned k) { return -64 + 4 * (int)k; }

int kernel_load(const struct classic_insn *prog, int count, char *err, size_t errlen) {
    static struct bpf_insn out[MAX_OUT];
    int start[4096 + 1];
    int n = 0;
    /* Prologue: ctx to r6, A = X = 0, M[] zeroed (the eBPF verifier refuses reads of unwritten stack). */
    out[n++] = make(BPF_ALU64 | BPF_MOV | BPF_X, R_CTX, 1, 0, 0);
    out[n++] = make(BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
    out[n++] = make(BPF_ALU | BPF_MOV | BPF_K, R_X, 0, 0, 0);
    for (int s = 0; s < 8; s++) out[n++] = make(BPF_ST | BPF_MEM | BPF_DW, R_FP, 0, -64 + 8 * s, 0);
    for (int pc = 0, at = n; pc <= count; pc++) {
        start[pc] = at;
        if (pc < count) at += width(&prog[pc]);
    }
    for (int pc = 0; pc < count; pc++) {
        const struct classic_insn *c = &prog[pc];
        int cls = BPF_CLASS(c->code), k = (int)c->k;
        int next = start[pc + 1];
        switch (cls) {
        case BPF_LD:
        case BPF_LDX: {
            int dst = cls == BPF_LD ? R_A : R_X;
            switch (BPF_MODE(c->code)) {
            case BPF_IMM: out[n++] = make(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, k); break;
            case BPF_LEN: out[n++] = make(BPF_LDX | BPF_MEM | BPF_W, dst, R_CTX, offsetof(struct __sk_buff, len), 0); break;
            case BPF_MEM: out[n++] = make(BPF_LDX | BPF_MEM | BPF_W, dst, R_FP, stack_slot(c->k), 0); break;
            case BPF_ABS: out[n++] = make(BPF_LD | BPF_ABS | BPF_SIZE(c->code), 0, 0, 0, k); break;
            case BPF_IND: out[n++] = make(BPF_LD | BPF_IND | BPF_SIZE(c->code), 0, R_X, 0, k); break;
            case BPF_MSH: /* X = 4 * (pkt[k] & 0xf); A survives in X's register across the load. */
                out[n++] = make(BPF_ALU64 | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
                out[n++] = make(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, k);
                out[n++] = make(BPF_ALU | BPF_AND | BPF_K, R_A, 0, 0, 0xf);
                out[n++] = make(BPF_ALU | BPF_LSH | BPF_K, R_A, 0, 0, 2);
                out[n++] = make(BPF_ALU64 | BPF_MOV | BPF_X, R_TMP, R_X, 0, 0);
                out[n++] = make(BPF_ALU64 | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
                out[n++] = make(BPF_ALU64 | BPF_MOV | BPF_X, R_A, R_TMP, 0, 0);
                break;
            default: snprintf(err, errlen, "instruction %d: unsupported load %#x", pc, c->code); return -1;
            }
            break;
        }
        case BPF_ST: out[n++] = make(BPF_STX | BPF_MEM | BPF_W, R_FP, R_A, stack_slot(c->k), 0); break;
        case BPF_STX: out[n++] = make(BPF_STX | BPF_MEM | BPF_W, R_FP, R_X, stack_slot(c->k), 0); break;
        case BPF_ALU:
            if (BPF_SRC(c->code) == BPF_X && (BPF_OP(c->code) == BPF_DIV || BPF_OP(c->code) == BPF_MOD)) {
                /* Classic BPF ends the program with 0 on a division by X == 0. */
                out[n++] = make(BPF_JMP32 | BPF_JNE | BPF_K, R_X, 0, 2, 0);
                out[n++] = make(BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
                out[n++] = make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
            }
            out[n++] = make(BPF_ALU | BPF_OP(c->code) | BPF_SRC(c->code), R_A, BPF_SRC(c->code) == BPF_X ? R_X : 0, 0,
                            BPF_OP(c->code) == BPF_NEG || BPF_SRC(c->code) == BPF_X ? 0 : k);
            break;
        case BPF_JMP:
            if (BPF_OP(c->code) == BPF_JA) {
                out[n] = make(BPF_JMP | BPF_JA, 0, 0, start[pc + 1 + k] - (n + 1), 0);
                n++;
            } else {
                int src = BPF_SRC(c->code) == BPF_X ? R_X : 0;
                out[n] = make(BPF_JMP32 | BPF_OP(c->code) | BPF_SRC(c->code), R_A, src, start[pc + 1 + c->jt] - (n + 1), k);
                n++;
                if (c->jf) {
                    out[n] = make(BPF_JMP | BPF_JA, 0, 0, start[pc + 1 + c->jf] - (n + 1), 0);
                    n++;
                }
            }
            break;
        case BPF_RET:
            if (BPF_RVAL(c->code) == BPF_K) out[n++] = make(BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, k);
            else if (BPF_RVAL(c->code) == BPF_X) out[n++] = make(BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
            out[n++] = make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
            break;
        case BPF_MISC:
            if (BPF_MISCOP(c->code) == BPF_TAX) out[n++] = make(BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
            else out[n++] = make(BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
            break;
        default: snprintf(err, errlen, "instruction %d: unsupported class %#x", pc, c->code); return -1;
        }
        if (n != next) { snprintf(err, errlen, "instruction %d: translated to %d instructions, %d expected", pc, n - start[pc], next - start[pc]); return -1; }
    }
    static char log[1 << 16];
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insns = (unsigned long)out;
    attr.insn_cnt = (unsigned)n;
    attr.license = (unsigned long)"GPL";
    attr.log_buf = (unsigned long)log;
    attr.log_size = sizeof log;
    attr.log_level = 1;
    log[0] = 0;
    int fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (fd < 0) {
        const char *tail = strlen(log) > 300 ? log + strlen(log) - 300 : log;
        snprintf(err, errlen, "BPF_PROG_LOAD: %s; verifier: %s", strerror(errno), tail);
    }
    return fd;
}

int kernel_run(int fd, const u_char *frame, u_int len, u_int repeat, u_int *verdict, u_int *duration_ns) {
    /* For socket filters the kernel's test run pulls an Ethernet header off the data (eth_type_trans) and runs the
     * program from the network header. A 14-byte dummy header in front keeps the whole frame where the program
     * expects it: skb->data is then the frame's first byte and skb->len its length, as for a packet socket. */
    static u_char in[65536 + 14];
    if (len > sizeof in - 14) { errno = EINVAL; return -1; }
    memset(in, 0, 12);
    in[12] = 0x08; in[13] = 0x00;
    memcpy(in + 14, frame, len);
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.test.prog_fd = (unsigned)fd;
    attr.test.data_in = (unsigned long)in;
    attr.test.data_size_in = len + 14;
    attr.test.repeat = repeat;
    if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr, sizeof attr) < 0) return -1;
    *verdict = attr.test.retval;
    *duration_ns = attr.test.duration;
    return 0;
}
