# SPDX-License-Identifier: GPL-2.0-or-later
"""vm.py - boot a real modular Debian kernel under qemu with the freshly built kmodwatchd,
run the scenarios of guest-init.sh in it, and collect the results for the scenario checks.

  python3 vm.py            fetch (cached), build the initramfs, boot, collect
  KMW_SCENARIOS=04,07 python3 vm.py   run only those scenarios (the daemon always runs)

Environment: KMW_BUILDDIR, KMW_SRCDIR (set by make check), KMW_KERNEL_CACHE (default
/var/cache/kmodwatch-tests), KMW_QEMU_ACCEL (tcg; kvm; auto: a bounded KVM boot first, TCG
when it fails), KMW_VM_TIMEOUT.
Results go to $KMW_BUILDDIR/tests/kernel/out/: serial.log (the guest console), data.log
(the guest's data channel), and one file per section the guest sent. Exit 0, 1, or 77.
"""
import glob
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kmwlive import AUDITD_CONF  # noqa: E402

BUILD = os.environ.get("KMW_BUILDDIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
SRC = os.environ.get("KMW_SRCDIR", BUILD)
OUT = os.path.join(BUILD, "tests", "kernel", "out")
CACHE = os.environ.get("KMW_KERNEL_CACHE", "/var/cache/kmodwatch-tests")
TIMEOUT = int(os.environ.get("KMW_VM_TIMEOUT", "180"))

# small modules without dependencies, and one that takes parameters (dummy numdummies=)
# tcp_nv has a srcversion and writable parameters; nouveau (5 MB) serves the benchmark
MODULES = ["kernel/lib/crc7.ko", "kernel/lib/crc16.ko", "kernel/lib/crc-itu-t.ko",
           "kernel/fs/nls/nls_utf8.ko", "kernel/drivers/net/dummy.ko",
           "kernel/net/ipv4/tcp_nv.ko"]
EXTRA_FILES = ["kernel/drivers/gpu/drm/nouveau/nouveau.ko"]
SIG_MAGIC = b"~Module signature appended~\n"
# the test modules, by name: their source, and the mode it is built in. kmw_hide.c: 1 unlinks
# from the list in init, 2 from the list and sysfs a few seconds later; kmw_evil.c: 1 silent
# (its audit record dropped, gone from both views), 2 sleepy, 3 untaint, 4 params, 5 decoy;
# kmw_silent also says it is from staging: its load alone sets taint C, a flag no other
# scenario sets, in whatever order they run
TESTMODS = {"kmw_hide_now": ("kmw_hide.c", 1), "kmw_hide_later": ("kmw_hide.c", 2),
            "kmw_hide_pre": ("kmw_hide.c", 1), "kmw_hide_lst": ("kmw_hide.c", 1),
            "kmw_silent": ("kmw_evil.c", 1), "kmw_silent_ima": ("kmw_evil.c", 1),
            "kmw_sleepy": ("kmw_evil.c", 2), "kmw_sleepy2": ("kmw_evil.c", 2),
            "kmw_untaint": ("kmw_evil.c", 3),
            "kmw_params": ("kmw_evil.c", 4), "kmw_decoy1": ("kmw_evil.c", 5),
            "kmw_decoy2": ("kmw_evil.c", 5)}
# the names the decoys load under, written over their own: each forges /proc/modules lines
DECOYS = {"kmw_decoy1": b"d\nkmw_hide_lst 1 0 - Live 0",
          "kmw_decoy2": b'q"\\\nghost 4096 0 - Live 0x0'}
# a decoy is built under a name this long, with room for the one written over it
DECOY_BUILD = "%s_" + "x" * 40


def log(*a):
    print("kernel-harness:", *a, flush=True)


def skip(why):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "skip"), "w") as f:
        f.write(why + "\n")
    log("SKIP: " + why)
    sys.exit(77)


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def kernel_package():
    """The package linux-image-amd64 depends on now: never a hard-coded version."""
    r = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True, text=True)
    m = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)", r.stdout)
    return m.group(1) if m else None


