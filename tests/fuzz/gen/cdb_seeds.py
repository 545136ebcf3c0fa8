#!/usr/bin/env python3
"""Write the seed corpus of fuzz_cdb (tests/fuzz/fuzz_cdb.c describes the input):
real command sequences per medium.  Usage: cdb_seeds.py OUTDIR"""
import os, struct, sys

OPS = [0x00, 0x01, 0x03, 0x04, 0x12, 0x15, 0x1a, 0x1b, 0x1e, 0x23, 0x25, 0x28, 0x2a,
       0x35, 0x42, 0x43, 0x46, 0x4a, 0x51, 0x52, 0x53, 0x54, 0x55, 0x5a, 0x5b, 0x5c,
       0x5d, 0xa0, 0xa1, 0xa3, 0xa8, 0xaa, 0xac, 0xad, 0xb6, 0xbb, 0xbd, 0xbe]
SP_RAW, SP_LUN_RESET, SP_TRAY_OPEN, SP_TRAY_CLOSE, SP_NEXUS, SP_TARGET_RESET, SP_RELOAD = range(7)
MEDIA = ["cd-r", "cd-r80", "cd-rw", "dvd-r", "dvd-rw", "dvd+r", "dvd+r-dl", "dvd+rw", "bd-r",
         "bd-re", "cd-rom-iso", "dvd-rom-iso", "cd-rom-img", "dvd-rom-img", "bd-rom-img", "none"]
UNIT = {1: 0, 2048: 1, 2352: 2, 2448: 3}

def cdb_len(op):
    g = op >> 5
    return {0: 6, 1: 10, 2: 10, 4: 16, 5: 12}.get(g, 10)

def cmd(cdb, n=0, unit=1, data=b"", direction=0):
    """cdb: full CDB bytes; n units of `unit` bytes; data: literal data-out."""
    op = cdb[0]
    cdb = bytes(cdb) + bytes(cdb_len(op) - len(cdb))
    out = bytes([OPS.index(op)]) + cdb[1:]
    out += bytes([direction | (UNIT[unit] << 2)]) + struct.pack("<H", n)
    if op in (0x04, 0x15, 0x55, 0x2a, 0xaa, 0x5d, 0x54, 0xb6) and direction in (0, 2):
        out += bytes([len(data)]) + data
    return out

def special(s):
    return bytes([len(OPS) + s])

def be32(v): return struct.pack(">I", v & 0xffffffff)
def be16(v): return struct.pack(">H", v)

INQUIRY = cmd([0x12, 0, 0, 0, 96], 96)
TUR = cmd([0x00])
GETCONF = cmd([0x46, 0, 0, 0, 0, 0, 0] + list(be16(4096)), 4096)
GETCONF_CUR = cmd([0x46, 1, 0, 0, 0, 0, 0] + list(be16(1024)), 1024)
RDI = cmd([0x51, 0, 0, 0, 0, 0, 0, 0, 34], 34)
RTI = lambda t: cmd([0x52, 1] + list(be32(t)) + [0, 0, 48], 48)
TOC = lambda fmt: cmd([0x43, 0x02 if fmt else 0, fmt, 0, 0, 0, 1, 0x10, 0], 4096)
CAP = cmd([0x25], 8)
RFC = cmd([0x23, 0, 0, 0, 0, 0, 0, 0x01, 0], 256)
MS05 = cmd([0x5a, 0, 0x05, 0, 0, 0, 0, 0, 0x3c], 60)
MS2A = cmd([0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 0xff], 255)
MSALL = cmd([0x5a, 0, 0x3f, 0, 0, 0, 0, 0x10, 0], 4096)
SYNC = cmd([0x35])
BUFCAP = cmd([0x5c, 0, 0, 0, 0, 0, 0, 0, 12], 12)
GESN = cmd([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8], 8)
PERF = cmd([0xac, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], 24)
RDS = cmd([0xad, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 0, 0], 4096)
REQSENSE = cmd([0x03, 0, 0, 0, 18], 18)
LUNS = cmd([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64], 64)
RSOC = cmd([0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0], 4096)
MECH = cmd([0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8], 8)
SPEED = cmd([0xbb, 0, 0xff, 0xff, 0xff, 0xff], 0)

