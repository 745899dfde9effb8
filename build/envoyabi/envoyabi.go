// Package envoyabi says which functions each supported Envoy release's
// proxy-wasm host (proxy-wasm-cpp-host) provides to a module: Envoy refuses
// to load a module that imports anything else. The build uses it to stub what
// a target lacks and to check the module it wrote; build/wasmtest.CheckABI uses
// the same lists.
package envoyabi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/meshwasm/meshwasm/build/binding"
)

// WASIModule is the import module of the WASI functions.
const WASIModule = "wasi_snapshot_preview1"

// Oldest is the oldest Envoy a standard-Go module supports, and the build's
// default target.
const Oldest = "1.33"

// release is one change of the WASI functions proxy-wasm-cpp-host provides
// (the FOR_ALL_WASI_FUNCTIONS list of include/proxy-wasm/wasm_vm.h, backed by
// the wasi_unstable_* functions of src/exports.cc), from the Envoy minor
// release that first ships it.
type release struct {
	minor int
	added []string
}

var releases = []release{
	// Envoy 1.33 (Istio 1.25): the host gained sched_yield, poll_oneoff and
	// fd_fdstat_set_flags, the last calls the Go runtime cannot do without.
	{33, []string{
		"args_get", "args_sizes_get", "clock_time_get", "environ_get", "environ_sizes_get",
		"fd_close", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_dir_name", "fd_prestat_get",
		"fd_read", "fd_seek", "fd_write", "path_open", "poll_oneoff", "proc_exit", "random_get",
		"sched_yield",
	}},
	// Envoy 1.38: proxy-wasm-cpp-host 94091cd (2026-04) added the functions
	// Go's os and net packages import, each answering ENOSYS (or EBADF).
	{38, []string{
		"fd_filestat_get", "fd_filestat_set_size", "fd_pread", "fd_pwrite", "fd_readdir", "fd_sync",
		"path_create_directory", "path_filestat_get", "path_readlink", "path_remove_directory",
		"path_unlink_file", "sock_accept", "sock_shutdown",
	}},
}

// Version is an Envoy release, 1.minor.
type Version struct{ minor int }

func (v Version) String() string { return fmt.Sprintf("1.%d", v.minor) }

// Parse reads "1.33", "1.33.2" or "v1.33". A release older than Oldest is an
// error: its host lacks functions the Go runtime itself imports.
func Parse(s string) (Version, error) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	bad := fmt.Errorf("envoy version %q: want 1.N (for example %s)", s, Oldest)
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "1" {
		return Version{}, bad
	}
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err != nil {
			return Version{}, bad
		}
	}
	minor, _ := strconv.Atoi(parts[1])
	if minor < releases[0].minor {
		return Version{}, fmt.Errorf("envoy version %q: standard-Go modules need Envoy >= %s", s, Oldest)
	}
	return Version{minor: minor}, nil
}

// MustParse is Parse for versions written in the source.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// WASI lists the WASI functions v's host provides, sorted. A release newer
// than the newest known provides what the newest known one does.
func WASI(v Version) []string {
	var names []string
	for _, r := range releases {
		if r.minor <= v.minor {
			names = append(names, r.added...)
		}
	}
	slices.Sort(names)
	return names
}

// Imports lists every function v's host provides to a meshwasm module, as
// "module.name", sorted: the proxy-wasm host calls the binding declares and
// the WASI functions.
func Imports(v Version) []string {
	var names []string
	for _, name := range binding.HostCalls() {
		names = append(names, "env."+name)
	}
	for _, name := range WASI(v) {
		names = append(names, WASIModule+"."+name)
	}
	slices.Sort(names)
	return names
}