def cached_kernels():
    return sorted(d for d in glob.glob(os.path.join(CACHE, "*", "vmlinux"))
                  if complete(os.path.dirname(d)))


def complete(kdir):
    """A cache folder holds everything this version of the harness uses."""
    return os.path.exists(os.path.join(kdir, "vmlinux")) and all(
        os.path.exists(os.path.join(kdir, "modules", m)) for m in MODULES + EXTRA_FILES)


def fetch_kernel():
    """Returns the cache folder of one kernel: vmlinux, modules/, kver."""
    pkg = kernel_package()
    if pkg:
        kdir = os.path.join(CACHE, pkg)
        if complete(kdir):
            return kdir
    else:
        have = cached_kernels()
        if have:
            log("apt knows no linux-image-amd64 (run apt-get update); using the cached kernel")
            return os.path.dirname(have[-1])
        skip("no kernel: apt-cache knows no linux-image-amd64 and nothing is cached in " + CACHE)
    os.makedirs(CACHE, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="kmw-kernel-", dir=CACHE)
    try:
        t0 = time.time()
        r = subprocess.run(["apt-get", "download", pkg], cwd=tmp, capture_output=True, text=True)
        debs = glob.glob(os.path.join(tmp, "*.deb"))
        if r.returncode != 0 or not debs:
            skip("cannot download %s (no network to the Debian mirror?): %s" %
                 (pkg, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode))
        log("downloaded %s in %.1f s" % (os.path.basename(debs[0]), time.time() - t0))
        root = os.path.join(tmp, "root")
        run("dpkg-deb", "-x", debs[0], root)
        vmlinuz = glob.glob(os.path.join(root, "boot", "vmlinuz-*"))[0]
        kver = os.path.basename(vmlinuz)[len("vmlinuz-"):]
        stage = os.path.join(tmp, "stage")
        os.makedirs(os.path.join(stage, "modules"))
        # booting the ELF payload directly saves the in-guest decompression (seconds under TCG)
        data = open(vmlinuz, "rb").read()
        off = data.find(b"\xfd7zXZ\x00")
        if off < 0:
            raise RuntimeError("no xz payload in " + vmlinuz)
        with open(os.path.join(stage, "vmlinux"), "wb") as f:
            f.write(lzma.LZMADecompressor().decompress(data[off:]))
        mroot = os.path.join(root, "lib", "modules", kver)
        for m in MODULES + EXTRA_FILES + ["modules.builtin", "modules.builtin.modinfo",
                                          "modules.order"]:
            dst = os.path.join(stage, "modules", m)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(mroot, m), dst)
        with open(os.path.join(stage, "kver"), "w") as f:
            f.write(kver + "\n")
        kdir = os.path.join(CACHE, pkg)
        shutil.rmtree(kdir, ignore_errors=True)
        os.rename(stage, kdir)
        return kdir
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def rename_module(path, old, new):
    """Write @new over the name @old of the module file @path (in .modinfo and in the struct
    module of .gnu.linkonce.this_module), padded with NULs: the kernel takes any bytes."""
    import struct
    data = bytearray(open(path, "rb").read())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    strtab_off, = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 0x18)
    done = 0
    for i in range(shnum):
        h = shoff + i * shentsize
        name_off, = struct.unpack_from("<I", data, h)
        off, size = struct.unpack_from("<QQ", data, h + 0x18)
        end = data.index(b"\0", strtab_off + name_off)
        sname = bytes(data[strtab_off + name_off:end])
        if sname not in (b".modinfo", b".gnu.linkonce.this_module"):
            continue
        sec = bytes(data[off:off + size])
        want = (b"name=" if sname == b".modinfo" else b"") + old.encode() + b"\0"
        at = sec.find(want)
        if at < 0:
            raise RuntimeError("%s: no %r in %s" % (path, want, sname))
        put = (b"name=" if sname == b".modinfo" else b"") + new
        data[off + at:off + at + len(want)] = put + b"\0" * (len(want) - len(put))
        done += 1
    if done != 2:
        raise RuntimeError("%s: the name is not where a module keeps it" % path)
    open(path, "wb").write(bytes(data))


