#!/usr/bin/env bash
# Installs the fixres build BUILD into BUILD/example_install, builds examples/ against that
# package (find_package(fixres)) and classifies two photos with random weights: the installed
# headers, library and CMake package are enough to build and run a user's program.
#   examples/check_installed_package.sh BUILD
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
source_dir=$(cd "$(dirname "$0")/.." && pwd)
prefix="$build/example_install"
work="$build/example_build"

rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" > /dev/null
cmake -S "$source_dir/examples" -B "$work" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$work" -j2 > /dev/null

photos="$source_dir/tests/fixtures/images/pipeline"
out=$("$work/classify" tf_efficientnet_b0 - 224 "$photos/landscape.jpg" "$photos/portrait.jpg")
echo "$out"
[ "$(grep -c '^.*\.jpg:  [0-9]' <<< "$out")" -eq 2 ] || { echo "unexpected output" >&2; exit 1; }
# The installed CLI finds the installed engine library.
"$prefix/bin/fixres" zoo > /dev/null
echo "example built and ran against the installed package in $prefix"