def page05(wt, tm, dbt, ms=0, test=0, bufe=0x40, link=0, sf=0):
    p = bytearray(52)
    p[0], p[1] = 0x05, 0x32
    p[2] = bufe | (test << 4) | wt | (0x20 if link else 0)
    p[3] = (ms << 6) | tm
    p[4] = dbt
    p[5] = link
    p[8] = sf
    p[10:14] = be32(16) if wt == 0 and dbt == 8 and tm == 5 else bytes(4)
    return bytes(8) + bytes(p)

def modesel(pl):
    return cmd([0x55, 0x10, 0, 0, 0, 0, 0] + list(be16(len(pl))), len(pl), 1, pl)

def write10(lba, n, bs=2048):
    return cmd([0x2a, 0] + list(be32(lba)) + [0] + list(be16(n)), n, bs)

def write12(lba, n, bs=2048, streaming=0):
    return cmd([0xaa, 0x80 if streaming else 0] + list(be32(lba)) + list(be32(n)), n, bs)

def read10(lba, n, bs=2048):
    return cmd([0x28, 0] + list(be32(lba)) + [0] + list(be16(n)), n, bs)

def read12(lba, n):
    return cmd([0xa8, 0] + list(be32(lba)) + list(be32(n)), n, 2048)

def readcd(lba, n, b9=0xf8, sub=0):
    return cmd([0xbe, 0] + list(be32(lba)) + [0, 0, n, b9, sub], n, 2352 if not sub else 2448)

def close(fn, track=0, immed=0):
    return cmd([0x5b, immed, fn, 0] + list(be16(track)))

def reserve(blocks):
    return cmd([0x53, 0, 0, 0, 0] + list(be32(blocks)))

def blank(t, immed=0):
    return cmd([0xa1, (immed << 4) | t])

def format_unit(nblocks, ftype, param=0, immed=0):
    pl = bytes([0, 0x02 | (immed << 1), 0, 8]) + be32(nblocks) + bytes([ftype << 2]) + struct.pack(">I", param)[1:]
    return cmd([0x04, 0x11], len(pl), 1, pl)

def streaming(start, end):
    d = bytearray(28)
    d[8:12] = be32(end)
    d[12:16] = be32(1000)
    d[16:20] = be32(1000)
    d[20:24] = be32(1000)
    d[24:28] = be32(1000)
    return cmd([0xb6, 0, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0], 28, 1, bytes(d))

def cue_sheet_dao():
    ents = [
        bytes([0x41, 0, 0, 0x14, 0, 0, 0, 0]),    # lead-in
        bytes([0x41, 1, 0, 0x10, 0, 0, 0, 0]),    # track 1 index 0 at 00:00:00
        bytes([0x41, 1, 1, 0x10, 0, 0, 2, 0]),    # index 1 at 00:02:00
        bytes([0x41, 0xaa, 1, 0x14, 0, 0, 4, 0]), # lead-out at 00:04:00
    ]
    cs = b"".join(ents)
    return cmd([0x5d, 0, 0, 0, 0, 0, 0, 0, len(cs)], len(cs), 1, cs)

HEAD = lambda m, flags=0: bytes([MEDIA.index(m), flags]) + TUR  # TUR takes the power-on unit attention
INFO = INQUIRY + TUR + GETCONF + GETCONF_CUR + RDI + RTI(1) + CAP + RFC + MS05 + MS2A + BUFCAP + GESN