def test_modules(kdir, kver):
    """The test modules (TESTMODS), built against Debian's linux-headers-KVER (installed with
    apt-get when missing) and cached beside the kernel by the hash of their sources.
    Returns ({name: path}, None) or ({}, why not)."""
    import hashlib
    srcs = {f: open(os.path.join(SRC, "tests", "kernel", f), "rb").read()
            for f in sorted(set(s for s, _ in TESTMODS.values()))}
    tag = hashlib.sha256(b"".join(srcs.values()) + repr(sorted(TESTMODS.items())).encode() +
                         repr(sorted(DECOYS.items())).encode() + kver.encode()).hexdigest()[:12]
    cdir = os.path.join(kdir, "testmods-" + tag)
    have = {n: os.path.join(cdir, n + ".ko") for n in TESTMODS}
    if all(os.path.exists(p) for p in have.values()):
        return have, None
    headers = "/usr/src/linux-headers-" + kver
    if not os.path.exists(os.path.join(headers, "Makefile")):
        pkg = "linux-headers-" + kver
        t0 = time.time()
        r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", pkg],
                           capture_output=True, text=True,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if r.returncode != 0 or not os.path.exists(os.path.join(headers, "Makefile")):
            tail = (r.stderr.strip() or r.stdout.strip()).splitlines()
            return {}, "cannot install %s to build the test modules: %s" % (
                pkg, tail[-1] if tail else "exit %d" % r.returncode)
        log("installed %s in %.1f s" % (pkg, time.time() - t0))
    work = tempfile.mkdtemp(prefix="kmw-testmods-")
    built = {n: DECOY_BUILD % n if n in DECOYS else n for n in TESTMODS}
    try:
        for name, (src, mode) in TESTMODS.items():
            macro = "KMW_HIDE" if src == "kmw_hide.c" else "KMW_EVIL"
            extra = b"#define KMW_STAGING 1\n" if name == "kmw_silent" else b""
            with open(os.path.join(work, built[name] + ".c"), "wb") as f:
                f.write(b"#define %s %d\n" % (macro.encode(), mode) + extra + srcs[src])
        with open(os.path.join(work, "Kbuild"), "w") as f:
            f.write("".join("obj-m += %s.o\n" % built[n] for n in TESTMODS))
        t0 = time.time()
        r = subprocess.run(["make", "-C", headers, "M=" + work, "modules"], capture_output=True,
                           text=True)
        if r.returncode != 0:
            return {}, "the test modules do not build against %s: %s" % (
                headers, (r.stderr.strip().splitlines() or ["?"])[-1])
        log("built %d test modules in %.1f s" % (len(TESTMODS), time.time() - t0))
        for name, new in DECOYS.items():
            rename_module(os.path.join(work, built[name] + ".ko"), built[name], new)
        tmp = cdir + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        for n in TESTMODS:
            shutil.copy2(os.path.join(work, built[n] + ".ko"), os.path.join(tmp, n + ".ko"))
        shutil.rmtree(cdir, ignore_errors=True)
        os.rename(tmp, cdir)
        return have, None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def copy_exe(path, root, dest=None):
    """Copy an executable and the shared libraries ldd names, at the same paths."""
    dest = dest or path
    os.makedirs(os.path.dirname(root + dest), exist_ok=True)
    shutil.copy2(path, root + dest)
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if not m:
            continue
        lib = m.group(1)
        real = os.path.realpath(lib)
        if not os.path.exists(root + lib):
            os.makedirs(os.path.dirname(root + lib), exist_ok=True)
            shutil.copy2(real, root + lib)


