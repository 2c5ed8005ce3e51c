// Package control is the side channel between the load generator and an
// echo server it runs in another process: the server's handshake counts
// and CPU time, CPU profiles taken on demand, and net/http/pprof for
// profiling a long run by hand. It listens on loopback only.
package control

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	rpprof "runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// Stats is a server process's state at one moment.
type Stats struct {
	Handshakes tlsconf.Handshakes `json:"handshakes"`
	CPU        CPU                `json:"cpu"`
	Goroutines int                `json:"goroutines"`
	// IO and Memory are nil where the operating system does not report
	// them.
	IO     *IO     `json:"io,omitempty"`
	Memory *Memory `json:"memory,omitempty"`
	// OpenFiles is the number of open file descriptors, -1 if unknown.
	OpenFiles int `json:"open_files"`
	// HandshakeErrors counts the server's failed TLS handshakes by the
	// cause net/http logged, when the process routes its log through
	// HandshakeLog.
	HandshakeErrors map[string]int64 `json:"handshake_errors,omitempty"`
}

// CPU is the CPU time a process has used since it started, from the
// operating system's accounting.
type CPU struct {
	User   time.Duration `json:"user_ns"`
	System time.Duration `json:"system_ns"`
}

// Total is user plus system time.
func (c CPU) Total() time.Duration { return c.User + c.System }

// Sub returns the CPU time used since an earlier reading.
func (c CPU) Sub(old CPU) CPU { return CPU{c.User - old.User, c.System - old.System} }

// ProcessCPU reads this process's CPU time.
func ProcessCPU() (CPU, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return CPU{}, fmt.Errorf("control: getrusage: %w", err)
	}
	return CPU{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}, nil
}

// A Server answers control requests about the process it runs in.
type Server struct {
	counters *tlsconf.ServerCounters
	ln       net.Listener
	srv      *http.Server

	mu              sync.Mutex
	profile         *bytes.Buffer // CPU profile in progress, if any
	handshakeErrors map[string]int64
}

// Listen starts a control server on addr, a loopback address.
func Listen(addr string, counters *tlsconf.ServerCounters) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("control: address %q is not a loopback address", addr)
	}
	s := &Server{counters: counters, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", s.stats)
	mux.HandleFunc("POST /memory", s.memory)
	mux.HandleFunc("POST /profile/cpu/start", s.startCPU)
	mux.HandleFunc("POST /profile/cpu/stop", s.stopCPU)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Addr is the address the control server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the control server.
func (s *Server) Close() error { return s.srv.Close() }

func (s *Server) stats(w http.ResponseWriter, _ *http.Request) {
	var h tlsconf.Handshakes
	if s.counters != nil {
		h = s.counters.Snapshot()
	}
	st, err := Local(h)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	st.HandshakeErrors = maps.Clone(s.handshakeErrors)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

// Local reads the Stats of this process, with the handshake counts h.
func Local(h tlsconf.Handshakes) (Stats, error) {
	st := Stats{Handshakes: h, Goroutines: runtime.NumGoroutine(), OpenFiles: OpenFiles()}
	var err error
	if st.CPU, err = ProcessCPU(); err != nil {
		return st, err
	}
	if st.IO, err = ProcessIO(); err != nil {
		return st, err
	}
	st.Memory, err = ProcessMemory()
	return st, err
}

func (s *Server) memory(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(LiveMemory())
}

// LiveMemory collects this process's garbage and returns the memory its
// heap and goroutine stacks then hold, in bytes. It stops the world for
// a collection: use it outside measurements.
func LiveMemory() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

func (s *Server) startCPU(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profile != nil {
		http.Error(w, "a CPU profile is already running", http.StatusConflict)
		return
	}
	buf := new(bytes.Buffer)
	if err := rpprof.StartCPUProfile(buf); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	s.profile = buf
}

func (s *Server) stopCPU(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profile == nil {
		http.Error(w, "no CPU profile is running", http.StatusConflict)
		return
	}
	rpprof.StopCPUProfile()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(s.profile.Bytes())
	s.profile = nil
}

// A Client talks to a control server.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a client for the control server at addr.
func NewClient(addr string) *Client {
	return &Client{base: "http://" + addr, hc: &http.Client{Timeout: 10 * time.Second}}
}

// Stats reads the server's current state.
func (c *Client) Stats() (Stats, error) {
	var st Stats
	body, err := c.do("GET", "/stats")
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("control: decoding stats: %w", err)
	}
	return st, nil
}

// LiveMemory collects the server's garbage and returns the memory its
// heap and goroutine stacks then hold, in bytes.
func (c *Client) LiveMemory() (uint64, error) {
	body, err := c.do("POST", "/memory")
	if err != nil {
		return 0, err
	}
	var n uint64
	if err := json.Unmarshal(body, &n); err != nil {
		return 0, fmt.Errorf("control: decoding memory: %w", err)
	}
	return n, nil
}

// StartCPUProfile starts a CPU profile in the server.
func (c *Client) StartCPUProfile() error {
	_, err := c.do("POST", "/profile/cpu/start")
	return err
}

// HeapProfile returns the server's heap profile in pprof format.
func (c *Client) HeapProfile() ([]byte, error) {
	return c.do("GET", "/debug/pprof/heap")
}

// StopCPUProfile stops the server's CPU profile and returns it in pprof
// format.
func (c *Client) StopCPUProfile() ([]byte, error) {
	return c.do("POST", "/profile/cpu/stop")
}

func (c *Client) do(method, path string) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("control: %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("control: %s %s: %s: %s", method, path, resp.Status,
			bytes.TrimSpace(body))
	}
	return body, nil
}

// HandshakeLog returns a writer for the standard logger of the server's
// process. net/http logs every failed TLS handshake through it; the
// writer counts those lines by their cause, for Stats, and passes every
// other line on to next.
func (s *Server) HandshakeLog(next io.Writer) io.Writer {
	return &handshakeLog{s: s, next: next}
}

type handshakeLog struct {
	s    *Server
	next io.Writer
}

const handshakeErrorPrefix = "http: TLS handshake error from "

func (l *handshakeLog) Write(p []byte) (int, error) {
	line := string(p)
	i := strings.Index(line, handshakeErrorPrefix)
	if i < 0 {
		return l.next.Write(p)
	}
	rest := line[i+len(handshakeErrorPrefix):]
	// rest is "ADDR: CAUSE\n"; the address is host:port.
	cause := strings.TrimSpace(rest)
	if j := strings.Index(rest, ": "); j >= 0 {
		cause = strings.TrimSpace(rest[j+2:])
	}
	l.s.mu.Lock()
	if l.s.handshakeErrors == nil {
		l.s.handshakeErrors = map[string]int64{}
	}
	l.s.handshakeErrors[cause]++
	l.s.mu.Unlock()
	return len(p), nil
}
