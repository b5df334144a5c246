#!/usr/bin/python3
"""What h5py, xarray (engines h5netcdf and netcdf4) and netCDF4-python see in Tessera's outputs.

  check_files.py DIR                          the outputs clients.sh wrote into DIR
  check_files.py DIR --quadrants A.png B.png  the hot spot lies in the same quadrant of both pictures

Every variable each client reads is compared with h5py's array bit for bit (same dtype, same bytes);
then the layout: dimension names, coordinate values, units, times, provenance. Prints "ok - ..." per
check and exits 1 at the first failure.
"""
import os
import sys

import h5py
import netCDF4
import numpy as np
import xarray as xr

ENGINES = ("h5netcdf", "netcdf4")
PROVENANCE = {"Conventions": str, "title": str, "source": str, "history": str, "program": str, "app": str,
              "version": str, "git_hash": str, "ranks": np.integer, "threads": np.integer, "grid": str,
              "command_line": str, "created_utc": str, "kind": str, "verified": str, "mpi_library": str,
              "hdf5_version": str, "tessera_format": np.integer}


def fail(msg):
    print("FAIL - " + msg)
    sys.exit(1)


def ok(msg):
    print("ok   - " + msg)


def same(a, b):
    """Bit for bit: dtype, shape and bytes (NaNs included)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "OUS" or b.dtype.kind in "OUS":
        return a.shape == b.shape and [str(x) for x in a.ravel()] == [str(x) for x in b.ravel()]
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def h5_groups(f):
    """Every group path holding datasets, "/" first."""
    out = []
    def visit(name, obj):
        if isinstance(obj, h5py.Group) and any(isinstance(v, h5py.Dataset) for v in obj.values()):
            out.append("/" + name)
    if any(isinstance(v, h5py.Dataset) for v in f.values()):
        out.append("/")
    f.visititems(visit)
    return out


def h5_values(ds):
    if h5py.check_string_dtype(ds.dtype) is not None:
        return np.array(ds.asstr()[()], dtype=object)
    return ds[()]


def compare_with_clients(path):
    """Every dataset of every group: xarray (both engines) and netCDF4 read the same as h5py."""
    with h5py.File(path, "r") as f:
        groups = h5_groups(f)
        ref = {g: {k: h5_values(v) for k, v in f[g].items() if isinstance(v, h5py.Dataset)} for g in groups}
    n = 0
    for g in groups:
        group = None if g == "/" else g.lstrip("/")
        for engine in ENGINES:
            # decode_times off: the values as stored (CF time decoding needs "since" units)
            with xr.open_dataset(path, group=group, engine=engine, decode_times=False, mask_and_scale=False) as d:
                if set(d.variables) != set(ref[g]):
                    fail(f"{path}:{g} {engine} sees {sorted(d.variables)}, h5py {sorted(ref[g])}")
                for name, want in ref[g].items():
                    if not same(d[name].values, want):
                        fail(f"{path}:{g}/{name}: xarray ({engine}) reads other values than h5py")
                    n += 1
        with netCDF4.Dataset(path) as nc:
            grp = nc if g == "/" else nc[g]
            grp.set_auto_maskandscale(False)
            for name, want in ref[g].items():
                if name not in grp.variables:
                    fail(f"{path}:{g}/{name}: netCDF4 does not see it")
                if not same(grp.variables[name][...], want):
                    fail(f"{path}:{g}/{name}: netCDF4 reads other values than h5py")
                n += 1
    ok(f"{path}: {n} variable reads by xarray (h5netcdf, netcdf4) and netCDF4 equal h5py's bit for bit")


def check_provenance(path, app, kind="result", verified="VERIFIED"):
    with h5py.File(path, "r") as f:
        a = dict(f.attrs)
    for name, t in PROVENANCE.items():
        if name not in a:
            fail(f"{path}: provenance attribute {name} missing")
        if not isinstance(a[name], t):
            fail(f"{path}: attribute {name} is {type(a[name]).__name__}, expected {t.__name__}")
    if a["Conventions"] != "CF-1.8" or a["program"] != "tessera-" + app or a["app"] != app:
        fail(f"{path}: Conventions/program/app are {a['Conventions']!r}/{a['program']!r}/{a['app']!r}")
    if a["kind"] != kind or a["verified"] != verified or a["tessera_format"] != 2:
        fail(f"{path}: kind {a['kind']!r}, verified {a['verified']!r}, format {a['tessera_format']}")
    if "\0" in "".join(v for v in a.values() if isinstance(v, str)):
        fail(f"{path}: a string attribute holds a NUL")
    ok(f"{path}: provenance ({len(PROVENANCE)} attributes, str and int, kind {kind}, {verified})")


def open_group(path, group, engine="h5netcdf"):
    return xr.open_dataset(path, group=group, engine=engine, decode_times=False)


def expect(cond, msg):
    if not cond:
        fail(msg)
    ok(msg)


def check_heat(path, dims, n, snapshot_steps):
    dx = 1.0 / (n + 1)
    names = ("z", "y", "x")[3 - dims:]
    with h5py.File(path, "r") as f:
        dt = float(f.attrs["dt"])
        final_step = int(f.attrs["step"])
    for engine in ENGINES:
        with open_group(path, "fields", engine) as d:
            u = d["u"]
            expect(u.dims == names, f"{path} ({engine}): u has dimensions {u.dims}")
            for c in names:
                x = d[c]
                expect(np.allclose(x.values, (np.arange(n) + 1) * dx, rtol=0, atol=1e-15) and x.attrs["units"] == "m"
                       and x.attrs["axis"] == c.upper(), f"{path} ({engine}): {c} = (i + 1) dx in m, axis {c.upper()}")
            expect(u.attrs["units"] == "1" and u.attrs["long_name"] == "temperature", f"{path}: u's units and long_name")
        with open_group(path, "snapshots", engine) as s:
            expect(list(s["step"].values) == snapshot_steps, f"{path} ({engine}): snapshot steps {list(s['step'].values)}")
            t = s["time"]
            expect(t.attrs["units"] == "s" and t.attrs["axis"] == "T" and t.attrs["standard_name"] == "time" and
                   np.array_equal(t.values, np.array(snapshot_steps, dtype=float) * dt),
                   f"{path} ({engine}): snapshot times = step dt in s, a CF time coordinate")
        with open_group(path, "results", engine) as r:
            expect(r["l2"].dims == ("time",) and "step" in r.coords and "time" in r.coords and
                   np.all(np.diff(r["time"].values) > 0) and int(r["step"].values[-1]) == final_step,
                   f"{path} ({engine}): /results along time, with step as a coordinate, up to step {final_step}")
    # arithmetic across groups aligns on the shared coordinates (no phony dimensions multiplying out)
    with open_group(path, "fields") as d, open_group(path, "snapshots") as s:
        last = f"u_{snapshot_steps[-1]:06d}"
        diff = d["u"] - s[last]
        expect(diff.dims == names and diff.shape == (n,) * dims,
               f"{path}: fields.u - snapshots.{last} has dims {diff.dims} and shape {diff.shape}")
        if snapshot_steps[-1] == final_step:
            expect(float(abs(diff).max()) == 0.0, f"{path}: the last snapshot equals the final field")


def check_restart(first, restarted):
    with open_group(restarted, "snapshots") as s, open_group(first, "snapshots") as f:
        steps = list(s["step"].values)
        expect(steps == [0, 10, 20, 30, 40, 50, 60], f"{restarted}: the snapshot series covers the whole run: {steps}")
        for name in ("u_000000", "u_000010", "u_000020"):
            expect(same(s[name].values, f[name].values), f"{restarted}: {name} (from the checkpoint) equals the first run's")
        # the restart ran on 3 ranks, the first run on 2: step 30 is still bit for bit the same
        expect(same(s["u_000030"].values, f["u_000030"].values), f"{restarted}: u_000030 equals the first run's bit for bit")
    with open_group(restarted, "results") as r:
        expect(int(r["step"].values[0]) == 0 and int(r["step"].values[-1]) == 60, f"{restarted}: /results covers steps 0..60")
    xmf = open(restarted[:-3] + ".xmf").read()
    expect(xmf.count("<Time Value=") == 7 and "restarted.h5:/snapshots/u_000000" in xmf,
           f"{restarted[:-3]}.xmf: 7 frames from step 0")
    ck = open("ck/heat-00000020.xmf").read()
    expect(ck.count("<Time Value=") == 3 and "heat-00000020.h5:/snapshots/u_000010" in ck,
           "ck/heat-00000020.xmf: the checkpoint's own series (3 frames)")


def check_mapblocks():
    for engine in ENGINES:
        with open_group("mb2d.h5", "fields", engine) as d:
            a = d["array"]
            expect(a.dims == ("y", "x") and a.attrs["units"] == "m" and "long_name" in a.attrs and
                   np.array_equal(d["x"].values, np.arange(40)) and np.array_equal(d["y"].values, np.arange(60)),
                   f"mb2d.h5 ({engine}): array(y, x) with index coordinates, units m")
        with open_group("mb3d.h5", "fields", engine) as d:
            expect(d["array"].dims == ("z", "y", "x") and d["array"].dtype == np.float32,
                   f"mb3d.h5 ({engine}): float32 array(z, y, x)")


def check_taskfarm():
    with h5py.File("farm.h5", "r") as f:
        attrs = dict(f["/fields/mandelbrot"].attrs)
    for engine in ENGINES:
        with open_group("farm.h5", "fields", engine) as d:
            m = d["mandelbrot"]
            y = d["y"].values
            expect(m.dims == ("y", "x") and y[0] < 0 < y[-1] and np.all(np.diff(y) > 0) and
                   np.allclose(y, -y[::-1], rtol=0, atol=0),
                   f"farm.h5 ({engine}): mandelbrot(y, x), y = Im c rising from row 0, symmetric")
            lo, hi = (float(v) for v in attrs["im_range"].split(":"))
            expect(y[0] == lo and y[-1] == hi, f"farm.h5 ({engine}): y matches im_range")
            # row 0 (smallest Im c) mirrors the last row: the set is symmetric about the real axis
            expect(np.array_equal(m.values[0], m.values[-1]), f"farm.h5 ({engine}): row 0 mirrors the last row")
        with open_group("cmds.h5", "results/tasks", engine) as t:
            out = [v.decode() if isinstance(v, bytes) else v for v in t["output"].values]
            expect(t["output"].dims == ("task",) and out[0] == "hello\n" and out[1] == "h\u00e9llo w\u00f6rld",
                   f"cmds.h5 ({engine}): output(task) holds UTF-8 strings: {out}")
            expect(list(t["status"].values) == [0, 0, 1] and t["duration"].attrs["units"] == "s",
                   f"cmds.h5 ({engine}): status and duration (s)")
    with h5py.File("cmds.h5", "r") as f:
        ds = f["/results/tasks/node"]
        info = h5py.check_string_dtype(ds.dtype)
        expect(info is not None and info.length is None and info.encoding == "utf-8",
               "cmds.h5: string columns are variable-length UTF-8")


def check_matmul():
    for engine in ENGINES:
        with open_group("matmul.h5", "fields", engine) as d:
            expect(d["C"].dims == ("i", "j") and d["A"].dims == ("i", "k") and d["B"].dims == ("k", "j") and
                   d.sizes["i"] == 24 and d.sizes["j"] == 18 and d.sizes["k"] == 12,
                   f"matmul.h5 ({engine}): C(i, j), A(i, k), B(k, j)")
            c = d["A"].values @ d["B"].values
            expect(np.allclose(c, d["C"].values, rtol=1e-12, atol=1e-12), f"matmul.h5 ({engine}): C = A B from the file")
    xmf = open("matmul.xmf").read()
    expect(xmf.count("<Grid Name=") == 3, "matmul.xmf: one grid per matrix")


def hot_quadrant(png):
    """(row half, column half) of the brightest pixels inside the picture's framed field."""
    from PIL import Image
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    lum = img.sum(axis=2)
    if png.endswith("inspect.png"):
        # tessera-inspect: the field sits inside a 1-pixel black frame with its corner at (7, 7)
        row = lum[7]
        x1 = 7
        while x1 + 1 < row.size and row[x1 + 1] == 0:
            x1 += 1
        col = lum[:, 7]
        y1 = 7
        while y1 + 1 < col.size and col[y1 + 1] == 0:
            y1 += 1
        field = lum[8:y1, 8:x1]
    else:
        field = lum  # ParaView: the camera is centred on the data
    ys, xs = np.nonzero(field >= field.max() - 3)
    h, w = field.shape
    return ("bottom" if ys.mean() > h / 2 else "top", "right" if xs.mean() > w / 2 else "left")


