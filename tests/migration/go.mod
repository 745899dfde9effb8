module github.com/meshwasm/meshwasm/tests/migration

go 1.26

require (
	github.com/meshwasm/meshwasm/build v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.10.0
	github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/meshwasm/meshwasm/build => ../../build
