module github.com/meshwasm/meshwasm/pkg

go 1.26

require github.com/meshwasm/meshwasm/build v0.0.0-00010101000000-000000000000

require (
	github.com/stretchr/testify v1.9.0 // indirect
	github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0 // indirect
	github.com/tetratelabs/wazero v1.7.2 // indirect
	github.com/valyala/fastjson v1.6.10 // indirect
)

replace github.com/meshwasm/meshwasm/build => ../build
