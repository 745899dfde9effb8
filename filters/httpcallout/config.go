package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// Defaults and limits of the configuration.
const (
	defaultPath          = "/"
	defaultMethod        = "GET"
	defaultTimeoutMs     = 500
	maxTimeoutMs         = 60000
	defaultFailureStatus = 503
	// The headers every callout carries with the original request's
	// :method and :path.
	forwardedMethod = "x-forwarded-method"
	forwardedURI    = "x-forwarded-uri"
)

// keys are every key the configuration accepts: a typo must not silently
// disable a check.
var keys = []string{
	"cluster", "authority", "path", "method", "timeout_ms",
	"forward_headers", "allow_statuses", "allow_json_path", "copy_response_headers",
	"deny_status", "deny_body", "deny_response_headers",
	"fail_open", "failure_status", "skip_path_prefixes",
}

// Config is httpcallout's parsed, validated configuration, shared read-only
// by every stream.
type Config struct {
	Cluster   string
	Authority string
	Path      string
	Method    string
	TimeoutMs uint32

	// ForwardHeaders are the request headers copied into the callout, beside
	// x-forwarded-method and x-forwarded-uri.
	ForwardHeaders []string
	// Allow[s] is true when callout status s lets the request through.
	Allow [600]bool
	// AllowJSONPath, when set, is a path into the callout's body (gjson's
	// syntax for keys and indexes) that must hold true for an allowing
	// status to allow; allowPath is its keys.
	AllowJSONPath string
	allowPath     jsonPath
	// CopyResponseHeaders are set on the request from an allowing answer.
	CopyResponseHeaders []string

	// DenyStatus is the status of a denial; 0 means the callout's own when
	// it is 4xx, else 403.
	DenyStatus int
	// DenyBody, when HasDenyBody, replaces the callout's body in a denial.
	DenyBody    []byte
	HasDenyBody bool
	// DenyResponseHeaders are copied from a denying answer to the client.
	DenyResponseHeaders []string

	FailOpen      bool
	FailureStatus int
	// FailureBody is the body of a fail-closed answer.
	FailureBody []byte

	// SkipPathPrefixes are :path prefixes that are not called out.
	SkipPathPrefixes []string

	// calloutHeaders are the callout's fixed headers, built once.
	calloutHeaders [][2]string
}

// reserved are header names no list may hold: copying a connection-level
// or framing header into a callout, a request or a local reply would break
// the message rather than inform it.
var reserved = []string{
	"connection", "content-length", "host", "keep-alive", "proxy-connection",
	"te", "transfer-encoding", "upgrade",
}

// parseConfig validates the whole configuration and builds everything the
// streams need, so that nothing is parsed per request.
func parseConfig(c *config.Object) (*Config, error) {
	if err := c.Known(keys...); err != nil {
		return nil, err
	}
	cfg := &Config{}
	var err error

	if cfg.Cluster, err = c.RequiredString("cluster"); err != nil {
		return nil, err
	}
	if err := checkText(cfg.Cluster); err != nil {
		return nil, c.Errorf("cluster", "%v", err)
	}
	if cfg.Authority, err = authority(c, cfg.Cluster); err != nil {
		return nil, err
	}

	if cfg.Path, err = c.String("path", defaultPath); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(cfg.Path, "/") {
		return nil, c.Errorf("path", "must start with \"/\", got %q", cfg.Path)
	}
	if err := checkText(cfg.Path); err != nil {
		return nil, c.Errorf("path", "%v", err)
	}
	if cfg.Method, err = c.String("method", defaultMethod); err != nil {
		return nil, err
	}
	if err := checkMethod(cfg.Method); err != nil {
		return nil, c.Errorf("method", "%v", err)
	}
	timeout, err := c.Int("timeout_ms", defaultTimeoutMs, 1, maxTimeoutMs)
	if err != nil {
		return nil, err
	}
	cfg.TimeoutMs = uint32(timeout)

	if cfg.ForwardHeaders, err = headerList(c, "forward_headers", nil, forwardedMethod, forwardedURI); err != nil {
		return nil, err
	}
	if err := allowStatuses(c, &cfg.Allow); err != nil {
		return nil, err
	}
	if c.Has("allow_json_path") {
		if cfg.AllowJSONPath, err = c.RequiredString("allow_json_path"); err != nil {
			return nil, err
		}
		if cfg.allowPath, err = parseJSONPath(cfg.AllowJSONPath); err != nil {
			return nil, c.Errorf("allow_json_path", "%v", err)
		}
	}
	if cfg.CopyResponseHeaders, err = headerList(c, "copy_response_headers", nil); err != nil {
		return nil, err
	}

	if c.Has("deny_status") {
		if cfg.DenyStatus, err = c.Int("deny_status", 0, 400, 599); err != nil {
			return nil, err
		}
	}
	if c.Has("deny_body") {
		body, err := c.String("deny_body", "")
		if err != nil {
			return nil, err
		}
		cfg.DenyBody, cfg.HasDenyBody = []byte(body), true
	}
	// content-type goes with the body the denial carries, so it is not a
	// header to copy on its own.
	if cfg.DenyResponseHeaders, err = headerList(c, "deny_response_headers", []string{"www-authenticate"}, "content-type"); err != nil {
		return nil, err
	}

	if cfg.FailOpen, err = c.Bool("fail_open", false); err != nil {
		return nil, err
	}
	if cfg.FailureStatus, err = c.Int("failure_status", defaultFailureStatus, 400, 599); err != nil {
		return nil, err
	}
	cfg.FailureBody = []byte("callout to " + cfg.Cluster + " failed")

	if cfg.SkipPathPrefixes, err = pathPrefixes(c, "skip_path_prefixes"); err != nil {
		return nil, err
	}

	cfg.calloutHeaders = [][2]string{
		{":method", cfg.Method},
		{":path", cfg.Path},
		{":authority", cfg.Authority},
		{":scheme", "http"},
	}
	return cfg, nil
}

