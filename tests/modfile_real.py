# SPDX-License-Identifier: GPL-2.0-or-later
"""modfile_real.py - module file facts on real Debian .ko files (the harness's kernel cache):
signed, signature stripped, compressed with the real xz, zstd and gzip; expected values from
modinfo, sha256sum and openssl, computed here. Then hostile files: each gives an error note,
never a crash or a hang."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("KMW_BUILDDIR", os.getcwd())
SRC = os.environ.get("KMW_SRCDIR", os.getcwd())
FACTS = os.path.join(BUILD, "tests", "modfacts")
sys.path.insert(0, os.path.join(SRC, "tests", "kernel"))

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import check, summary  # noqa: E402


def facts(*paths):
    r = subprocess.run([FACTS] + list(paths), capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("modfacts failed (%d): %s" % (r.returncode, r.stderr.decode()))
    return [json.loads(l) for l in r.stdout.split(b"\n") if l]


def tool(*cmd):
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def modinfo(path, field):
    return tool("modinfo", "-F", field, path).decode().rstrip("\n")


def sha256sum(path):
    return tool("sha256sum", path).split()[0].decode()


def openssl_sha256(data):
    return subprocess.run(["openssl", "dgst", "-sha256", "-r"], input=data, capture_output=True,
                          check=True).stdout.split()[0].decode()


def real_files(tmp):
    try:
        import vm
        kdir = vm.fetch_kernel()
    except SystemExit:
        print("SKIP: no kernel package to take real modules from (see tests/kernel/out/skip)")
        sys.exit(77)
    mods = os.path.join(kdir, "modules")
    src = os.path.join(mods, "kernel/lib/crc7.ko")
    files = {"signed": os.path.join(tmp, "crc7.ko")}
    shutil.copy(src, files["signed"])
    files["stripped"] = os.path.join(tmp, "crc7-stripped.ko")
    tool("objcopy", src, files["stripped"])
    tool("xz", "-k", "-f", files["signed"])
    files["xz"] = files["signed"] + ".xz"
    tool("zstd", "-q", "-f", files["signed"], "-o", files["signed"] + ".zst")
    files["zstd"] = files["signed"] + ".zst"
    tool("gzip", "-k", "-f", files["signed"])
    files["gzip"] = files["signed"] + ".gz"
    files["big"] = os.path.join(mods, "kernel/drivers/gpu/drm/nouveau/nouveau.ko")
    files["srcversion"] = os.path.join(mods, "kernel/net/ipv4/tcp_nv.ko")
    return files


def main():
    if not shutil.which("modinfo") or not shutil.which("openssl"):
        print("SKIP: modinfo (kmod) and openssl are needed for the expected values")
        return 77
    tmp = tempfile.mkdtemp(prefix="kmw-modfile-")
    try:
        files = real_files(tmp)
        names = list(files)
        res = dict(zip(names, facts(*[files[n] for n in names])))
        for n in names:
            f, path = res[n], files[n]
            ref = files["signed"] if n in ("xz", "zstd", "gzip") else path
            check(n + ": no error", (f["error"], f["limit"]), (None, None))
            check(n + ": second look from the cache", f["cached"], True)
            check(n + ": sha256 = sha256sum", f["sha256"], sha256sum(path))
            check(n + ": sha256 = openssl dgst", f["sha256"], openssl_sha256(open(path, "rb").read()))
            for field in ("name", "vermagic", "license", "srcversion", "depends", "intree",
                          "retpoline", "version", "description", "author"):
                check("%s: modinfo %s" % (n, field), f[field] or "", modinfo(ref, field))
            signed = n != "stripped"
            check(n + ": signature present", f["sig_present"], signed)
            if signed:
                check(n + ": sig_id", f["sig_id"], modinfo(ref, "sig_id"))
                check(n + ": signer", f["signer"], modinfo(ref, "signer"))
                check(n + ": sig_key", f["sig_key"], modinfo(ref, "sig_key"))
                check(n + ": sig_hashalgo", f["sig_hashalgo"], modinfo(ref, "sig_hashalgo"))
        for n in ("xz", "zstd", "gzip"):
            check(n + ": compression", res[n]["compression"], n)
            check(n + ": image sha256 = the .ko's", res[n]["image_sha256"], sha256sum(files["signed"]))
            check(n + ": image size", res[n]["image_size"], os.path.getsize(files["signed"]))
        check("big module: size", res["big"]["size"], os.path.getsize(files["big"]))

        # hostile files: an error note each, never a crash or a hang
        signed = open(files["signed"], "rb").read()
        magic = b"~Module signature appended~\n"
        hostile = {
            "truncated-elf": (signed[:100], "modinfo_error"),
            "not-elf": (b"\x7fELF" + b"\xff" * 60, "modinfo_error"),
            "empty": (b"", "modinfo_error"),
            "sig-length-past-file": (b"\x7fELF" + b"\0" * 100 + bytes([0, 0, 2, 0, 0, 0, 0, 0]) +
                                     (0x7fffffff).to_bytes(4, "big") + magic, "sig_error"),
            "sig-garbage-pkcs7": (b"\x7fELF" + b"\0" * 100 + b"\x30\x82\xff" * 10 +
                                  bytes([0, 0, 2, 0, 0, 0, 0, 0]) + (30).to_bytes(4, "big") + magic,
                                  "sig_error"),
            "xz-truncated": (open(files["xz"], "rb").read()[:200], "error"),
            "zstd-garbage": (b"\x28\xb5\x2f\xfd" + b"\x00\xff" * 50, "error"),
            "gzip-garbage": (b"\x1f\x8b\x08\x00" + b"\x13" * 100, "error"),
        }
        # a section header table pointing past the end of the file
        bad = bytearray(signed)
        shoff = int.from_bytes(bad[0x28:0x30], "little")
        bad[0x28:0x30] = (len(bad) + 4096).to_bytes(8, "little")
        hostile["sections-past-end"] = (bytes(bad), "modinfo_error")
        # a .modinfo of 4 MB: bounded fields, marked truncated
        huge = tempfile.NamedTemporaryFile(dir=tmp, suffix=".c", delete=False)
        huge.write(b'__attribute__((section(".modinfo"), used)) static const char mi[] = "description=' +
                   b"A" * (4 << 20) + b'";\n')
        huge.close()
        obj = huge.name[:-2] + ".o"
        if shutil.which("gcc"):
            subprocess.run(["gcc", "-c", "-o", obj, huge.name], check=True)
            hostile["huge-modinfo"] = (open(obj, "rb").read(), None)
        paths = []
        for name, (data, _) in hostile.items():
            p = os.path.join(tmp, name + ".ko")
            open(p, "wb").write(data)
            paths.append(p)
        out = dict(zip(hostile, facts(*paths)))
        for name, (_, field) in hostile.items():
            if field:
                check(name + ": a note in " + field, bool(out[name][field]), True)
        if "huge-modinfo" in out:
            check("huge .modinfo: description bounded", len(out["huge-modinfo"]["description"]), 255)
        del shoff
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


sys.exit(main())
