package localproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

// Options say what to run and where.
type Options struct {
	// Module is the filter's compiled module; nil runs the proxy with no
	// filter (the baseline of the load test).
	Module []byte
	// Name is the plugin's root_id and the name in its log lines.
	Name string
	// Config is the plugin configuration (JSON or KEY=VALUE lines; nil:
	// none); ConfigSource says where it came from, for messages.
	Config       []byte
	ConfigSource string
	// Upstream is where requests go (http[s]://host[:port]); nil starts the
	// built-in echo upstream (Echo) on a loopback port.
	Upstream *url.URL
	// Clusters are the clusters proxy_http_call may name.
	Clusters map[string]*url.URL
	// LogLevel is the lowest level of the module's log lines printed.
	LogLevel proxyhost.LogLevel
	// Log receives the module's log lines and the proxy's own (nil:
	// discarded).
	Log io.Writer
	// Cache, when set, shares compiled code between proxies of one process
	// (tests start many).
	Cache wazero.CompilationCache
}

// Proxy is the filter running in front of an upstream: an http.Handler.
type Proxy struct {
	opts     Options
	upstream *url.URL
	echo     *http.Server
	logger   *log.Logger

	vm   *proxyhost.VM
	root *proxyhost.Root

	rp       *httputil.ReverseProxy
	callouts *http.Client
	// ctx ends the callouts in flight when the proxy closes.
	ctx    context.Context
	cancel context.CancelFunc

	failOnce sync.Once
}

// New starts the module's VM and its plugin, and the echo upstream when no
// upstream is given. A plugin that refuses its configuration is an error
// (Envoy does not load it); its own log line says why.
func New(opts Options) (*Proxy, error) {
	p := &Proxy{opts: opts, upstream: opts.Upstream}
	w := opts.Log
	if w == nil {
		w = io.Discard
	}
	p.logger = log.New(w, "", log.LstdFlags)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	ok := false
	defer func() {
		if !ok {
			p.Close()
		}
	}()
	if p.upstream == nil {
		u, err := p.startEcho()
		if err != nil {
			return nil, err
		}
		p.upstream = u
	}
	p.callouts = &http.Client{Transport: newTransport()}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
		Transport:      newTransport(),
		ErrorLog:       log.New(io.Discard, "", 0),
		// Stream the response as it comes, as Envoy does, rather than
		// in ReverseProxy's default buffered writes.
		FlushInterval: -1,
	}
	if opts.Module != nil {
		if err := p.startPlugin(); err != nil {
			return nil, err
		}
	}
	ok = true
	return p, nil
}

// newTransport is the upstream connection pool: enough idle connections
// per host for many concurrent clients, so a busy proxy reuses
// connections rather than opening one per request.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 1024
	t.ForceAttemptHTTP2 = false
	// Envoy forwards accept-encoding as the client sent it; Go would
	// otherwise add its own gzip and decompress the answer behind our back.
	t.DisableCompression = true
	return t
}

func (p *Proxy) startEcho() (*url.URL, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the echo upstream: %w", err)
	}
	p.echo = &http.Server{Handler: Echo(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.echo.Serve(ln) }()
	return &url.URL{Scheme: "http", Host: ln.Addr().String()}, nil
}

func (p *Proxy) startPlugin() error {
	vm, err := proxyhost.New(p.ctx, p.opts.Module, proxyhost.Options{
		Cache:  p.opts.Cache,
		Stderr: logWriter{p.logger, p.opts.Name},
		Log:    p.moduleLog,
		Clusters: func(name string) bool {
			_, ok := p.opts.Clusters[name]
			return ok
		},
		Dispatch: p.dispatch,
	})
	if err != nil {
		return fmt.Errorf("loading the module: %w", err)
	}
	p.vm = vm
	root, err := vm.NewRoot(p.opts.Name, p.opts.Config)
	if err != nil {
		return fmt.Errorf("starting the plugin: %w", err)
	}
	if !root.Started {
		return &RefusedError{Name: p.opts.Name, Source: p.opts.ConfigSource}
	}
	p.root = root
	return nil
}

// RefusedError is a plugin that refused to start: its configuration is
// wrong, and the plugin's own log line says what.
type RefusedError struct {
	Name, Source string
}

func (e *RefusedError) Error() string {
	src := ""
	if e.Source != "" {
		src = " from " + e.Source
	}
	return fmt.Sprintf("plugin %s refused its configuration%s (see its log line above)", e.Name, src)
}

// Upstream is where requests go (the echo upstream's address when it was
// started).
func (p *Proxy) Upstream() *url.URL { return p.upstream }

// Close stops the callouts in flight, the VM and the echo upstream.
func (p *Proxy) Close() {
	p.cancel()
	if p.vm != nil {
		p.vm.Close()
	}
	if p.echo != nil {
		p.echo.Close()
	}
}

// dispatch sends a callout the module started; it runs with the VM locked,
// so the request runs on its own goroutine and answers the VM from there.
func (p *Proxy) dispatch(c *proxyhost.Callout) error {
	base := p.opts.Clusters[c.Cluster]
	ctx, cancel := timeoutContext(p.ctx, c.TimeoutMS)
	req, err := calloutRequest(ctx, base, c)
	if err != nil {
		cancel()
		p.logger.Printf("[warn] %s: callout to cluster %s not sent: %v", p.opts.Name, c.Cluster, err)
		return err
	}
	go func() {
		defer cancel()
		answer, reset := call(p.callouts, req)
		if p.ctx.Err() != nil {
			return // closing: the VM is going away
		}
		var err error
		if reset {
			err = p.vm.Reset(c)
		} else {
			err = p.vm.Answer(c, answer)
		}
		if err != nil {
			p.vmFailed(err)
		}
	}()
	return nil
}

// vmFailed logs a module call that failed (a trap fails the VM for good).
func (p *Proxy) vmFailed(err error) {
	var trap *proxyhost.Trap
	if errors.As(err, &trap) {
		p.failOnce.Do(func() {
			p.logger.Printf("[critical] %s: the module failed; every request now answers 503: %v", p.opts.Name, err)
		})
		return
	}
	p.logger.Printf("[error] %s: %v", p.opts.Name, err)
}

// Live is how many streams the module has that have not ended (0 without
// a module): once the requests are over, a stream still alive is one the
// proxy never ended.
func (p *Proxy) Live() int {
	if p.vm == nil {
		return 0
	}
	return p.vm.Live()
}
