#!/usr/bin/env bash
# End to end: tessera-inspect on mapblocks outputs. The tree (shape, dtype, chunking, compression,
# attributes), --stats (cross-checked against the writer's reductions), --png (a real PNG of the
# size printed, with the slice asked for), the same under mpiexec, and bad input -> exit 2, no file.
set -euo pipefail
BIN=${TESSERA_BIN_DIR:?}
MPIEXEC=${MPIEXEC:-mpiexec}
read -r -a FLAGS <<< "${MPIEXEC_FLAGS:-}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }
export OMP_NUM_THREADS=1
inspect() { timeout 120 "$BIN/tessera-inspect" "$@" > log 2>&1; }
# PNG width and height from the IHDR chunk (bytes 16..23, big-endian)
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }

"$MPIEXEC" "${FLAGS[@]}" -np 2 "$BIN/tessera-mapblocks" --shape 300x200 --chunks 64x50 --init random:5 --op square \
  --deflate 3 --output f2.h5 -q > mb.log 2>&1 || { cat mb.log; fail "mapblocks 2D"; }
"$MPIEXEC" "${FLAGS[@]}" -np 2 "$BIN/tessera-mapblocks" --shape 20x30x40 --chunks 8x8x8 --init arange --dtype float32 \
  --output f3.h5 -q > mb.log 2>&1 || { cat mb.log; fail "mapblocks 3D"; }

echo "== tree"
inspect f2.h5 || { cat log; fail "inspect exit $?"; }
grep -q "^/fields/array  float64 \[300x200\] chunks 64x50 deflate:3$" log || { cat log; fail "dataset line"; }
grep -q "^/fields  (group)$" log || fail "group line"
grep -q "@app = mapblocks" log || fail "root attributes"
grep -q "@chunks = \[64, 50\]" log || fail "dataset attributes"
grep -qE "^(VERIFIED|FAILED)$" log && fail "a plain listing checks nothing and must print no verdict"
inspect f3.h5 /fields/array || fail "inspect PATH"
grep -q "float32 \[20x30x40\] chunks 8x8x8" log || fail "3D dataset line"
grep -q "@app" log && fail "PATH should restrict the listing"

echo "== --stats can fail: one value changed behind the writer's recorded reductions"
"$MPIEXEC" "${FLAGS[@]}" -np 2 "$BIN/tessera-mapblocks" --shape 40x30 --chunks 10x10 --init arange --output s.h5 -q \
  > mb.log 2>&1 || { cat mb.log; fail "mapblocks for the damaged file"; }
h5repack -l /fields/array:CONTI s.h5 damaged.h5
offset=$(h5dump -p -H -d /fields/array damaged.h5 | sed -n 's/.*OFFSET \([0-9]*\).*/\1/p')
[[ -n $offset ]] || fail "no contiguous offset for the damaged copy"
printf '\x00\x00\x00\x00\x00\x00\x59\xc0' | dd of=damaged.h5 bs=1 seek=$((offset + 8 * 17)) conv=notrunc status=none  # -100
set +e
inspect damaged.h5 /fields/array --stats
rc=$?
set -e
[[ $rc -eq 1 ]] || { cat log; fail "a damaged value: exit $rc, want 1"; }
grep -q "^FAILED (stats: .*min DIFFERS from the recorded" log || { cat log; fail "a damaged value is not FAILED"; }
inspect s.h5 /fields/array --stats || { cat log; fail "the undamaged file"; }
grep -q "an independent second pass agrees" log || { cat log; fail "no independent second pass"; }

echo "== --stats"
inspect f2.h5 --stats --report stats.json || { cat log; fail "stats exit"; }
grep -q "stats: min .* max .* mean .* std .*(60000 values)" log || { cat log; fail "stats line"; }
grep -q "an independent second pass agrees, min = recorded, max = recorded, mean = recorded" log || { cat log; fail "stats not cross-checked"; }
grep -q '"verified": true' stats.json || fail "report"
# arange 0..23999 as float32: min 0, max 23999, mean 11999.5 exactly
inspect f3.h5 --stats || fail "stats 3D"
grep -q "stats: min 0  max 23999  mean 11999.5 " log || { cat log; fail "3D stats values"; }