def main():
    os.chdir(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "--quadrants":
        a, b = hot_quadrant(sys.argv[3]), hot_quadrant(sys.argv[4])
        # the hot ball of --init hotspot is at x = 0.36, y = 0.32: bottom left, with y up
        expect(a == b == ("bottom", "left"), f"hot spot: {a} in {sys.argv[3]}, {b} in {sys.argv[4]}")
        return
    files = {"heat2d.h5": "heat", "heat3d.h5": "heat", "first.h5": "heat", "restarted.h5": "heat", "mb2d.h5": "mapblocks",
             "mb3d.h5": "mapblocks", "mbroot.h5": "mapblocks", "farm.h5": "taskfarm", "cmds.h5": "taskfarm",
             "matmul.h5": "matmul"}
    for path, app in files.items():
        compare_with_clients(path)
        check_provenance(path, app)
    compare_with_clients("ck/heat-00000020.h5")
    check_provenance("ck/heat-00000020.h5", "heat", kind="checkpoint", verified="unverified")
    check_heat("heat2d.h5", 2, 96, [0, 20, 40])
    check_heat("heat3d.h5", 3, 20, [0, 5, 10])
    check_restart("first.h5", "restarted.h5")
    check_mapblocks()
    check_taskfarm()
    check_matmul()


if __name__ == "__main__":
    main()
