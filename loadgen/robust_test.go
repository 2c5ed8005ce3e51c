package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a buffer that a running command writes while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startLoadgen starts the command in the background.
func startLoadgen(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(loadgenBin, args...)
	cmd.Dir = t.TempDir()
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &stdout, &stderr
}

// waitFor polls until cond holds, for at most limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func exitCodeOf(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// TestInterruptKeepsResults interrupts a matrix in the middle: completed
// repetitions stay, the interrupted one is marked partial, bench.txt still
// reads, and the exit status is 130.
func TestInterruptKeepsResults(t *testing.T) {
	res := t.TempDir()
	cmd, _, stderr := startLoadgen(t, "matrix", "-count", "3", "-duration", "300ms",
		"-warmup", "0", "-concurrency", "2", "-profile=false", "-results", res)
	waitFor(t, 60*time.Second, "the 12th measurement", func() bool {
		return strings.Contains(stderr.String(), "[ 12/30]")
	})
	time.Sleep(100 * time.Millisecond) // into the 13th
	sent := time.Now()
	cmd.Process.Signal(os.Interrupt)
	code := exitCodeOf(t, cmd)
	if took := time.Since(sent); took > 2*time.Second {
		t.Errorf("took %v to stop after the interrupt", took)
	}
	if code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
	sum := readSummary(t, res)
	if sum.Status != "interrupted" {
		t.Errorf("status %q, want interrupted", sum.Status)
	}
	var complete, partial int
	for _, s := range sum.Samples {
		if s.Interrupted {
			partial++
		} else {
			complete++
		}
	}
	if complete < 12 || partial > 1 {
		t.Errorf("%d complete and %d partial samples, want at least 12 and at most 1",
			complete, partial)
	}
	bench := mustGlob(t, filepath.Join(res, "*", "bench.txt"))[0]
	checkBenchTxt(t, bench, complete)
	out, err := exec.Command("go", "tool", "benchstat", bench).CombinedOutput()
	if err != nil {
		t.Errorf("benchstat on an interrupted run's bench.txt: %v\n%s", err, out)
	}
}

// TestServerLost kills the child server of one transport in the middle of
// a run: the measurement ends promptly, the output says the server was
// lost, and the run goes on with a new server.
func TestServerLost(t *testing.T) {
	res := t.TempDir()
	cmd, stdout, stderr := startLoadgen(t, "run", "-transport", "tls", "-pool", "off",
		"-count", "3", "-duration", "3s", "-warmup", "0", "-profile=false", "-results", res)
	// Find the child server: the one "serve" process whose parent is cmd.
	var child int
	waitFor(t, 20*time.Second, "the child server", func() bool {
		child = childServe(cmd.Process.Pid)
		return child != 0 && strings.Contains(stderr.String(), "run ")
	})
	time.Sleep(time.Second)
	killed := time.Now()
	if err := syscall.Kill(child, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the server loss to be reported", func() bool {
		return strings.Contains(stderr.String(), "server exited")
	})
	if took := time.Since(killed); took > 2500*time.Millisecond {
		t.Errorf("the measurement went on for %v after the server was killed", took)
	}
	code := exitCodeOf(t, cmd)
	if code != 1 || !strings.Contains(stderr.String(), "starting a new one") {
		t.Errorf("exit %d, want 1 after a lost server; stdout:\n%s\nstderr:\n%s", code,
			stdout, stderr)
	}
	sum := readSummary(t, res)
	var lost, ok int
	for _, s := range sum.Samples {
		switch {
		case s.ServerLost:
			lost++
			for class := range s.ErrorClasses {
				if class != "refused" && class != "reset" {
					t.Errorf("a lost server's errors classed %q: %v", class, s.FirstErrors)
				}
			}
		case s.Errors == 0 && s.Calls > 0:
			ok++
		}
	}
	if sum.Status != "incomplete" || lost != 1 || ok != 2 {
		t.Errorf("status %q with %d lost and %d good samples, want incomplete, 1 and 2",
			sum.Status, lost, ok)
	}
}

// childServe returns the pid of a "serve" process whose parent is ppid,
// or 0.
func childServe(ppid int) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		cmdline, _ := os.ReadFile(filepath.Join(d, "cmdline"))
		if len(f) > 1 && f[1] == strconv.Itoa(ppid) && bytes.Contains(cmdline, []byte("serve")) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	return 0
}

// TestEveryCallFailing checks that a run in which no call succeeds is
// reported as failed, with the cause, and leaves bench.txt without
// latencies that would read as fast calls.
func TestEveryCallFailing(t *testing.T) {
	certs := writeCerts(t)
	srv := startServe(t, "mtls", certs)
	res := t.TempDir()
	r := loadgen(t, "run", "-target", srv.RPC, "-transport", "plaintext", "-duration", "300ms",
		"-warmup", "0", "-profile=false", "-results", res)
	if r.code != 1 || !strings.Contains(r.stderr, "every call failed") ||
		!strings.Contains(r.stderr, "tls-rejected-by-server") {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 naming the failure and its class", r.code,
			r.stderr)
	}
	sum := readSummary(t, res)
	if sum.Status != "failed" || len(sum.Samples) != 1 || sum.Samples[0].OK != 0 {
		t.Errorf("status %q with %d samples", sum.Status, len(sum.Samples))
	}
	checkBenchTxt(t, mustGlob(t, filepath.Join(res, "*", "bench.txt"))[0], 0)
}