def which(name, *extra):
    for d in list(extra) + os.environ.get("PATH", "").split(":") + ["/sbin", "/usr/sbin"]:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


def build_initramfs(kdir, work):
    kver = open(os.path.join(kdir, "kver")).read().strip()
    root = os.path.join(work, "root")
    for d in ["bin", "sbin", "usr/bin", "usr/sbin", "etc/audit/plugins.d", "proc", "sys", "dev",
              "run", "tmp", "mods", "var/log/audit", "lib/modules"]:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    bb = "/bin/busybox"
    if "not a dynamic" not in subprocess.run(["ldd", bb], capture_output=True, text=True).stdout + \
            subprocess.run(["ldd", bb], capture_output=True, text=True).stderr:
        skip("/bin/busybox is not static: install busybox-static")
    shutil.copy2(bb, os.path.join(root, "bin/busybox"))
    os.symlink("busybox", os.path.join(root, "bin/sh"))
    kmod = which("kmod", "/usr/bin", "/bin")
    copy_exe(kmod, root, "/usr/bin/kmod")
    # kmod dispatches on argv[0]
    for tool in ["insmod", "rmmod", "modprobe", "modinfo", "lsmod", "depmod"]:
        os.symlink("/usr/bin/kmod", os.path.join(root, "sbin", tool))
    for exe in ["auditd", "auditctl"]:
        copy_exe(which(exe), root, "/sbin/" + exe)
    # KMW_GUEST_DAEMON: another build's kmodwatchd (bench/race.py compares two)
    copy_exe(os.environ.get("KMW_GUEST_DAEMON") or os.path.join(BUILD, "src", "kmodwatchd"), root,
             "/usr/sbin/kmodwatchd")
    copy_exe(os.path.join(BUILD, "src", "kmodwatch"), root, "/usr/bin/kmodwatch")
    copy_exe(os.path.join(BUILD, "tests", "modcall"), root, "/usr/bin/modcall")
    if os.path.exists(os.path.join(BUILD, "tests", "loadexit")):
        shutil.copy2(os.path.join(BUILD, "tests", "loadexit"), os.path.join(root, "usr/bin/loadexit"))
    # the 32-bit helper, static: the guest has no 32-bit libc (s13 says so when it is missing)
    m32 = os.path.join(BUILD, "tests", "modcall32-static")
    if os.path.exists(m32):
        shutil.copy2(m32, os.path.join(root, "usr/bin/modcall32"))
    # the dynamic loader itself
    for ld in glob.glob("/lib64/ld-linux-x86-64.so.2"):
        os.makedirs(root + "/lib64", exist_ok=True)
        shutil.copy2(os.path.realpath(ld), root + ld)
    # KMW_GUEST_INIT: another /init, to try things out in this guest
    shutil.copy2(os.environ.get("KMW_GUEST_INIT") or
                 os.path.join(SRC, "tests", "kernel", "guest-init.sh"), os.path.join(root, "init"))
    # the shipped IMA policy, where systemd would load it from at boot
    os.makedirs(os.path.join(root, "etc/ima"), exist_ok=True)
    shutil.copy2(os.path.join(SRC, "rules", "kmodwatch.ima-policy"),
                 os.path.join(root, "etc/ima/ima-policy"))
    os.chmod(os.path.join(root, "init"), 0o755)
    with open(os.path.join(root, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/tmp:/bin/sh\n"
                "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n")
    with open(os.path.join(root, "etc/group"), "w") as f:
        f.write("root:x:0:\ntester:x:1000:\nnogroup:x:65534:\n")
    with open(os.path.join(root, "etc/audit/auditd.conf"), "w") as f:
        f.write(AUDITD_CONF.format(log="/var/log/audit/audit.log", plugins="/etc/audit/plugins.d"))
    os.chmod(os.path.join(root, "etc/audit/auditd.conf"), 0o600)
    # the kernel's own modules, and a modules.dep made by depmod
    mroot = os.path.join(root, "lib/modules", kver)
    for m in MODULES + ["modules.builtin", "modules.builtin.modinfo", "modules.order"]:
        os.makedirs(os.path.dirname(os.path.join(mroot, m)), exist_ok=True)
        shutil.copy2(os.path.join(kdir, "modules", m), os.path.join(mroot, m))
    run(which("depmod"), "-b", root, kver)
    # test files: a compressed copy, a copy with its signature stripped, a plain copy
    crc16 = os.path.join(mroot, "kernel/lib/crc16.ko")
    shutil.copy2(crc16, os.path.join(root, "mods/crc16.ko"))
    # inodes IMA has not audited yet: one for scenario 10, one to overwrite in scenario 15
    shutil.copy2(crc16, os.path.join(root, "mods/crc16-s10.ko"))
    shutil.copy2(os.path.join(mroot, "kernel/lib/crc7.ko"), os.path.join(root, "mods/crc7-over.ko"))
    with open(crc16, "rb") as src, open(os.path.join(root, "mods/crc16.ko.xz"), "wb") as dst:
        dst.write(lzma.compress(src.read(), check=lzma.CHECK_CRC32))
    unsigned = os.path.join(root, "mods/crc-itu-t-unsigned.ko")
    run("objcopy", os.path.join(mroot, "kernel/lib/crc-itu-t.ko"), unsigned)
    if open(unsigned, "rb").read().endswith(SIG_MAGIC):
        raise RuntimeError("objcopy kept the module signature")
    if not open(os.path.join(mroot, "kernel/lib/crc7.ko"), "rb").read().endswith(SIG_MAGIC):
        raise RuntimeError("the package's crc7.ko is not signed")
    # a copy of tcp_nv whose srcversion was changed in place, and its signature
    # stripped (a signature that no longer matches makes the kernel refuse it with
    # EKEYREJECTED): it loads, tainted E, and differs from the file its name resolves to
    stripped = os.path.join(work, "tcp_nv-unsigned.ko")
    run("objcopy", os.path.join(mroot, "kernel/net/ipv4/tcp_nv.ko"), stripped)
    ill = open(stripped, "rb").read()
    i = ill.find(b"srcversion=")
    if i < 0:
        raise RuntimeError("tcp_nv.ko has no srcversion")
    j = i + len(b"srcversion=")
    first = ill[j:j + 1]
    altered = ill[:j] + (b"0" if first != b"0" else b"1") + ill[j + 1:]
    open(os.path.join(root, "mods/tcp_nv-altered.ko"), "wb").write(altered)
    # the test modules; without them the guest says why, and their scenarios skip
    hiders, why = test_modules(kdir, kver)
    for name, path in hiders.items():
        shutil.copy2(path, os.path.join(root, "mods", name + ".ko"))
    if why:
        log("no test modules: " + why)
        with open(os.path.join(root, "mods", "no-hiders"), "w") as f:
            f.write(why + "\n")
    cpio = os.path.join(work, "initramfs.cpio")
    with open(cpio, "wb") as f:
        files = subprocess.run("find . -mindepth 1 | sort", shell=True, cwd=root, check=True,
                               capture_output=True).stdout
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], input=files, cwd=root, stdout=f,
                       check=True)
    return cpio, kver




