#!/bin/sh
# screenshot.sh RUN-DIR [WIDTH,HEIGHT]
#
# Renders RUN-DIR/report.html, written by 'loadgen report RUN-DIR', with
# headless Chromium and saves the page as RUN-DIR/report.png, to check
# how the report reads without opening a browser. The page loads
# nothing from the network, and Chromium is started with its own
# background traffic switched off. The window is 1280x2400 unless
# WIDTH,HEIGHT says otherwise; the screenshot is the top of the page.
#
# Needs Debian's chromium package (apt-get install -y chromium); this
# script installs it when it is missing and it runs as root.
set -eu

usage() {
	echo "usage: $0 RUN-DIR [WIDTH,HEIGHT]" >&2
	exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
size=${2:-1280,2400}
page="$dir/report.html"
if [ ! -f "$page" ]; then
	echo "screenshot.sh: $page does not exist: run 'loadgen report $dir' first" >&2
	exit 2
fi

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "screenshot.sh: chromium is not installed: apt-get install -y chromium" >&2
		exit 1
	fi
	echo "screenshot.sh: installing chromium" >&2
	apt-get install -y chromium >&2
	browser=$(command -v chromium)
fi

abs=$(cd "$dir" && pwd)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update --disable-sync \
	--no-first-run --user-data-dir="$profile" \
	--hide-scrollbars --window-size="$size" \
	--screenshot="$abs/report.png" "file://$abs/report.html" >&2
echo "$abs/report.png"
