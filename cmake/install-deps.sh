#!/usr/bin/env bash
# Installs what Tessera needs to build, test and run, but only what is missing, so a second run
# takes a fraction of a second. Debian/Ubuntu: apt-get (sudo when not root). Elsewhere: prints
# what to `module load` and exits 0 if the tools are already on PATH, 2 otherwise.
#
#   cmake/install-deps.sh            # build + test dependencies
#   cmake/install-deps.sh --clients  # + the readers the clients tests open our files with
#   cmake/install-deps.sh --check    # only report what is missing (exit 1 if anything is)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libopenblas-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  googletest libgtest-dev libbenchmark-dev
  libgmp-dev libpng-dev zlib1g-dev libpugixml-dev libhwloc-dev
  python3 python3-jsonschema
  iproute2 util-linux procps
)
# Extra packages named by the caller (e.g. the Slurm tests, the benchmarks).
if [[ -n "${TESSERA_EXTRA_PACKAGES:-}" ]]; then
  read -r -a extra <<<"${TESSERA_EXTRA_PACKAGES}"
  PACKAGES+=("${extra[@]}")
fi

# The clients tests (tests/clients): h5py, xarray with both netCDF engines, netCDF4-python, ncdump,
# ParaView's pvpython with an X server for it (xvfb-run) and Mesa's software OpenGL.
CLIENT_PACKAGES=(
  python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-netcdf4 python3-pil netcdf-bin
  paraview python3-paraview xvfb xauth libgl1-mesa-dri libglx-mesa0
)

check_only=0
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    --clients) PACKAGES+=("${CLIENT_PACKAGES[@]}") ;;
    *) echo "usage: cmake/install-deps.sh [--clients] [--check]" >&2; exit 2 ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  cat <<'MSG'
tessera: this is not a Debian/Ubuntu system, so dependencies are not installed automatically.
On a cluster, load the modules that provide them, for example:
  module load cmake gcc openmpi hdf5/parallel openblas    # names vary by site
  module load cuda                                        # optional, for the GPU backends
then build with: make -f Makefile.hpc build HDF5_DIR=$HDF5_ROOT CUDA_HOME=$CUDA_HOME
Header-only pieces (CLI11, nlohmann-json, fmt, GoogleTest) may come from modules or Spack.
MSG
  for tool in cmake mpicxx mpirun; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' not found on PATH" >&2; exit 2; }
  done
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $check_only -eq 1 ]]; then
  echo "missing: ${missing[*]}"
  exit 1
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  SUDO="sudo"
fi
echo "tessera: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/tessera-apt.log 2>&1; then
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/tessera-apt.log 2>&1 || {
    tail -20 /tmp/tessera-apt.log >&2
    echo "error: apt-get install failed (log: /tmp/tessera-apt.log)" >&2
    exit 3
  }
fi
