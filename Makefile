# nestmap: build the patched kernel, boot it in QEMU, run the mmap matrix.
# `make help` lists the targets.  Steps run one after another.

SHELL := /bin/bash
.NOTPARALLEL:

BUILD := $(abspath build)
KDIR := $(BUILD)/kernel/default
KDIR_DEBUG := $(BUILD)/kernel/debug
KBUILD_LOCK := /tmp/nestmap-kbuild.lock
DEBUG_INITRD := $(BUILD)/initramfs-debug.cpio.gz
# The in-VM suites `make test-debug` runs on the KASAN kernel: the matrix,
# the revoke race, the short stress, hugetlbfs and SysV shm (all of vm/*
# would take CI past 30 minutes on this machine).
DEBUG_SUITES ?= vm/matrix vm/revoke-race vm/stress vm/hugetlb vm/shm
DEBIAN_PACKAGES := build-essential git python3 xz-utils qemu-system-x86 \
	busybox-static flex bison bc libelf-dev libssl-dev cpio liburcu-dev \
	meson ninja-build pkg-config debian-archive-keyring xfslibs-dev \
	e2fsprogs xfsprogs rsync
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# Extra options for qemu/run in `make run`, e.g. RUN_ARGS="--timeout 600".
RUN_ARGS ?=
# `make stress`: the guest is killed after this many seconds.
STRESS_TIMEOUT ?= 3600
STRESS_OUT := $(BUILD)/logs/stress.out

.PHONY: help deps kernel kernel-debug modules modules-debug userspace \
	initramfs run test test-debug check stress bench clean distclean

help:
	@echo "nestmap targets:"
	@echo "  make run         the main job: deps, kernel, modules, userspace,"
	@echo "                   initramfs, then boot and run the mmap matrix"
	@echo "  make check       every test: make test, then make test-debug;"
	@echo "                   last line: N passed, N failed, N skipped"
	@echo "  make test        all suites on the default kernel"
	@echo "  make test-debug  the in-VM suites on the debug (KASAN) kernel"
	@echo "  make stress      the long concurrency stress and revoke race"
	@echo "  make deps        install the missing Debian packages (apt-get)"
	@echo "  make kernel      build/kernel/default (kernel-debug: build/kernel/debug)"
	@echo "  make modules     fs/ modules against build/kernel/default"
	@echo "  make userspace   test binaries into build/userspace"
	@echo "  make initramfs   build/initramfs.cpio.gz"
	@echo "  make bench       the benchmark: build/bench/results.md and plots"
	@echo "                   (BENCH_QUICK=1 smoke run, BENCH_COLD=1 cold clone)"
	@echo "  make clean       remove build/ except the downloaded source"
	@echo "  make distclean   remove all of build/"
	@echo "Source: KERNEL_SRC=/path/to/linux or KERNEL_TARBALL=/path/to/tarball;"
	@echo "default: apt-get download of linux-source-7.3 7.3.4-1~bpo13+1."
	@echo "xfstests (fsx, fsstress): XFSTESTS_SRC=/path/to/fstests checkout or"
	@echo "XFSTESTS_TARBALL=/path/to/xfstests-63a29724.tar.xz; default:"
	@echo "../shared/xfstests-src/ (see userspace/build-xfstests-tools.sh)."

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | \
			grep -q '^install ok installed$$' || echo "$$p"; \
	done); \
	if [ -z "$$missing" ]; then \
		echo "deps: all Debian packages present"; \
	else \
		mkdir -p $(BUILD)/logs; \
		echo "deps: installing" $$missing "(log: $(BUILD)/logs/deps.log)"; \
		{ $(SUDO) apt-get update -q && \
		  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install \
			-y -q --no-install-recommends $$missing; \
		} </dev/null >$(BUILD)/logs/deps.log 2>&1 || \
		{ tail -n 20 $(BUILD)/logs/deps.log; \
		  echo "deps: apt-get failed; see $(BUILD)/logs/deps.log"; exit 1; }; \
		echo "deps: done"; \
	fi

