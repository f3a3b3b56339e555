#!/usr/bin/env bash
# Builds the base image of the operator's OCI image without a Docker engine or a registry: a root
# filesystem of Debian's glibc (libc6, libgcc-s1: all the runtime links against) plus a Java runtime
# that jlink cuts from JDK 25 down to the modules in hack/image/jre-modules, with its default CDS
# archive, as one reproducible layer in a `docker save` tarball that Jib takes as `tar://` base.
#
#   hack/image/base-image.sh OUTPUT.tar
#
# The tarball is cached outside the repository, keyed by this script, the module list, the JDK's
# release file and the Debian package versions; a warm cache is copied at once.
# JDK: $SSHTUNNEL_IMAGE_JDK, else /usr/lib/jvm/temurin-25-jdk-amd64 (the JDK the benchmarks found fastest,
# docs/benchmarks.md). The image runs as uid/gid 185, the uid deploy/ and the forwarder Deployment use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/docker-archive.sh"
output="${1:?usage: base-image.sh OUTPUT.tar}"
jdk="${SSHTUNNEL_IMAGE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
packages=(libc6 libgcc-s1)

[ -x "$jdk/bin/jlink" ] || { echo "base-image: no JDK with jlink at $jdk (set SSHTUNNEL_IMAGE_JDK to a JDK 25)" >&2; exit 1; }
command -v apt-get >/dev/null 2>&1 || { echo "base-image: needs Debian's apt-get to fetch ${packages[*]}" >&2; exit 1; }

versions=""
for p in "${packages[@]}"; do
  v="$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)"
  [ -n "$v" ] || { echo "base-image: package $p is not installed here; its installed version is what the image takes" >&2; exit 1; }
  versions+="$p=$v "
done
key="$( (cat "$0" "$here/docker-archive.sh" "$here/jre-modules" "$jdk/release"; echo "$versions") | sha256sum | cut -c1-12)"
cache_root="$image_cache_root"
cached="$cache_root/base-$key.tar"

if [ ! -s "$cached" ]; then
  mkdir -p "$cache_root"
  tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  start=$SECONDS
  echo "base-image: building ($versions; JDK $jdk) into $cached" >&2
  rootfs="$tmp/rootfs"
  mkdir -p "$rootfs" "$tmp/debs"
  # Exactly the installed versions, so the image matches what the machine was checked with. A mirror
  # keeps only the newest version of a suite: when the installed one is gone from it, the installed
  # package's own files (dpkg -L) are copied instead.
  for p in "${packages[@]}"; do
    if (cd "$tmp/debs" && apt-get download -q "$(dpkg-query -W -f='${Package}=${Version}' "$p")" >/dev/null 2>&1); then
      dpkg-deb -x "$tmp"/debs/"$p"_*.deb "$rootfs"
    else
      echo "base-image: $p's installed version is not downloadable; copying its installed files" >&2
      dpkg -L "$p" | while read -r f; do
        # Files and file symlinks; directories (/lib may be a symlink on a merged-/usr host) are made.
        if { [ -f "$f" ] && [ ! -L "$f" ]; } || { [ -L "$f" ] && [ ! -d "$f" ]; }; then
          mkdir -p "$rootfs$(dirname "$f")"; cp -a "$f" "$rootfs$f"
        fi
      done
    fi
  done
  # What no process here reads: documentation, locales, iconv modules (the JVM brings its own charsets).
  rm -rf "$rootfs"/usr/share/doc "$rootfs"/usr/share/lintian "$rootfs"/usr/share/locale \
         "$rootfs"/usr/lib/x86_64-linux-gnu/gconv "$rootfs"/etc/ld.so.conf.d
  modules="$(grep -v '^#' "$here/jre-modules" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')"
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
      --generate-cds-archive --output "$rootfs/opt/java"
  # The archive for heaps without compressed oops (32 GiB and more) is never used at pod sizes.
  rm -f "$rootfs/opt/java/lib/server/classes_nocoops.jsa"
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/deployments" "$rootfs/usr/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nsshtunnel:x:185:185:sshtunnel:/deployments:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nsshtunnel:x:185:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
  ln -s /opt/java/bin/java "$rootfs/usr/bin/java"
  jdk_version="$(. "$jdk/release"; echo "${IMPLEMENTOR:-} ${JAVA_RUNTIME_VERSION:-$JAVA_VERSION}")"
  docker_archive "$rootfs" "$tmp/base.tar" "sshtunnel-operator-base:$key" \
      "$(printf '{"Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],"User":"185:185","WorkingDir":"/deployments","Labels":{"dev.sshtunnel.base.packages":"%s","dev.sshtunnel.base.jdk":"%s"}}' "${versions% }" "$jdk_version")"
  mv -f "$tmp/base.tar" "$cached"
  echo "base-image: built in $((SECONDS - start)) s ($(du -h "$cached" | cut -f1))" >&2
fi
mkdir -p "$(dirname "$output")"
cp -f "$cached" "$output"
echo "$output"
