package runner

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// timeWait is how long Linux keeps a closed connection's local port in
// TIME_WAIT (TCP_TIMEWAIT_LEN).
const timeWait = 60 * time.Second

// Limits are the load generator's machine limits that can stop a run
// before the server does.
type Limits struct {
	// Ports is the size of the ephemeral port range, or 0 if unknown.
	Ports int
	// OpenFiles is the soft limit on open files, or 0 if unknown.
	OpenFiles uint64
	// TWReuse is net.ipv4.tcp_tw_reuse: 1 lets new connections reuse
	// ports in TIME_WAIT, 2 (Linux's default) does so for loopback
	// connections only; -1 if unknown.
	TWReuse int
}

// MachineLimits reads this machine's limits.
func MachineLimits() Limits {
	l := Limits{TWReuse: -1}
	if data, err := os.ReadFile("/proc/sys/net/ipv4/tcp_tw_reuse"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			l.TWReuse = n
		}
	}
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		f := strings.Fields(string(data))
		if len(f) == 2 {
			lo, err1 := strconv.Atoi(f[0])
			hi, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil && hi >= lo {
				l.Ports = hi - lo + 1
			}
		}
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		l.OpenFiles = rl.Cur
	}
	return l
}

// PlanWarnings warns, before a run, about limits the plan will hit: more
// callers than open files allow (each caller holds a connection, and the
// pool may keep as many).
func (l Limits) PlanWarnings(concurrency int) []string {
	var w []string
	if l.OpenFiles != 0 && uint64(2*concurrency+64) > l.OpenFiles {
		w = append(w, fmt.Sprintf("-concurrency %d needs about %d open files, but the limit "+
			"is %d: raise it (ulimit -n) or calls will fail with 'too many open files'",
			concurrency, 2*concurrency+64, l.OpenFiles))
	}
	return w
}

// RateWarning warns when a sample opened connections faster than the
// ephemeral port range can sustain: every closed connection holds its
// port in TIME_WAIT for a minute, so beyond Ports per minute new dials
// fail with "cannot assign requested address", a limit of the client's
// machine and not the server's. Where the kernel reuses ports in
// TIME_WAIT for these connections (tcp_tw_reuse), there is no such limit.
func (l Limits) RateWarning(s *Sample, addr string) string {
	if l.Ports == 0 || s.Elapsed <= 0 {
		return ""
	}
	if l.TWReuse == 1 || (l.TWReuse == 2 && isLoopback(addr)) {
		return ""
	}
	rate := float64(s.Client.Dials) / s.Elapsed.Seconds()
	held := rate * timeWait.Seconds()
	if held < 0.8*float64(l.Ports) {
		return ""
	}
	return fmt.Sprintf("%.0f new connections/s leave about %.0f ports in TIME_WAIT, "+
		"%.0f%% of the %d-port ephemeral range: a longer run will run out of local ports",
		rate, held, 100*held/float64(l.Ports), l.Ports)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
