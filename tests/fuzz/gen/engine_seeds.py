#!/usr/bin/env python3
"""tests/fuzz/gen/engine_seeds.py PROG GOLDEN_DIR OUT_DIR - the seeds of fuzz_engine.

Each seed is a list of recorder calls answered as simdrive answers them: the answers
come from fixtures/golden/*.golden (tests/unit/test_golden.c records simdrive's answer
to each CDB there).  The order of the commands a call list sends is learnt from the
target itself: PROG (tests/fuzz/fuzz_engine_check) runs with FUZZ_ENGINE_TRACE=1, the
fake target names the CDB of the first command it answered by default, the golden
answer to that CDB (else to the same opcode and first bytes) is appended, and so on
until every command has its answer (tests/fuzz/fuzz_engine.c says the input layout).
"""
import os
import struct
import subprocess
import sys
import tempfile


def parse_golden(path):
    """[(cdb bytes, status, sense bytes, data bytes)] in file order."""
    out, cur, field = [], None, None
    for line in open(path):
        if line.startswith('#'):
            continue
        if line.startswith('> '):
            cur = {'cdb': bytes.fromhex(line[2:]), 'status': 0, 'sense': b'', 'data': b''}
            out.append(cur)
            field = None
            continue
        if cur is None:
            continue
        words = line.split()
        if not words:
            continue
        if words[0] == 'status':
            cur['status'] = int(words[1], 16)
            field = None
        elif words[0] in ('sense', 'data'):
            field = words[0]
            if words[1] != '-':
                cur[field] = bytes.fromhex(' '.join(words[1:]))
        elif words[0] == 'edtl':
            field = None
        elif field:
            cur[field] += bytes.fromhex(' '.join(words))
    return out


def lookup(golden, cdb):
    for want in (len(cdb), 4, 3, 1):
        for g in golden:
            n = min(want, len(g['cdb']))
            if g['cdb'][:n] == cdb[:n]:
                return g
    return None


def encode(g, edtl):
    if g is None:
        return struct.pack('>BBIH', 0, 0, 0, 0)
    if g['status'] == 2:
        s = g['sense']
        return struct.pack('>BBIHH', 2, 0, 0, len(s), len(s)) + s
    d = g['data'][:edtl]
    flags, resid = 0, 0
    if len(d) < edtl:
        flags, resid = 4, edtl - len(d)     # underflow, as simdrive reports it
    return struct.pack('>BBIH', g['status'], flags, resid, len(d)) + d


def build(prog, golden, head, tmp):
    answers = b''
    for _ in range(200):
        with open(tmp, 'wb') as f:
            f.write(head + answers)
        env = dict(os.environ, FUZZ_ENGINE_TRACE='1')
        r = subprocess.run([prog, tmp], env=env, capture_output=True, text=True, timeout=120)
        default = [l for l in r.stderr.splitlines() if 'answer default to cdb' in l]
        if not default:
            return head + answers
        words = default[0].split('cdb ')[1].split()
        cdb = bytes.fromhex(' '.join(words[:16]))
        edtl = int(words[-1])
        answers += encode(lookup(golden, cdb), edtl)
    return head + answers


def main():
    prog, gdir, odir = sys.argv[1:4]
    os.makedirs(odir, exist_ok=True)
    # call lists (tests/fuzz/fuzz_engine.c call()): low 5 bits the call, high 3 bits its argument
    lists = {
        'queries': [0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x0d],
        'media': [0x0a, 0x0b, 0x0c, 0x0e, 0x08, 0x15, 0x14],
        'pages': [0x22, 0x42, 0xa2, 0x23, 0x43, 0x04, 0x09, 0x1f, 0x16],
        'close': [0x10, 0x11, 0x31, 0x71, 0x13, 0x12],
        'limits': [0x17, 0x37, 0x18, 0x1f],
    }
    tmp = tempfile.mktemp(prefix='engseed')
    try:
        for gname in sorted(os.listdir(gdir)):
            if not gname.endswith('.golden'):
                continue
            golden = parse_golden(os.path.join(gdir, gname))
            for lname, calls in lists.items():
                head = bytes([len(calls)]) + bytes(calls)
                seed = build(prog, golden, head, tmp)
                with open(os.path.join(odir, gname[:-7] + '-' + lname), 'wb') as f:
                    f.write(seed)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


main()
