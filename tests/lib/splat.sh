# The kernel log lines that say the kernel found a bug in itself: the one
# definition for qemu/run (bash, on the guest console) and for the in-VM
# suites (busybox sh, on dmesg).  Sourced, not run.
#
# SPLAT_RE is an extended regex for the start of such a message: WARNING,
# BUG (KASAN reports are "BUG: KASAN: ..."), Oops, panic, UBSAN, lockdep
# (its reports start with WARNING or BUG too), hung tasks, RCU stalls,
# soft and hard lockups, and a bare stack dump.  SPLAT_LINE_RE matches a
# kernel log line carrying one: the printk timestamp (CONFIG_PRINTK_TIME)
# right before it tells it from a program's output that merely says
# "WARNING:", and lets it be found after other text on a console line.
#
# SPLAT_FATAL_RE (with SPLAT_FATAL_LINE_RE): the subset after which the
# kernel cannot be trusted to finish the run (a suite may then panic the
# guest rather than wait for its timeout).
SPLAT_RE='WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|UBSAN:|general protection fault|Unable to handle kernel|INFO: task .* blocked for|(rcu: )?INFO: rcu|rcu: .*detected stall|watchdog: BUG:|Call Trace:|.*possible circular locking|.*possible recursive locking|.*inconsistent lock state|.*suspicious RCU usage'
SPLAT_FATAL_RE='BUG:|kernel BUG at|Oops|general protection fault'
SPLAT_LINE_RE="\\[ *[0-9]+\\.[0-9]+\\] ($SPLAT_RE)"
SPLAT_FATAL_LINE_RE="\\[ *[0-9]+\\.[0-9]+\\] ($SPLAT_FATAL_RE)"

# splat_lines [FILE...]: the splat lines of the FILEs (default: stdin);
# status 0 if there is one.
splat_lines() {
	grep -aE "$SPLAT_LINE_RE" "$@"
}

# fatal_splat_lines [FILE...]: the same for SPLAT_FATAL_RE.
fatal_splat_lines() {
	grep -aE "$SPLAT_FATAL_LINE_RE" "$@"
}
