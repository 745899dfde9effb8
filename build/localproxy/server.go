package localproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// shutdownGrace is how long a stopping server waits for requests in flight
// (a paused request waits for its callout's timeout at most).
const shutdownGrace = 10 * time.Second

// Server is a Proxy listening on a socket, HTTP/1.1 and h2c.
type Server struct {
	Proxy *Proxy
	srv   *http.Server
	ln    net.Listener
	done  chan error
}

// Listen starts the proxy and serves it on addr.
func Listen(opts Options, addr string) (*Server, error) {
	p, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.Close()
		return nil, err
	}
	// HTTP/2 without TLS with prior knowledge (h2c, as Envoy's listener
	// accepts it) beside HTTP/1.1: net/http's own, which
	// http.Server.Shutdown drains with the HTTP/1.1 connections.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	s := &Server{
		Proxy: p,
		ln:    ln,
		done:  make(chan error, 1),
		srv: &http.Server{
			Handler:           p,
			Protocols:         &protocols,
			ReadHeaderTimeout: 30 * time.Second,
			ErrorLog:          p.logger,
		},
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Shutdown stops accepting, lets the requests in flight finish (up to ctx),
// then stops the proxy.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	s.Proxy.Close()
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Run serves until ctx ends (Ctrl-C, SIGTERM), printing one line to out
// that says where it listens and what it proxies to.
func Run(ctx context.Context, opts Options, addr string, out io.Writer) error {
	s, err := Listen(opts, addr)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, s.Describe())
	select {
	case <-ctx.Done():
	case err := <-s.done:
		s.done <- err
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return s.Shutdown(sctx)
}

// Describe is the line Run prints.
func (s *Server) Describe() string {
	o := s.Proxy.opts
	var b strings.Builder
	fmt.Fprintf(&b, "meshwasm run: ")
	if o.Module == nil {
		b.WriteString("no filter")
	} else {
		fmt.Fprintf(&b, "%s", o.Name)
		if o.ConfigSource != "" {
			fmt.Fprintf(&b, " (configuration: %s)", o.ConfigSource)
		}
	}
	fmt.Fprintf(&b, " on %s (HTTP/1.1, h2c) -> ", s.URL())
	if s.Proxy.echo != nil {
		fmt.Fprintf(&b, "built-in echo upstream %s", s.Proxy.upstream)
	} else {
		fmt.Fprintf(&b, "upstream %s", s.Proxy.upstream)
	}
	if len(o.Clusters) > 0 {
		names := make([]string, 0, len(o.Clusters))
		for name := range o.Clusters {
			names = append(names, name+"="+o.Clusters[name].String())
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "; clusters %s", strings.Join(names, ", "))
	}
	b.WriteString("; Ctrl-C stops")
	return b.String()
}
