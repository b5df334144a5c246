# tests/faults/lib.sh: helpers for the fault tests (sourced, not run), on top of tests/apps/lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/../apps/lib.sh"

# need_mount_namespace: re-runs this script in a private mount namespace (mounts made there vanish
# with it and never touch the host). Without root or namespaces: skipped with the reason (exit 77),
# except under CI, where that is a failure.
need_mount_namespace() {
  [[ -n ${TESSERA_IN_MOUNT_NS:-} ]] && return 0
  local why=""
  if [[ $(id -u) -ne 0 ]]; then why="needs root for tmpfs mounts"
  elif ! unshare -m --propagation private true 2>/dev/null; then why="cannot create a mount namespace (unshare -m)"; fi
  if [[ -n $why ]]; then
    if [[ ${CI:-} == true ]]; then echo "FAIL - $why (required under CI)"; exit 1; fi
    echo "SKIP: $why"; exit 77
  fi
  rm -rf "$WORK"
  exec unshare -m --propagation private env TESSERA_IN_MOUNT_NS=1 bash "$0" "$@"
}

# small_fs DIR SIZE: a tmpfs of SIZE (e.g. 3m) at DIR (inside the mount namespace).
small_fs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tessera-faults "$1"
}

# no_temporaries DIR DESC: no Tessera temporary (.NAME.*.partial) is left in DIR.
no_temporaries() {
  local left
  left=$(find "$1" -maxdepth 1 -name '.*.partial' -printf '%f ' 2>/dev/null || true)
  if [[ -z $left ]]; then ok "$2: no temporaries left"; else fail "$2: temporaries left: $left"; fi
}

# timed_rc WANT MAXSEC DESC cmd...: like expect_rc, and the command must end within MAXSEC s.
timed_rc() {
  local want=$1 max=$2 desc=$3
  shift 3
  local t0=$SECONDS
  expect_rc "$want" "$desc" "$@"
  local took=$((SECONDS - t0))
  if ((took <= max)); then ok "$desc: ended in ${took} s (<= $max)"; else fail "$desc: took ${took} s (> $max)"; fi
}