seeds = {
    "info-dvd+r": HEAD("dvd+r") + INFO + TOC(0) + MSALL + PERF + RDS + LUNS + RSOC + MECH + REQSENSE,
    "dvd+r-write-close": HEAD("dvd+r", 1) + INFO + write10(0, 16) + SYNC + RTI(1) + close(1, 1) + close(2) + RDI + TOC(0) + read10(0, 16) + special(SP_RELOAD) + TUR + RDI + read10(0, 4),
    "dvd+r-dl-finalize": HEAD("dvd+r-dl", 1) + write10(0, 32) + SYNC + close(1, 1) + close(5) + RDI + TOC(0) + TOC(1),
    "dvd+rw-format": HEAD("dvd+rw", 1) + RFC + format_unit(0xffffffff, 0x26) + RDI + write10(100, 8) + SYNC + read10(100, 8) + special(SP_RELOAD) + TUR + read10(100, 8),
    "cd-r-tao": HEAD("cd-r", 1) + MS05 + modesel(page05(1, 4, 8)) + MS05 + RTI(1) + write10(0, 16) + SYNC + close(1, 1) + write10(23, 16) + SYNC + close(1, 2) + close(2) + TOC(0) + TOC(1) + TOC(2) + readcd(0, 4) + read10(0, 4) + special(SP_RELOAD) + TUR + TOC(0),
    "cd-r-sao": HEAD("cd-r", 1) + modesel(page05(2, 4, 8)) + cue_sheet_dao() + write10(-150 & 0xffffffff, 75) + write10(-75 & 0xffffffff, 75) + write10(0, 75) + write10(75, 75) + SYNC + RDI + TOC(2),
    "cd-r-audio": HEAD("cd-r") + modesel(page05(1, 0, 0)) + write10(0, 8, 2352) + SYNC + close(1, 1) + readcd(0, 4, 0x10) + cmd([0x42, 0, 0x40, 1, 0, 0, 0, 0, 48], 48),
    "cd-rw-blank": HEAD("cd-rw", 1) + blank(1) + RDI + modesel(page05(1, 4, 8)) + write10(0, 8) + SYNC + close(1, 1) + close(2) + blank(0) + RDI + blank(1, 1) + TUR + REQSENSE,
    "dvd-r-incremental": HEAD("dvd-r", 1) + MS05 + modesel(page05(0, 5, 8, link=16)) + write10(0, 32) + SYNC + RTI(1) + reserve(64) + RTI(2) + close(1, 1) + close(2) + RDI + TOC(0),
    "dvd-r-dao": HEAD("dvd-r", 1) + modesel(page05(2, 5, 8)) + reserve(64) + write10(0, 64) + SYNC + RDI + TOC(0),
    "dvd-rw-blank": HEAD("dvd-rw", 1) + blank(0) + modesel(page05(0, 5, 8)) + write10(0, 16) + SYNC + close(1, 1) + close(2) + blank(1) + RDI,
    "bd-r-srm": HEAD("bd-r", 1) + RFC + format_unit(0, 0x32, 0) + RDI + write12(0, 32, streaming=1) + SYNC + reserve(64) + RTI(2) + close(1, 1) + close(2) + streaming(0, 100) + RDI,
    "bd-re-format": HEAD("bd-re", 1 | 4) + RFC + format_unit(0, 0) + RDI + write10(0, 32) + SYNC + read12(0, 8) + format_unit(0, 0x31) + special(SP_RELOAD) + TUR + RDI,
    "cd-rom-iso": HEAD("cd-rom-iso") + INFO + TOC(0) + TOC(1) + TOC(2) + read10(0, 4) + readcd(0, 2) + readcd(0, 1, 0x10, 2) + read12(16, 2),
    "dvd-rom-iso": HEAD("dvd-rom-iso") + INFO + read10(0, 8) + RDS + SPEED + cmd([0x1b, 0, 0, 0, 2]) + TUR + cmd([0x1b, 0, 0, 0, 3]) + TUR,
    "cd-rom-img": HEAD("cd-rom-img") + INFO + TOC(0) + readcd(0, 4) + read10(0, 4),
    "dvd-rom-img": HEAD("dvd-rom-img") + INFO + TOC(0) + read10(0, 8),
    "bd-rom-img": HEAD("bd-rom-img") + INFO + TOC(0) + read12(0, 8) + RDS,
    "tray": HEAD("dvd+rw", 2) + TUR + REQSENSE + cmd([0x1e, 0, 0, 0, 1]) + special(SP_TRAY_OPEN) + cmd([0x1e]) + special(SP_TRAY_OPEN) + special(SP_TRAY_CLOSE) + TUR + GESN + special(SP_NEXUS) + TUR + special(SP_LUN_RESET) + TUR + special(SP_TARGET_RESET) + INQUIRY,
    "none": HEAD("none") + INFO + TUR + REQSENSE + cmd([0x12, 0, 0, 0, 96], 96, direction=0x10 >> 0),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(out, k), "wb") as f:
        f.write(v)
