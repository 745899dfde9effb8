//go:build !meshwasm_offline

package main

// commands are meshwasm's subcommands, in the order usage lists them.
var commands = []command{
	{"build", "compile a filter directory to a proxy-wasm module", runBuild},
	{"image", "pack a module into an OCI image layout", runImage},
	{"push", "push an image layout to a registry", runPush},
	{"manifest", "write the Istio WasmPlugin for an image", runManifest},
	{"new", "scaffold a new filter under filters/", runNew},
	{"run", "serve a filter locally over HTTP in front of an upstream (no Envoy needed)", runRun},
}