def boot(kdir, cpio):
    """Boot once; with KMW_QEMU_ACCEL=auto, KVM first (bounded), then TCG when it fails."""
    accel = os.environ.get("KMW_QEMU_ACCEL", "tcg")
    if accel == "auto":
        if os.access("/dev/kvm", os.R_OK | os.W_OK):
            try:
                return boot_with(kdir, cpio, "kvm", min(TIMEOUT, 30))
            except RuntimeError as e:
                log("KVM did not work (%s): falling back to TCG" % str(e).split(":")[0])
        accel = "tcg"
    return boot_with(kdir, cpio, accel, TIMEOUT)


def boot_with(kdir, cpio, accel, timeout):
    serial = os.path.join(OUT, "serial.log")
    data = os.path.join(OUT, "data.log")
    for p in (serial, data):
        if os.path.exists(p):
            os.unlink(p)
    only = os.environ.get("KMW_SCENARIOS", "")
    append = "console=ttyS0 audit=1 panic=-1 quiet" + (" kmw.only=" + only if only else "") + \
        (" " + os.environ["KMW_VM_APPEND"] if os.environ.get("KMW_VM_APPEND") else "")
    cmd = ["qemu-system-x86_64", "-accel", accel, "-m", "512", "-smp",
           os.environ.get("KMW_VM_SMP", "1"), "-nodefaults",
           "-display", "none", "-no-reboot", "-kernel", os.path.join(kdir, "vmlinux"),
           "-initrd", cpio, "-append", append,
           "-serial", "file:" + serial, "-serial", "file:" + data]
    log("boot: " + " ".join(cmd))
    t0 = time.time()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        rc = r.returncode
        err = r.stderr
    except subprocess.TimeoutExpired:
        rc, err = "timeout", ""
    took = time.time() - t0
    text = open(data, "rb").read().decode("utf-8", "replace").replace("\r", "") \
        if os.path.exists(data) else ""
    if rc != 0 or "@@KMW-DONE" not in text:
        sys.stdout.write(open(serial, errors="replace").read() if os.path.exists(serial) else "")
        raise RuntimeError("the guest did not finish (qemu %s after %.1f s): %s; serial log "
                           "above, kept in %s" % (rc, took, err.strip(), serial))
    return text, took


