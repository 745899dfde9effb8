module example.com/tutorial

go 1.26

require (
	github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0
	github.com/valyala/fastjson v1.6.10
)
