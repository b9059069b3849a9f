#!/bin/sh
# Made musl-hello-aarch64 and musl-hello-mipsel: the smallest dynamic musl programs, whose
# ELF interpreter (PT_INTERP) is musl's loader, /lib/ld-musl-<arch>.so.1.  Needs Debian's
# cross compilers and the musl roots of integration/musl.py (musl 1.2.3 from Debian):
#   python integration/musl.py --arch arm64 && python integration/musl.py --arch mipsel
set -eu
cache=${CROSSBUILD_TEST_CACHE:-$HOME/.cache/crossbuild-tests}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int main(void) { return 0; }\n' > "$tmp/hello.c"
for pair in arm64:aarch64-linux-gnu:aarch64 mipsel:mipsel-linux-gnu:mipsel; do
    arch=${pair%%:*}; rest=${pair#*:}; triplet=${rest%%:*}; name=${rest#*:}
    root=$cache/musl-root-$arch
    specs=$(ls "$cache"/musl-debs-bookworm-"$arch"/usr/lib/*-linux-musl*/musl-gcc.specs)
    musl_dir=$(basename "$(dirname "$specs")")
    sed -e "s|/usr/include/$musl_dir|$root/usr/include|g" -e "s|/usr/lib/$musl_dir|$root/usr/lib|g" "$specs" > "$tmp/$arch.specs"
    "$triplet-gcc" -specs="$tmp/$arch.specs" -Os -s -Wl,-z,max-page-size=4096 -o "$here/musl-hello-$name" "$tmp/hello.c"
done
