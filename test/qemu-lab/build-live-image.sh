#!/usr/bin/env bash
# Builds the qemu lab's live image (docs/lab-in-a-box.md): a Debian kernel and an initramfs
# holding busybox, Node with its shared libraries, the harness bundle and a task library,
# whose /init brings up the network and a state disk and runs the harness.
#
#   test/qemu-lab/build-live-image.sh OUTDIR HARNESS_BUNDLE TASK_DIR
#
# Writes OUTDIR/vmlinuz and OUTDIR/initrd.img. Idempotent and cached: the image is rebuilt
# only when one of its inputs changed (the kernel package, node, busybox, the bundle, the
# tasks, this directory's files); the kernel package is downloaded once into
# .erlen/qemu-lab/ (Debian's registry, `apt-get download`).
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 OUTDIR HARNESS_BUNDLE TASK_DIR" >&2
  exit 2
fi
out=$1
harness=$2
tasks=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache="$repo/.erlen/qemu-lab"
[ -f "$harness" ] || { echo "build-live-image: no harness bundle at $harness (npm run build)" >&2; exit 1; }
[ -d "$tasks" ] || { echo "build-live-image: no task directory $tasks" >&2; exit 1; }
mkdir -p "$out" "$cache"
started=$(date +%s%N)

# --- the kernel: Debian's current amd64 image, its NIC, block and ext4 modules
kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}'; }
package=$(kernel_package)
if [ -z "$package" ]; then
  apt-get update -qq
  package=$(kernel_package)
fi
[ -n "$package" ] || { echo "build-live-image: apt knows no linux-image-amd64" >&2; exit 1; }
deb=$(ls "$cache"/"$package"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
  (cd "$cache" && apt-get download -q "$package" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  deb=$(ls "$cache"/"$package"_*.deb | head -n 1)
fi

for tool in busybox cpio gzip depmod; do
  command -v "$tool" >/dev/null || { echo "build-live-image: $tool is missing (scripts/ensure-packages.sh)" >&2; exit 1; }
done
busybox=$(command -v busybox)
# busybox-static's binary: a dynamically linked busybox would need its libraries too.
if ldd "$busybox" >/dev/null 2>&1; then
  echo "build-live-image: $busybox is linked dynamically; install busybox-static" >&2
  exit 1
fi
node=$(readlink -f "$(command -v node)")

key=$(
  {
    sha256sum "$deb" "$node" "$busybox" "$harness"
    find "$here" -maxdepth 1 -type f -print0 | sort -z | xargs -0 sha256sum
    (cd "$tasks" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
)
if [ -f "$out/.image-key" ] && [ "$(cat "$out/.image-key")" = "$key" ] && [ -f "$out/initrd.img" ]; then
  echo "build-live-image: $out is current ($key)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/kernel"
version=$(ls "$work/kernel/lib/modules")
depmod -b "$work/kernel" "$version"
modules="$work/kernel/lib/modules/$version"

root="$work/root"
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,run,lib/modules,usr/bin,opt/erlen,mnt/tests,var/lib/erlen-harness}
cp "$busybox" "$root/bin/busybox"

# Each wanted module after the ones it depends on (modules.dep lists those), once.
: >"$root/etc/modules"
add_module() {
  local path deps dep
  path=$(awk -F: -v m="/$1.ko" 'length($1) >= length(m) && substr($1, length($1) - length(m) + 1) == m {print $1; exit}' "$modules/modules.dep")
  [ -n "$path" ] || { echo "build-live-image: kernel $version has no module $1" >&2; exit 1; }
  grep -qx "$(basename "$path")" "$root/etc/modules" && return 0
  deps=$(awk -F': *' -v p="$path" '$1 == p {print $2; exit}' "$modules/modules.dep")
  for dep in $deps; do add_module "$(basename "$dep" .ko)"; done
  cp "$modules/$path" "$root/lib/modules/"
  basename "$path" >>"$root/etc/modules"
}
# e1000: the NIC whose iPXE ROM qemu boots from; virtio_blk and ext4: the state disk (ext4
# asks the crypto API for crc32c at mount time, so its provider must be loaded first).
for module in e1000 virtio_pci virtio_blk crc32c_generic ext4; do add_module "$module"; done

cp "$node" "$root/usr/bin/node"
for lib in $(ldd "$node" | awk '/=> \//{print $3} /^\s*\/lib/{print $1}'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp "$harness" "$root/opt/erlen/erlen-harness.mjs"
cp -a "$tasks"/. "$root/mnt/tests/"
install -m 0755 "$here/init" "$root/init"
install -m 0755 "$here/udhcpc.script" "$root/etc/udhcpc.script"

# gzip -1: the initramfs crosses TFTP and is unpacked by an emulated CPU; a smaller, slower
# compression saves less transfer than it costs to unpack (docs/lab-in-a-box.md).
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.img.tmp"
cp "$work/kernel/boot/vmlinuz-$version" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "$key" >"$out/.image-key"
echo "build-live-image: kernel $version, initrd $(($(stat -c %s "$out/initrd.img") / 1000000)) MB," \
  "$((($(date +%s%N) - started) / 1000000)) ms"