echo "== --png"
inspect f2.h5 /fields/array --png f2.png || { cat log; fail "png exit"; }
[[ "$(head -c 8 f2.png | od -An -tx1 | tr -d ' ')" == "89504e470d0a1a0a" ]] || fail "not a PNG"
size=$(png_size f2.png)
grep -q "wrote f2.png: $size pixels, /fields/array as 300x200" log || { cat log; fail "PNG size $size not as printed"; }
grep -q "f2.png read back: size, colorbar, colour range, all [0-9]* field pixels against the data" log || fail "PNG not checked"
grep -qx VERIFIED log || fail "PNG not VERIFIED"
echo "== --png: a wrong pixel is FAILED"
set +e; inspect f2.h5 /fields/array --png bad.png --test-wrong-pixel; rc=$?; set -e
[[ $rc == 1 ]] || { cat log; fail "a wrong pixel: exit $rc, want 1"; }
grep -q "bad.png: 1 field pixels differ from the data's colours" log || { cat log; fail "wrong pixel not counted"; }
grep -q "^FAILED (png: " log || { cat log; fail "a wrong pixel is not FAILED"; }
[[ ! -e bad.png ]] || fail "a FAILED picture is left behind"
inspect f3.h5 --png s.png --slice 2=7 --colormap gray || { cat log; fail "slice"; }
grep -q "slice 2=7 as 20x30" log || { cat log; fail "slice shape"; }
# a big field is shrunk by block means
inspect f2.h5 --png small.png --max-size 50 || fail "max-size"
grep -q "as 50x34 (block means of 6x6)" log || { cat log; fail "block means"; }
[[ -s s.png && -s small.png ]] || fail "PNG files"
echo "== --png draws y up: row 0 at the bottom, column 0 at the left (as ParaView shows the .xmf)"
# s.h5 is arange on 40x30: value r * 30 + c, so the minimum (row 0, column 0) must be the field's
# bottom-left pixel and the maximum (row 39, column 29) its top-right one. The field starts at
# (8, 8) (the margin) and ends at the black frame.
inspect s.h5 /fields/array --png up.png || { cat log; fail "png of s.h5"; }
python3 - up.png <<'PY' || fail "--png orientation"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
pos, idat, (w, h) = 8, b"", (0, 0)
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, colour = struct.unpack(">IIBB", body[:10])
        assert (depth, colour) == (8, 2), "expected 8-bit RGB"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride, rows, prev = zlib.decompress(idat), 3 * w, [], bytearray(3 * w)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a, b, c = line[i - 3] if i >= 3 else 0, prev[i], prev[i - 3] if i >= 3 else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
px = lambda x, y: tuple(rows[y][3 * x:3 * x + 3])
black, lo, hi = (0, 0, 0), (68, 1, 84), (253, 231, 37)  # frame; viridis at 0 and 1
x0 = y0 = 8
y1 = y0
while px(x0, y1 + 1) != black: y1 += 1
x1 = x0
while px(x1 + 1, y0) != black: x1 += 1
print(f"field {x1 - x0 + 1}x{y1 - y0 + 1}: bottom-left {px(x0, y1)}, top-right {px(x1, y0)}, top-left {px(x0, y0)}")
assert px(x0, y1) == lo, "row 0, column 0 (the minimum) is not at the bottom left"
assert px(x1, y0) == hi, "row 39, column 29 (the maximum) is not at the top right"
assert px(x0, y0) not in (lo, hi) and px(x1, y1) not in (lo, hi)
PY

echo "== under mpiexec"
timeout 120 "$MPIEXEC" "${FLAGS[@]}" -np 2 "$BIN/tessera-inspect" f2.h5 --stats --png m.png > log 2>&1 || fail "inspect at 2 ranks"
[[ $(grep -c "^/fields/array " log) == 1 ]] || fail "rank 0 alone should print"
[[ -s m.png ]] || fail "PNG at 2 ranks"

echo "== bad input: exit 2, no PNG left"
echo "plain text" > text.h5
bad() {
  rm -f bad.png
  set +e
  inspect "$@"
  local rc=$?
  set -e
  [[ $rc == 2 ]] || { cat log; fail "exit $rc (want 2) for: $*"; }
  grep -q "^error" log || fail "no error line for: $*"
  [[ ! -e bad.png ]] || fail "PNG left behind for: $*"
}
bad missing.h5
bad text.h5
bad f2.h5 /no/such/path
bad f3.h5 --png bad.png --slice 3=1
bad f3.h5 --png bad.png --slice 0=20
bad f3.h5 --png bad.png --slice x
bad f2.h5 --png bad.png --slice 0=1
bad f2.h5 --png bad.png --colormap jet
bad f2.h5 --png bad.png --range 5:1
bad f2.h5 --png /nonexistent-dir/bad.png
set +e
timeout 60 "$MPIEXEC" "${FLAGS[@]}" -np 2 "$BIN/tessera-inspect" missing.h5 > log 2>&1; rc=$?
set -e
[[ $rc == 2 ]] || fail "missing file at 2 ranks: exit $rc"
echo "== --validate: VERIFIED on a file by the rules, FAILED (exit 1) naming what breaks them"
inspect f3.h5 --validate --report val.json || { cat log; fail "--validate of a mapblocks output"; }
grep -q '^VERIFIED$' log || { cat log; fail "--validate printed no VERIFIED"; }
grep -q '"findings": \[\]' val.json || fail "--validate report lists findings for a good file"
mv f3.xmf f3.away
set +e
inspect f3.h5 --validate --report val.json
rc=$?
set -e
[[ $rc == 1 ]] || { cat log; fail "--validate without the .xmf: exit $rc (want 1)"; }
grep -q 'validate: f3.xmf: missing' log && grep -q '^FAILED' log || { cat log; fail "--validate does not name the missing .xmf"; }
grep -q '"what": "missing' val.json || fail "--validate report lacks the finding"
mv f3.away f3.xmf
echo "inspect: all checks passed"
