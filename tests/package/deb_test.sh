#!/usr/bin/env bash
# The .deb as an operator gets it: CPack packs this build dir's picbot and
# picbot-file-receiver (the same rules scripts/package.sh uses on a Release
# build), then the package is unpacked into a throw-away root (dpkg -x) and
#   - holds the binaries, units, /etc/picbot/picbot.yaml and /etc/default files;
#   - marks the config files as conffiles;
#   - has maintainer scripts that parse, create the picbot system user and
#     /var/lib/picbot, and never delete the user (purge deletes data only);
#   - its binaries run, and picbot --check-config accepts the shipped config;
#   - systemd-analyze verify finds nothing to say about the units (their
#     /usr/bin paths pointed into the root, since nothing is installed).
#
#   tests/package/deb_test.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/picbot-deb-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

(cd "$build_dir" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  exit 1
}
debs=("$work"/out/picbot_*.deb)
[[ -f ${debs[0]} ]] || { echo "FAIL: cpack made no picbot_*.deb" >&2; cat "$work/cpack.log" >&2; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb")"

root=$work/root
dpkg -x "$deb" "$root"
dpkg-deb -e "$deb" "$work/control"

for file in usr/bin/picbot usr/bin/picbot-file-receiver etc/picbot/picbot.yaml etc/default/picbot \
  etc/default/picbot-file-receiver lib/systemd/system/picbot.service \
  lib/systemd/system/picbot-file-receiver.service; do
  [[ -e $root/$file ]] || fail "the package has no /$file"
done
for conffile in /etc/picbot/picbot.yaml /etc/default/picbot /etc/default/picbot-file-receiver; do
  grep -qx "$conffile" "$work/control/conffiles" || fail "$conffile is not a conffile"
done
grep -q '^Depends:.*libyaml-cpp' "$work/control/control" || fail "Depends misses the shared libraries"

for script in postinst prerm postrm; do
  [[ -x $work/control/$script ]] || fail "no executable $script"
  sh -n "$work/control/$script" || fail "$script does not parse"
done
grep -q 'useradd --system' "$work/control/postinst" || fail "postinst does not create the picbot system user"
grep -q 'install -d -o picbot -g picbot -m 0750 /var/lib/picbot' "$work/control/postinst" ||
  fail "postinst does not create /var/lib/picbot"
if grep -Eq 'userdel|deluser|groupdel|delgroup' "$work/control/postrm" "$work/control/prerm"; then
  fail "remove or purge deletes the picbot user"
fi

"$root/usr/bin/picbot" --version | grep -q '^picbot ' || fail "picbot --version"
"$root/usr/bin/picbot-file-receiver" --version >/dev/null || fail "picbot-file-receiver --version"
if ! check=$("$root/usr/bin/picbot" --check-config --config "$root/etc/picbot/picbot.yaml" --lang en 2>&1); then
  fail "picbot --check-config rejects the shipped config: $check"
fi
[[ $check == "config OK: "* ]] || fail "unexpected --check-config output: $check"

if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze is missing (scripts/install-deps.sh --test installs systemd)" >&2
  exit 77  # CTest SKIP_RETURN_CODE
fi
mkdir "$work/units"
for unit in "$root"/lib/systemd/system/*.service; do
  grep -q '^ExecStart=/usr/bin/' "$unit" || fail "$(basename "$unit") does not start a packaged binary"
  sed "s|/usr/bin/picbot|$root/usr/bin/picbot|g" "$unit" >"$work/units/$(basename "$unit")"
done
# verify exits 0 on unknown keys and bad values, so any output is a failure.
if ! verify=$(systemd-analyze verify --man=no "$work"/units/*.service 2>&1) || [[ -n $verify ]]; then
  fail "systemd-analyze verify: $verify"
fi

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all package checks passed"