// authority reads the callout's :authority, or derives it from an Istio
// cluster name.
func authority(c *config.Object, cluster string) (string, error) {
	if !c.Has("authority") {
		if fqdn, ok := istioFQDN(cluster); ok {
			return fqdn, nil
		}
		return "", c.Errorf("authority",
			"is required: cluster %q is not an Istio cluster name (outbound|<port>|<subset>|<fqdn>) to derive it from", cluster)
	}
	a, err := c.RequiredString("authority")
	if err != nil {
		return "", err
	}
	if err := checkText(a); err != nil {
		return "", c.Errorf("authority", "%v", err)
	}
	return a, nil
}

// istioFQDN returns the host of an Istio outbound cluster name,
// outbound|<port>|<subset>|<fqdn>, such as
// outbound|80||auth.default.svc.cluster.local.
func istioFQDN(cluster string) (string, bool) {
	parts := strings.Split(cluster, "|")
	if len(parts) != 4 || parts[0] != "outbound" {
		return "", false
	}
	port, err := strconv.Atoi(parts[1])
	if err != nil || port < 1 || port > 65535 || parts[1][0] == '+' {
		return "", false
	}
	fqdn := parts[3]
	if fqdn == "" || checkText(fqdn) != nil {
		return "", false
	}
	return fqdn, true
}

// headerList reads a list of header names: lowercased, each a valid regular
// (not pseudo-) header, none reserved or listed in refused, none twice. A
// missing key gives def.
func headerList(c *config.Object, key string, def []string, refused ...string) ([]string, error) {
	if !c.Has(key) {
		return def, nil
	}
	raw, err := c.StringList(key)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(raw))
	for i, r := range raw {
		name := headers.Lower(r)
		if err := headers.ValidRegularName(name); err != nil {
			return nil, c.ItemErrorf(key, i, "%v", err)
		}
		if slices.Contains(reserved, name) {
			return nil, c.ItemErrorf(key, i, "header %q cannot be copied: it belongs to the connection or the message framing", name)
		}
		if slices.Contains(refused, name) {
			return nil, c.ItemErrorf(key, i, "header %q cannot be listed here: the filter sets it itself", name)
		}
		if slices.Contains(names, name) {
			return nil, c.ItemErrorf(key, i, "header %q is listed twice", name)
		}
		names = append(names, name)
	}
	return names, nil
}

// allowStatuses fills allow from allow_statuses, by default every 2xx.
func allowStatuses(c *config.Object, allow *[600]bool) error {
	if !c.Has("allow_statuses") {
		for s := 200; s < 300; s++ {
			allow[s] = true
		}
		return nil
	}
	list, err := c.IntList("allow_statuses", 100, 599)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return c.Errorf("allow_statuses", "must list at least one status (leave it out to allow every 2xx)")
	}
	for _, s := range list {
		allow[s] = true
	}
	return nil
}

// pathPrefixes reads a list of :path prefixes: each starts with "/".
func pathPrefixes(c *config.Object, key string) ([]string, error) {
	list, err := c.StringList(key)
	if err != nil {
		return nil, err
	}
	for i, p := range list {
		if !strings.HasPrefix(p, "/") {
			return nil, c.ItemErrorf(key, i, "must start with \"/\", got %q", p)
		}
		if err := checkText(p); err != nil {
			return nil, c.ItemErrorf(key, i, "%v", err)
		}
	}
	return list, nil
}

// checkText refuses white space and control characters in a cluster name,
// authority or path: they would split or corrupt the callout's headers.
func checkText(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("must not contain white space or control characters, got %q at byte %d", c, i)
		}
	}
	return nil
}

// checkMethod accepts an RFC 9110 token: GET, POST, a custom CHECK.
func checkMethod(m string) error {
	if m == "" {
		return fmt.Errorf("must not be empty")
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return fmt.Errorf("%q is not a valid HTTP method", m)
	}
	return nil
}
