"""What ParaView sees in Tessera's .xmf sidecars (and, for a root-level dataset, in the .h5 itself).

  xvfb-run -a pvpython paraview_check.py DIR

For each .xmf clients.sh wrote: the bounds in XDMFReader, Xdmf3ReaderS and Xdmf3ReaderT (a 2D field
lies in the X-Y plane, z = 0, over its coordinates), the point count and the time steps. ParaView's
NetCDF reader reads no netCDF-4 groups, so it is checked on mbroot.h5 (a dataset at the root).
Then a screenshot of heat2d.xmf's last step, looking down -Z with y up: paraview.png, whose hot spot
clients.sh compares with tessera-inspect's picture. Prints "ok - ..." per check, "ALL OK" at the end.
"""
import os
import sys

from paraview.simple import (CreateView, Delete, GetColorTransferFunction, NetCDFReader, Render, ResetCamera,
                             SaveScreenshot, Show, ColorBy, XDMFReader, Xdmf3ReaderS, Xdmf3ReaderT)

TOL = 1e-9


def fail(msg):
    print("FAIL - " + msg)
    sys.exit(1)


def ok(msg):
    print("ok   - " + msg)


def close(a, b):
    return all(abs(x - y) <= TOL * max(1.0, abs(y)) for x, y in zip(a, b))


def open_reader(kind, path):
    if kind == "XDMFReader":
        return XDMFReader(FileNames=[path])
    return {"Xdmf3ReaderS": Xdmf3ReaderS, "Xdmf3ReaderT": Xdmf3ReaderT}[kind](FileName=[path])


def check_xmf(name, bounds, points, times=None):
    path = os.path.abspath(name)  # the Xdmf3 readers resolve the .h5 only from an absolute .xmf path
    for kind in ("XDMFReader", "Xdmf3ReaderS", "Xdmf3ReaderT"):
        r = open_reader(kind, path)
        steps = list(r.TimestepValues) if r.TimestepValues else []
        if times is not None:
            if len(steps) != len(times) or not close(steps, times):
                fail(f"{name} ({kind}): time steps {steps}, expected {times}")
            r.UpdatePipeline(steps[-1])
        else:
            r.UpdatePipeline()
        info = r.GetDataInformation()
        got = list(info.GetBounds())
        if not close(got, bounds):
            fail(f"{name} ({kind}): bounds {got}, expected {bounds}")
        if info.GetNumberOfPoints() != points:
            fail(f"{name} ({kind}): {info.GetNumberOfPoints()} points, expected {points}")
        Delete(r)
    ok(f"{name}: bounds {bounds} and {points} points in XDMFReader, Xdmf3ReaderS, Xdmf3ReaderT"
       + (f", {len(times)} time steps" if times else ""))


def main():
    os.chdir(sys.argv[1])
    import h5py as h  # pvpython runs Debian's python3, which has h5py
    with h.File("heat2d.h5", "r") as f:
        dt, n = float(f.attrs["dt"]), int(f.attrs["n"])
    dx = 1.0 / (n + 1)
    lo, hi = dx, n * dx
    check_xmf("heat2d.xmf", [lo, hi, lo, hi, 0.0, 0.0], n * n, [0.0, 20 * dt, 40 * dt])
    with h.File("heat3d.h5", "r") as f:
        dt3, n3 = float(f.attrs["dt"]), int(f.attrs["n"])
    d3 = 1.0 / (n3 + 1)
    check_xmf("heat3d.xmf", [d3, n3 * d3] * 3, n3 ** 3, [0.0, 5 * dt3, 10 * dt3])
    with h.File("restarted.h5", "r") as f:
        dtr, nr = float(f.attrs["dt"]), int(f.attrs["n"])
    dr = 1.0 / (nr + 1)
    check_xmf("restarted.xmf", [dr, nr * dr, dr, nr * dr, 0.0, 0.0], nr * nr, [s * dtr for s in range(0, 61, 10)])
    check_xmf("ck/heat-00000020.xmf", [dr, nr * dr, dr, nr * dr, 0.0, 0.0], nr * nr, [0.0, 10 * dtr, 20 * dtr])
    check_xmf("mb2d.xmf", [0, 39, 0, 59, 0, 0], 60 * 40)
    check_xmf("mb3d.xmf", [0, 7, 0, 9, 0, 11], 12 * 10 * 8)
    with h.File("farm.h5", "r") as f:
        x, y = f["/fields/x"][()], f["/fields/y"][()]
    check_xmf("farm.xmf", [x[0], x[-1], y[0], y[-1], 0, 0], x.size * y.size)
    check_xmf("matmul.xmf", [0, 17, 0, 23, 0, 0], 24 * 18 + 24 * 12 + 12 * 18)

    # ParaView's NetCDF reader (no groups): a root-level 2D dataset along its coordinates
    r = NetCDFReader(FileName=[os.path.abspath("mbroot.h5")])
    r.UpdatePipeline()
    b = list(r.GetDataInformation().GetBounds())
    if not close(b, [0, 19, 0, 29, 0, 0]):
        fail(f"mbroot.h5 (NetCDFReader): bounds {b}, expected x 0..19, y 0..29")
    ok(f"mbroot.h5 (NetCDFReader): bounds {b}: a(y, x) in the X-Y plane")
    Delete(r)

    # the screenshot: the last frame, looking down -Z with y up, in gray
    r = XDMFReader(FileNames=[os.path.abspath("heat2d.xmf")])
    t = list(r.TimestepValues)[-1]
    r.UpdatePipeline(t)
    v = CreateView("RenderView")
    v.ViewSize = [400, 400]
    v.OrientationAxesVisibility = 0
    v.ViewTime = t
    d = Show(r, v)
    ColorBy(d, ("POINTS", "u"))
    d.RescaleTransferFunctionToDataRange(False, True)
    GetColorTransferFunction("u").ApplyPreset("Grayscale", True)
    v.CameraParallelProjection = 1
    ResetCamera(v)
    pos, up = list(v.CameraPosition), list(v.CameraViewUp)
    if not (pos[2] > 0 and close(up, [0, 1, 0])):
        fail(f"the default camera is at {pos} with up {up}: not looking down -Z with y up")
    Render(v)
    SaveScreenshot("paraview.png", v, ImageResolution=[400, 400])
    ok("paraview.png: heat2d.xmf's last step seen down -Z with y up")
    print("ALL OK")


main()
