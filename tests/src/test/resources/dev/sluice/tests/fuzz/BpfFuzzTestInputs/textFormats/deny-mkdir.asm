; deny-mkdir: mkdir and mkdirat fail with EPERM, every other x86_64 syscall is allowed.
; Numbers: arch/x86/entry/syscalls/syscall_64.tbl; 0xc000003e = AUDIT_ARCH_X86_64 (linux/audit.h).
        ld [4]                  ; seccomp_data.arch
        jne #0xc000003e, kill
        ld [0]                  ; seccomp_data.nr
        jge #0x40000000, kill   ; x32 syscall numbers
        jeq #83, deny           ; mkdir
        jeq #258, deny          ; mkdirat
        ret #0x7fff0000         ; SECCOMP_RET_ALLOW
deny:   ret #0x00050001         ; SECCOMP_RET_ERRNO | EPERM
kill:   ret #0x80000000         ; SECCOMP_RET_KILL_PROCESS
