# Sourced by the image builders: finds the files a configuration names.
# resolve_boot_files BUILD_DIR CONFIG sets boot_files (paths) and boot_names (their names):
# every kernel, ramdisk and module of the configuration's domains, looked up first next to
# the configuration, then among the test guests in BUILD_DIR/guests, then in the Linux
# guest's BUILD_DIR/linux (guests/linux/), then in dom0's BUILD_DIR/dom0 (guests/dom0/). A
# file found in none of them is left out with a warning (Keel then says which domain misses
# it).
resolve_boot_files() {
	local build=$1 config=$2 lister=$1/host/config-files name dir found
	[ -x "$lister" ] || die "$lister not found (make builds it)"
	boot_files=() boot_names=()
	local names
	names=$("$lister" "$config") || die "cannot read the file names in $config"
	while IFS= read -r name; do
		[ -n "$name" ] || continue
		found=
		for dir in "$(dirname -- "$config")" "$build/guests" "$build/linux" "$build/dom0"; do
			if [ -f "$dir/$name" ]; then
				found=$dir/$name
				break
			fi
		done
		if [ -z "$found" ]; then
			echo "$(basename -- "$0"): warning: $name, named in $config, is neither next to it nor in $build/guests, $build/linux or $build/dom0: left out" >&2
			continue
		fi
		boot_files+=("$found")
		boot_names+=("$name")
	done <<<"$names"
}
