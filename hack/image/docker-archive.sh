# Where the image scripts cache what they build, keyed by their inputs.
image_cache_root="${SSHTUNNEL_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sshtunnel-operator/image}"

# Sourced by the image scripts: writes a one-layer image as a `docker save` tarball (what Jib takes as a
# `tar://` base and `ctr images import` loads), byte for byte the same on every run.
#   docker_archive ROOTFS OUTPUT.tar REPO:TAG CONFIG_JSON_FIELDS
# CONFIG_JSON_FIELDS: the image config's "config" object, e.g. '{"Entrypoint":["/pause"]}'.
docker_archive() {
  local rootfs="$1" output="$2" tag="$3" config="$4" work diff_id
  work="$(mktemp -d)"
  _reproducible_tar -C "$rootfs" -cf "$work/layer.tar" .
  diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"%s"}]}' \
      "$config" "$diff_id" "hack/image/$(basename "$0")" > "$work/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$tag" > "$work/manifest.json"
  _reproducible_tar -C "$work" -cf "$output" manifest.json config.json layer.tar
  rm -rf "$work"
}

# Sorted names, fixed times and owners, no access or change times.
_reproducible_tar() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime "$@"
}