kernel:
	kernel/build-kernel.sh default

kernel-debug:
	kernel/build-kernel.sh debug

# Module builds take the machine-wide build lock, like kernel builds.
modules: kernel
	@if [ -f fs/Makefile ]; then \
		flock $(KBUILD_LOCK) $(MAKE) -C fs KDIR=$(KDIR); \
	else echo "modules: no fs/Makefile yet, skipped"; fi

modules-debug: kernel-debug
	@if [ -f fs/Makefile ]; then \
		flock $(KBUILD_LOCK) $(MAKE) -C fs KDIR=$(KDIR_DEBUG); \
	else echo "modules: no fs/Makefile yet, skipped"; fi

userspace:
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace; \
	else echo "userspace: no userspace/Makefile yet, skipped"; fi

initramfs: modules userspace
	qemu/mkinitramfs.sh

run: deps kernel modules userspace initramfs
	qemu/run $(RUN_ARGS)

test: deps kernel modules userspace initramfs
	tests/run-tests.sh

# modules-debug rebuilds fs/*.ko for the debug kernel; the next `make
# modules` rebuilds them for the default one (kbuild sees the new KDIR).
# The host suites do not depend on the kernel: only the in-VM ones run.
test-debug: deps kernel-debug modules-debug userspace
	qemu/mkinitramfs.sh -o $(DEBUG_INITRD)
	NESTMAP_KERNEL=$(KDIR_DEBUG)/arch/x86/boot/bzImage \
		NESTMAP_INITRD=$(DEBUG_INITRD) NESTMAP_VM_MEM=2G \
		NESTMAP_SUITES="$(DEBUG_SUITES)" tests/run-tests.sh

check:
	tests/check.sh

# The long versions of tests/vm/stress.sh and revoke-race.sh (make test
# runs the short ones), in one boot; the result lines are repeated at the end.
stress: deps kernel modules userspace initramfs
	@mkdir -p $(BUILD)/logs; status=0; \
	qemu/run --timeout $(STRESS_TIMEOUT) --add tests/vm --add tests/lib \
		--output $(STRESS_OUT) -- \
		'rc=0; for s in revoke-race stress; do sh add/vm/$$s.sh --long </dev/null || rc=1; done; exit $$rc' || \
		status=$$?; \
	echo "== make stress: results (output: $(STRESS_OUT))"; \
	grep -aE '^(ok|not ok) |^# race |^# (stress|revoke race): ' \
		$(STRESS_OUT) || true; \
	echo "== make stress: exit status $$status"; \
	exit $$status

# The benchmark (tests/bench/run-bench.sh; results in build/bench/).
# BENCH_QUICK=1: a smoke run; BENCH_COLD=1: also time a cold clone.
# gnuplot is needed for the plots only, so it is not in DEBIAN_PACKAGES.
BENCH_PACKAGES := gnuplot-nox

bench: deps
	@if ! command -v gnuplot >/dev/null; then \
		mkdir -p $(BUILD)/logs; \
		echo "bench: installing $(BENCH_PACKAGES) (log: $(BUILD)/logs/deps-bench.log)"; \
		{ $(SUDO) apt-get update -q && \
		  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install \
			-y -q --no-install-recommends $(BENCH_PACKAGES); \
		} </dev/null >$(BUILD)/logs/deps-bench.log 2>&1 || \
		{ tail -n 20 $(BUILD)/logs/deps-bench.log; \
		  echo "bench: apt-get failed; see $(BUILD)/logs/deps-bench.log"; exit 1; }; \
	fi
	tests/bench/run-bench.sh

clean:
	@if [ -f fs/Makefile ] && [ -d $(KDIR) ]; then \
		$(MAKE) -C fs KDIR=$(KDIR) clean; fi
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace clean; fi
	find build -mindepth 1 -maxdepth 1 ! -name apt -exec rm -rf {} + \
		2>/dev/null || true

distclean: clean
	rm -rf build
