package dev.sluice.scpl.error;

import dev.sluice.core.error.FailureKind;

/**
 * The failures of the SCPL language and the OCI profile importer, with their exact messages.
 */
public enum ScplFailure implements FailureKind {
    // --- SCPL (scpl language): add kinds below this line ---
    // Every SCPL format ends in %s, which receives the source line and a caret (or "" without a position).
    SCPL_SYNTAX(Category.SYNTAX, "%s%s"),
    SCPL_UNKNOWN_SYSCALL(Category.SYNTAX, "unknown syscall '%s' on %s%s%s"),
    SCPL_UNKNOWN_ERRNO(Category.SYNTAX, "unknown errno name '%s'%s%s"),
    SCPL_UNKNOWN_NAME(Category.SYNTAX, "unknown %s '%s'%s%s"),
    SCPL_UNKNOWN_ARCH(Category.SYNTAX, "unknown arch '%s' (SCPL has syscall tables for %s)%s"),
    SCPL_BAD_VALUE(Category.SYNTAX, "%s%s"),
    SCPL_DUPLICATE(Category.SYNTAX, "'%s' is already defined at %s%s"),
    SCPL_DEFINITION_CYCLE(Category.SYNTAX, "%s '%s' refers to itself (%s)%s"),
    SCPL_INCLUDE_CYCLE(Category.SYNTAX, "include cycle: %s%s"),
    SCPL_INCLUDE_FAILED(Category.SYNTAX, "cannot include \"%s\": %s%s"),
    SCPL_NO_POLICY(Category.SYNTAX, "no policy block '{ default_action = ...; rules = [...] }' in %s%s"),
    SCPL_SECOND_POLICY(
            Category.SYNTAX,
            "a second policy block (the first is at %s); a policy file has exactly one, included files none%s"),
    SCPL_SHADOWED_RULE(Category.SYNTAX, "rule never applies: %s %s decided by the earlier rule at %s%s"),
    SCPL_TOO_LARGE(
            Category.VERIFY, "compiled filter has %d instructions, more than the kernel's 4096; largest part: %s%s"),
    SCPL_VALIDATION_MISMATCH(
            Category.RUNTIME,
            "translation validation failed (compiler bug): arch %s, %s, args %s: policy says %s, compiled BPF says %s%s"),
    // Docker/OCI seccomp profile import (dev.sluice.scpl.oci); like the SCPL kinds, each format ends in the snippet %s.
    OCI_MALFORMED_JSON(Category.SYNTAX, "malformed JSON: %s%s"),
    OCI_SCHEMA(Category.SYNTAX, "not a valid seccomp profile: %s%s"),
    OCI_NO_TARGET_ARCH(Category.SYNTAX, "no target arch with an SCPL syscall table: %s (SCPL has tables for %s)%s");

    private final Category category;
    private final String format;

    ScplFailure(Category category, String format) {
        this.category = category;
        this.format = format;
    }

    @Override
    public Category category() {
        return category;
    }

    @Override
    public String format() {
        return format;
    }
}
