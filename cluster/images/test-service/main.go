// A test service for the local node: `serve` answers HTTP and gRPC health on the ports it is
// given, the way a real workload behind syskit's probes would; `probe` is what `syskit verify`
// runs in a probe pod: it tries each target and writes the results where the kubelet reads a
// container's termination message, so no log access to the node is needed.
//
//	test-service serve --http=8080 --http=9090 --grpc=8443 --expect-uid=10001 --expect-read-only-root
//	test-service probe --settle=5s --timeout=2s --out=/dev/termination-log tcp:10.0.0.12:8080 dns:orders.commerce.svc.cluster.local
//
// It writes to /tmp only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: test-service serve|probe [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		os.Exit(serve(os.Args[2:]))
	case "probe":
		os.Exit(probe(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "test-service: unknown command %q (serve or probe)\n", os.Args[1])
		os.Exit(2)
	}
}

type ports []int

func (p *ports) String() string { return fmt.Sprint(*p) }
func (p *ports) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port must be 1-65535, got %q", v)
	}
	*p = append(*p, n)
	return nil
}

// healthPaths are the paths that answer 200; any other path answers 404, so a probe declared
// with a path the service does not serve keeps the pod unready, as it would in production.
var healthPaths = map[string]bool{"/": true, "/readyz": true, "/livez": true, "/healthz": true, "/metrics": true}

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var httpPorts, grpcPorts ports
	fs.Var(&httpPorts, "http", "serve HTTP on this port (repeatable)")
	fs.Var(&grpcPorts, "grpc", "serve the gRPC health protocol on this port (repeatable)")
	expectUID := fs.Int("expect-uid", -1, "stay unready unless running as this UID")
	expectReadOnlyRoot := fs.Bool("expect-read-only-root", false, "stay unready if / is writable")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if len(httpPorts)+len(grpcPorts) == 0 {
		fmt.Fprintln(os.Stderr, "serve: give at least one --http or --grpc port")
		return 2
	}
	problems := selfCheck(*expectUID, *expectReadOnlyRoot)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "serve: not ready:", p)
	}
	ready := len(problems) == 0

	errs := make(chan error, len(httpPorts)+len(grpcPorts))
	for _, port := range httpPorts {
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if !healthPaths[r.URL.Path] {
				http.NotFound(w, r)
				return
			}
			if !ready && r.URL.Path != "/livez" {
				http.Error(w, strings.Join(problems, "; "), http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "ok")
		})
		srv := &http.Server{Addr: fmt.Sprintf(":%d", port), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { errs <- srv.ListenAndServe() }()
	}
	for _, port := range grpcPorts {
		lis, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
		if err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			return 1
		}
		srv := grpc.NewServer()
		status := health.NewServer()
		if !ready {
			status.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		}
		healthpb.RegisterHealthServer(srv, status)
		go func() { errs <- srv.Serve(lis) }()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop:
		return 0
	case err := <-errs:
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
}

// selfCheck proves what the pod's security context promises: the UID, a read-only root and a
// writable /tmp.
func selfCheck(expectUID int, expectReadOnlyRoot bool) []string {
	var problems []string
	if expectUID >= 0 && os.Getuid() != expectUID {
		problems = append(problems, fmt.Sprintf("running as UID %d, expected %d", os.Getuid(), expectUID))
	}
	if expectReadOnlyRoot {
		if f, err := os.Create("/.test-service-write-check"); err == nil {
			f.Close()
			os.Remove("/.test-service-write-check")
			problems = append(problems, "the root filesystem is writable")
		}
	}
	if err := os.WriteFile("/tmp/test-service.started", []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
		problems = append(problems, "cannot write /tmp: "+err.Error())
	}
	return problems
}

// result is one probe's outcome; the short keys keep many results inside the kubelet's
// 4096-byte termination message.
type result struct {
	Target string `json:"t"`
	OK     bool   `json:"ok"`
	Error  string `json:"e,omitempty"`
}

func probe(args []string) int {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 2*time.Second, "how long each target may take")
	out := fs.String("out", "", "also write the JSON results to this file")
	// A NetworkPolicy implementation learns about a new pod a moment after it starts; a probe
	// that dialled at once would be judged as an unknown address, not as the workload it imitates.
	settle := fs.Duration("settle", 0, "wait this long before the first attempt")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	targets := fs.Args()
	time.Sleep(*settle)
	results := make([]result, len(targets))
	var wg sync.WaitGroup
	for i, target := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = try(target, *timeout)
		}()
	}
	wg.Wait()
	data, _ := json.Marshal(results)
	fmt.Println(string(data))
	if *out != "" {
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			return 1
		}
	}
	return 0
}

func try(target string, timeout time.Duration) result {
	kind, rest, _ := strings.Cut(target, ":")
	r := result{Target: target}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	switch kind {
	case "tcp":
		var conn net.Conn
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", rest)
		if err == nil {
			conn.Close()
		}
	case "dns":
		var addrs []string
		addrs, err = net.DefaultResolver.LookupHost(ctx, rest)
		if err == nil && len(addrs) == 0 {
			err = errors.New("no addresses")
		}
	default:
		err = fmt.Errorf("unknown target kind %q (tcp:host:port or dns:name)", kind)
	}
	r.OK = err == nil
	if err != nil {
		r.Error = shortError(err)
	}
	return r
}

func shortError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return "timeout"
		}
		if dnsErr.IsNotFound {
			return "not found"
		}
	}
	msg := err.Error()
	if len(msg) > 60 {
		msg = msg[len(msg)-60:]
	}
	return msg
}
