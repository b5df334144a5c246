#!/usr/bin/env python3
"""bench/report.py: bench/results/*.json -> bench/results/REPORT.md and PNG plots.

Every benchmark writes its own JSON (medians of >= 5 repetitions, peers measured in the same run).
This script gathers the headline ratios against their targets, names the machine, the versions and
the date, and draws one chart of measured/target per benchmark (matplotlib, if installed).

    python3 bench/report.py [RESULTS_DIR]
"""
import datetime
import json
import os
import platform
import subprocess
import sys


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""


def row(bench, name, value, target=None, kind="min", note=""):
    """kind: 'min' (value must be >= target) or 'max' (value must be <= target)."""
    met = None
    if target is not None and value is not None:
        met = value >= target if kind == "min" else value <= target
    return {"bench": bench, "name": name, "value": value, "target": target, "kind": kind, "met": met, "note": note}


def from_ratios_targets(bench, r):
    """Schema used by mapblocks and matmul: r['ratios'] = {name: x}, r['targets'] = {name: {min|max, met}}."""
    rows, ratios, targets = [], r.get("ratios", {}) or {}, r.get("targets", {}) or {}
    for name, t in targets.items():
        if not isinstance(t, dict):
            continue
        if "measured" in t:  # heat-style: {target, measured, met}
            kind = "max" if t.get("kind") == "max" else "min"
            rows.append(row(bench, name, t["measured"], t.get("target"), kind))
        elif name in ratios:
            kind = "max" if "max" in t else "min"
            rows.append(row(bench, name, ratios[name], t.get(kind), kind))
    for name, v in ratios.items():
        if name not in targets and isinstance(v, (int, float)):
            rows.append(row(bench, name, v, note="peer comparison, no target"))
    return rows


def from_taskfarm(r):
    rows = []
    m, n, s = r.get("mandelbrot", {}), r.get("noop", {}), r.get("shell", {})
    if m:
        rows.append(row("taskfarm", "mandelbrot_dynamic_efficiency", m.get("dynamic", {}).get("efficiency"),
                        m.get("target_dynamic_efficiency", 0.95)))
        for k in ("static", "guided"):
            rows.append(row("taskfarm", f"mandelbrot_{k}_efficiency", m.get(k, {}).get("efficiency")))
        if "seahorse" in m and isinstance(m["seahorse"], dict):
            for k, v in m["seahorse"].items():
                if isinstance(v, dict) and "efficiency" in v:
                    rows.append(row("taskfarm", f"offaxis_{k}_efficiency", v["efficiency"]))
    if n:
        rows.append(row("taskfarm", "dispatch_overhead_us (dynamic)", n.get("dynamic", {}).get("dispatch_overhead_us"),
                        n.get("target_dispatch_overhead_us", 50), "max"))
    if s:
        rows.append(row("taskfarm", "shell_throughput_vs_gnu_parallel", s.get("taskfarm_over_parallel"), 1.0))
        rows.append(row("taskfarm", "shell_throughput_vs_xargs", s.get("taskfarm_over_xargs")))
    return rows


def from_matmul(r):
    rows = []
    c = r.get("cpu", {}) or {}
    ratios = c.get("ratios_median_over_rounds", {}) or {}
    targets = {"ratio_vs_dgemm_pair": 0.9, "ratio_vs_pdgemm_nb64": 1.5}
    for name, v in ratios.items():
        rows.append(row("matmul", f"cpu {name} (n={c.get('n')}, {c.get('ranks')} ranks)", v, targets.get(name)))
    g = r.get("gpu", {}) or {}
    if "skipped" in g:
        rows.append(row("matmul", "gpu", None, note="skipped: " + str(g["skipped"])[:120]))
    else:
        gt = {"cublas_backend_vs_bare_cublas": 0.95, "own_kernel_vs_cublas_sgemm": 0.6}
        for name, v in (g.get("ratios", {}) or {}).items():
            rows.append(row("matmul", f"gpu {name}", v, gt.get(name)))
    return rows


