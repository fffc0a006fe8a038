#!/bin/sh
# Builds the teleinfo .deb from the files git knows in the repository this script sits in (so
# build folders and other ignored files stay out), then runs lintian on it.
#
#   deploy/build-deb.sh [OUTPUT-FOLDER]      (default: build/deb of the repository)
#
# Installs the build dependencies with apt-get when some are missing (as root; for Debian 12
# and Raspberry Pi OS). Exits non-zero when the build fails or lintian reports an error.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
output=${1:-$repo/build/deb}

packages="build-essential fakeroot debhelper dh-sequence-installsysusers lintian git cmake \
ninja-build pkgconf help2man libboost-program-options-dev rapidjson-dev libmosquitto-dev \
libmariadb-dev libcurl4-openssl-dev zlib1g-dev"
missing=""
for package in $packages; do
  # dh-sequence-installsysusers is a virtual package that debhelper provides.
  [ "$package" = dh-sequence-installsysusers ] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "build-deb: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source_dir=$work/teleinfo-0.1.0
mkdir "$source_dir"
# The files git tracks, as in the working copy, and the new files not yet added that .gitignore
# does not exclude: build folders (/build*/) and caches stay out.
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
  tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$source_dir"
[ -d "$source_dir/deploy/debian" ] || { echo "build-deb: no deploy/debian in the tree" >&2; exit 1; }
cp -a "$source_dir/deploy/debian" "$source_dir/debian"

(cd "$source_dir" && dpkg-buildpackage -us -uc -b)

changes=$(ls "$work"/teleinfo_*.changes)
echo "build-deb: lintian $(basename "$changes")" >&2
lintian_status=0
lintian --info --display-info --fail-on error "$changes" || lintian_status=$?

mkdir -p "$output"
cp "$work"/*.deb "$output"/
ls -l "$output"/*.deb
exit "$lintian_status"
