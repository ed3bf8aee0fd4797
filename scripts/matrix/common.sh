# Shared by the build-matrix scripts (sourced): what they check and how they report it.

matrix_fail() {
  echo "matrix: FAILED: $*" >&2
  exit 1
}

# Stops unless this is Debian $1.
matrix_expect_debian() {
  local found
  found=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-unknown}")
  [ "$found" = "$1" ] || matrix_fail "this entry is for Debian $1, this machine is Debian '$found'"
}

# One summary block: the entry, the toolchain and the libraries it used, and, from the log
# of the test run ($2, optional), ctest's tally and the tests it skipped.
matrix_report() {
  local entry=$1 log=${2:-}
  echo
  echo "== build matrix: $entry =="
  echo "os:        $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "compiler:  $(c++ --version | head -1)"
  echo "cmake:     $(cmake --version | head -1)"
  local p v
  for p in libtorch-dev libtorch-cuda-dev libnccl-dev nvidia-cuda-toolkit catch2 libfmt-dev libyaml-cpp-dev; do
    v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
    [ -n "$v" ] && echo "package:   $p $v"
  done
  if [ -n "$log" ] && [ -f "$log" ]; then
    grep -h "roberta: LibTorch" "$log" | head -1 | sed 's/^-- /configure: /'
    local tally
    tally=$(grep -E 'tests passed' "$log" | tail -1 || true)
    [ -n "$tally" ] && echo "ctest:     $tally"
    grep -E '\(Skipped\)' "$log" | sed 's/^ */skipped:   /' || true
  fi
  echo "result:    passed"
}

# The CPU entries: on Debian $1, the README's test command (install, build everything, the
# whole suite), its log in build/matrix.log, then the report.
matrix_cpu_entry() {
  local debian=$1 entry=$2; shift 2
  matrix_expect_debian "$debian"
  mkdir -p build
  scripts/test.sh "$@" 2>&1 | tee build/matrix.log
  matrix_report "$entry" build/matrix.log
}