def extract(path):
    r = json.load(open(path))
    bench = r.get("benchmark") or r.get("bench") or os.path.splitext(os.path.basename(path))[0]
    if bench == "taskfarm":
        return bench, r, from_taskfarm(r)
    if bench == "matmul":
        return bench, r, from_matmul(r)
    return bench, r, from_ratios_targets(bench, r)


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def plot(rows, out_png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return False
    tr = [x for x in rows if x["target"] and x["value"] is not None]
    if not tr:
        return False
    # measured relative to target, so that > 1 is good for both kinds
    score = [(x["value"] / x["target"]) if x["kind"] == "min" else (x["target"] / max(x["value"], 1e-12)) for x in tr]
    score = [max(v, 1e-2) for v in score]  # a zero (e.g. 0 % overlap) still shows, at the left edge
    labels = [f'{x["bench"]}: {x["name"]}' for x in tr]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(tr) + 1.2))
    colors = ["#2a9d8f" if s >= 1 else "#e76f51" for s in score]
    ax.barh(range(len(tr)), score, color=colors)
    ax.axvline(1.0, color="black", lw=1)
    ax.set_yticks(range(len(tr)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("measured / target (log scale; >= 1 meets the target)")
    ax.set_title("Tessera benchmarks against their targets")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    return True


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")
    files = sorted(f for f in os.listdir(results) if f.endswith(".json"))
    rows, meta = [], {}
    for f in files:
        try:
            bench, r, rs = extract(os.path.join(results, f))
        except Exception as e:  # a broken result file is reported, not fatal
            print(f"warning: {f}: {e}", file=sys.stderr)
            continue
        meta[bench] = r
        rows.extend(rs)
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem_gib = sh("free -g | awk '/Mem:/ {print $2}'")
    here = os.path.dirname(os.path.abspath(__file__))
    git = sh(f"git -C {here} rev-parse --short HEAD")
    hdf5 = sh("dpkg-query -W -f='${Version}' libhdf5-openmpi-dev 2>/dev/null")
    blas = sh("dpkg-query -W -f='${Version}' libopenblas-dev 2>/dev/null")
    dask = sh("/usr/bin/python3 -c 'import dask; print(dask.__version__)' 2>/dev/null")
    lines = [
        "# Tessera benchmark report",
        "",
        f"- date (UTC): {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')}",
        f"- machine: {platform.node()}, {cpu}, {os.cpu_count()} cores, {mem_gib} GiB, load {os.getloadavg()[0]:.2f}",
        f"- tessera: {git}",
        f"- compiler: {sh('c++ --version | head -1')}",
        f"- MPI: {sh('mpirun --version 2>/dev/null | head -1')}",
        f"- HDF5: {hdf5}, OpenBLAS: {blas}, dask: {dask}",
        f"- GPU: {sh('nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null') or 'none'}",
        "",
        "Ratios compare Tessera with a peer measured in the same run (medians of the repetitions each",
        "benchmark states); machines here are shared, so single timings are noisy but ratios are not.",
        "",
        "| benchmark | measure | value | target | met |",
        "|---|---|---|---|---|",
    ]
    for x in rows:
        tgt = "-" if x["target"] is None else ("≥ " if x["kind"] == "min" else "≤ ") + fmt(x["target"])
        met = "-" if x["met"] is None else ("yes" if x["met"] else "**no**")
        lines.append(f'| {x["bench"]} | {x["name"]} {("(" + x["note"] + ")") if x["note"] else ""} | {fmt(x["value"])} | {tgt} | {met} |')
    gpu_txt = os.path.join(results, "gemm_gpu.txt")
    if os.path.exists(gpu_txt):
        lines += ["", "## GPU GEMM (bench-gemm_gpu)", "", "```", open(gpu_txt).read().strip(), "```"]
    if plot(rows, os.path.join(results, "targets.png")):
        lines += ["", "![measured / target](targets.png)"]
    lines += ["", f"Sources: {', '.join(files)} in this directory."]
    out = os.path.join(results, "REPORT.md")
    with open(out + ".tmp", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)
    missed = [x for x in rows if x["met"] is False]
    print(f"wrote {out}: {len(rows)} rows, {sum(1 for x in rows if x['met'])} targets met, {len(missed)} missed")
    for x in missed:
        print(f"  missed: {x['bench']}: {x['name']} = {fmt(x['value'])} (target {fmt(x['target'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