def split_sections(text):
    """@@KMW-BEGIN name ... @@KMW-END name, written by the guest to its data channel."""
    sections = {}
    cur = None
    for line in text.split("\n"):
        m = re.match(r"@@KMW-BEGIN (\S+)$", line)
        if m:
            cur = m.group(1)
            sections[cur] = []
            continue
        if re.match(r"@@KMW-END (\S+)$", line):
            cur = None
            continue
        if cur:
            sections[cur].append(line)
    for name, lines in sections.items():
        with open(os.path.join(OUT, name), "w") as f:
            f.write("\n".join(lines) + ("\n" if lines else ""))
    return sections


def main():
    t_start = time.time()
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for tool, pkg in (("qemu-system-x86_64", "qemu-system-x86"), ("cpio", "cpio"),
                      ("objcopy", "binutils"), ("dpkg-deb", "dpkg"), ("kmod", "kmod"),
                      ("auditd", "auditd")):
        if not which(tool):
            skip("%s is missing: install the Debian package %s" % (tool, pkg))
    if not os.path.exists("/bin/busybox"):
        skip("/bin/busybox is missing: install busybox-static")
    for p in ("src/kmodwatchd", "tests/modcall"):
        if not os.path.exists(os.path.join(BUILD, p)):
            raise RuntimeError("build first: %s is missing" % p)
    kdir = fetch_kernel()
    t_fetched = time.time()
    work = tempfile.mkdtemp(prefix="kmw-initramfs-")
    try:
        cpio, kver = build_initramfs(kdir, work)
        t_built = time.time()
        log("kernel %s, initramfs %.1f MB built in %.1f s" % (
            kver, os.path.getsize(cpio) / 1e6, t_built - t_fetched))
        text, took = boot(kdir, cpio)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sections = split_sections(text)
    with open(os.path.join(OUT, "kver"), "w") as f:
        f.write(kver + "\n")
    log("guest ran %d s of scenarios; sections: %s" % (took, " ".join(sorted(sections))))
    log("took %.1f s in all (%.1f s without the download)" % (
        time.time() - t_start, time.time() - t_fetched))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as e:
        log("FAIL: %s: %s" % (" ".join(e.cmd), e.stderr))
        sys.exit(1)
    except RuntimeError as e:
        log("FAIL: %s" % e)
        sys.exit(1)
