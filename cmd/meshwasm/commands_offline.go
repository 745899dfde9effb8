//go:build meshwasm_offline

package main

// With -tags meshwasm_offline, meshwasm has the commands that need no
// network (build, image, manifest, new): it links none of the HTTP, TLS,
// registry-credential and wazero code of push and run, so it compiles in
// about half the time from an empty build cache. `make` builds, packs and
// describes the filters with it (the Makefile's OFFLINE_BIN); push and run
// use the whole command.
var commands = []command{
	{"build", "compile a filter directory to a proxy-wasm module", runBuild},
	{"image", "pack a module into an OCI image layout", runImage},
	{"manifest", "write the Istio WasmPlugin for an image", runManifest},
	{"new", "scaffold a new filter under filters/", runNew},
}
