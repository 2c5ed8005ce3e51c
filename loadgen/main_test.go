package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"golang.org/x/perf/benchfmt"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// loadgenBin is the command, built once for every test here, so each
// runs as a user would run it: its own process, exit status and output.
var loadgenBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "loadgen-test-")
	if err != nil {
		panic(err)
	}
	loadgenBin = filepath.Join(dir, "loadgen")
	out, err := exec.Command("go", "build", "-o", loadgenBin, ".").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		panic("building loadgen: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func loadgen(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(loadgenBin, args...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func writeCerts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	if r := loadgen(t, "certs", "-out", dir); r.code != 0 {
		t.Fatalf("certs: exit %d: %s", r.code, r.stderr)
	}
	return dir
}

func TestCertsWritesPrivateKeysPrivately(t *testing.T) {
	dir := writeCerts(t)
	for _, name := range []string{pki.ServerKeyFile, pki.ClientKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

// TestBadInput checks that every kind of bad input ends with one line on
// standard error that names the input, exit status 2, and no results.
func TestBadInput(t *testing.T) {
	certs := writeCerts(t)
	other := writeCerts(t)
	mismatched := t.TempDir()
	for _, f := range []string{pki.CAFile, pki.ClientCertFile} {
		copyFile(t, filepath.Join(certs, f), filepath.Join(mismatched, f))
	}
	copyFile(t, filepath.Join(other, pki.ClientKeyFile),
		filepath.Join(mismatched, pki.ClientKeyFile))
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	os.WriteFile(garbage, []byte("hello"), 0o600)

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"run", "-transport", "quic"}, `"quic"`},
		{[]string{"run", "-pool", "sometimes"}, "-pool"},
		{[]string{"run", "-resume", "maybe"}, "-resume"},
		{[]string{"run", "-payload", "3XB"}, "-payload"},
		{[]string{"run", "-count", "0"}, "-count"},
		{[]string{"matrix", "-matrix", "everything"}, "-matrix"},
		{[]string{"run", "-nosuchflag"}, "nosuchflag"},
		{[]string{"run", "-cipher", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, "needs -tls 1.2"},
		{[]string{"run", "-tls", "1.2", "-cipher", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
			"-key-type", "rsa-2048"}, "TLS_ECDHE_RSA_"},
		{[]string{"run", "-cipher", "TLS_AES_128_GCM_SHA256"}, "TLS_ECDHE_ECDSA_WITH_AES_128"},
		{[]string{"run", "-tls", "1.2", "-group", "x25519mlkem768"}, "needs TLS 1.3"},
		{[]string{"run", "-group", "x448"}, "x25519mlkem768"},
		{[]string{"run", "-tls", "1.1"}, "1.2, 1.3"},
		{[]string{"run", "-key-type", "dsa"}, "ecdsa-p256"},
		{[]string{"matrix", "-matrix", "keys", "-certs", certs}, "-certs"},
		{[]string{"matrix", "-ca", certs}, "-ca"},
		{[]string{"run", "-duration", "abc"}, "-duration"},
		{[]string{"run", "-target", "127.0.0.1:1", "-certs", certs}, "127.0.0.1:1"},
		{[]string{"run", "-certs", filepath.Join(certs, "missing")}, "missing"},
		{[]string{"serve", "-transport", "mtls", "-ca", garbage, "-cert",
			filepath.Join(certs, pki.ServerCertFile), "-key",
			filepath.Join(certs, pki.ServerKeyFile)}, "garbage.pem"},
		{[]string{"serve", "-transport", "tls"}, "-certs"},
		{[]string{"serve", "-transport", "plaintext", "-addr", "0.0.0.0:0"}, "loopback"},
	}
	for _, c := range cases {
		r := loadgen(t, c.args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		last := lines[len(lines)-1]
		if r.code != 2 || !strings.HasPrefix(last, "loadgen: ") ||
			!strings.Contains(last, c.want) || strings.Contains(r.stderr, "goroutine ") {
			t.Errorf("loadgen %s: exit %d, stderr %q; want exit 2 and one line naming %q",
				strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}

	// A key that does not match its certificate, through -target.
	srv := startServe(t, "mtls", certs)
	r := loadgen(t, "run", "-target", srv.RPC, "-certs", mismatched, "-duration", "100ms")
	if r.code != 2 || !strings.Contains(r.stderr, "does not match") ||
		!strings.Contains(r.stderr, pki.ClientKeyFile) {
		t.Errorf("mismatched key: exit %d, stderr %q", r.code, r.stderr)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// startServe runs "loadgen serve" until the test ends and returns the
// addresses it printed.
func startServe(t *testing.T, transport, certs string) runner.Ready {
	t.Helper()
	cmd := exec.Command(loadgenBin, "serve", "-parent", "-transport", transport,
		"-certs", certs)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	var ready runner.Ready
	if err := json.Unmarshal([]byte(line), &ready); err != nil {
		t.Fatalf("serve printed %q: %v", line, err)
	}
	return ready
}

func TestRunAgainstTarget(t *testing.T) {
	certs := writeCerts(t)
	srv := startServe(t, "mtls", certs)
	dir := t.TempDir()
	r := loadgen(t, "run", "-target", srv.RPC, "-control", srv.Control, "-certs", certs,
		"-resume", "on", "-pool", "off", "-duration", "300ms", "-warmup", "50ms",
		"-results", dir, "-profiles", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	sum := readSummary(t, dir)
	s := sum.Samples[0]
	if s.Server == nil || s.Server.Full+s.Server.Resumed != s.Calls || s.Errors != 0 {
		t.Fatalf("sample %+v: want every call to be a server-side handshake", s)
	}
	if s.Server.Resumed < s.Calls*99/100 {
		t.Errorf("%d of %d handshakes resumed", s.Server.Resumed, s.Calls)
	}
}

type summaryFile struct {
	Status  string           `json:"status"`
	Samples []*runner.Sample `json:"samples"`
}

func readSummary(t *testing.T, root string) summaryFile {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(root, "*", "summary.json"))
	if len(m) != 1 {
		t.Fatalf("found %d summary.json under %s, want 1", len(m), root)
	}
	data, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	var s summaryFile
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMatrix runs a short core matrix end to end and checks every output.
func TestMatrix(t *testing.T) {
	res, prof := t.TempDir(), t.TempDir()
	start := time.Now()
	r := loadgen(t, "matrix", "-count", "2", "-duration", "150ms", "-warmup", "50ms",
		"-concurrency", "2", "-results", res, "-profiles", prof)
	if r.code != 0 {
		t.Fatalf("exit %d after %v: %s", r.code, time.Since(start), r.stderr)
	}
	sum := readSummary(t, res)
	scs := runner.CoreMatrix()
	if sum.Status != "complete" || len(sum.Samples) != 2*len(scs) {
		t.Fatalf("status %q with %d samples, want complete with %d", sum.Status,
			len(sum.Samples), 2*len(scs))
	}
	// Repetitions are interleaved: the second round starts after every
	// scenario ran once.
	for i, s := range sum.Samples {
		if want := scs[i%len(scs)].Name(); s.Scenario != want || s.Rep != i/len(scs)+1 {
			t.Errorf("sample %d is %s rep %d, want %s rep %d", i, s.Scenario, s.Rep, want,
				i/len(scs)+1)
		}
		if s.Errors != 0 {
			t.Errorf("%s: %d errors: %v", s.Scenario, s.Errors, s.FirstErrors)
		}
		if strings.Contains(s.Scenario, "transport=mtls") && s.Negotiated().Version != "1.3" {
			t.Errorf("%s: negotiated %+v", s.Scenario, s.Negotiated())
		}
	}

	runDir := filepath.Dir(mustGlob(t, filepath.Join(res, "*", "summary.json"))[0])
	for _, sc := range scs {
		mustGlob(t, filepath.Join(runDir, strings.ReplaceAll(sc.Name(), "/", ",")+".hgrm"))
		for _, side := range []string{"client", "server"} {
			for _, kind := range []string{"cpu", "heap"} {
				for _, f := range mustGlob(t, filepath.Join(prof, "*",
					strings.ReplaceAll(sc.Name(), "/", ",")+"."+side+"."+kind+".pprof")) {
					checkProfile(t, f)
				}
			}
		}
	}
	checkBenchTxt(t, filepath.Join(runDir, "bench.txt"), 2*len(scs))
	cmp, err := os.ReadFile(filepath.Join(runDir, "comparison.txt"))
	if err != nil || !strings.Contains(string(cmp), "transport=mtls/resume=off/pool=off") {
		t.Errorf("comparison.txt: %v\n%s", err, cmp)
	}
	if !strings.Contains(r.stdout, "vs plaintext") || !strings.Contains(r.stderr, "[ 20/20]") {
		t.Errorf("output lacks the comparison or the progress:\n%s\n%s", r.stdout, r.stderr)
	}

	out, err := exec.Command("go", "tool", "benchstat", "-col", "/transport",
		filepath.Join(runDir, "bench.txt")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "mtls") {
		t.Errorf("benchstat -col /transport: %v\n%s", err, out)
	}
}

// checkProfile checks that a file is a valid pprof profile with samples.
func checkProfile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if err := p.CheckValid(); err != nil {
		t.Errorf("%s: %v", path, err)
	}
	if strings.Contains(path, ".cpu.") && len(p.Sample) == 0 {
		t.Errorf("%s: no samples", path)
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, _ := filepath.Glob(pattern)
	if len(m) == 0 {
		t.Errorf("no file matches %s", pattern)
	}
	return m
}

// checkBenchTxt reads bench.txt as benchstat does and checks its lines
// and units.
func checkBenchTxt(t *testing.T, path string, want int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := benchfmt.NewReader(f, path)
	n := 0
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			t.Errorf("bench.txt: %v", rd.Result())
			continue
		}
		n++
		// benchfmt tidies units in nanoseconds into seconds.
		for _, u := range []string{"sec/op", "p50-sec", "p99-sec", "p99.9-sec",
			"full-handshakes/op", "resumed-handshakes/op", "errors/op", "client-cpu-sec/op",
			"server-cpu-sec/op", "client-syscalls/op", "server-syscalls/op", "wire-B/op"} {
			if _, ok := res.Value(u); !ok {
				t.Errorf("%s has no %s", res.Name, u)
			}
		}
		if res.GetConfig("go-micro") != "v2.9.1" {
			t.Errorf("go-micro version %q", res.GetConfig("go-micro"))
		}
	}
	if n != want {
		t.Errorf("bench.txt has %d results, want %d", n, want)
	}
}

// TestMatrixVariants runs every matrix but the core one briefly and checks
// that each scenario measured what it names, with no warning.
func TestMatrixVariants(t *testing.T) {
	for _, m := range runner.Matrices {
		if m.Name == "core" {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			res := t.TempDir()
			r := loadgen(t, "matrix", "-matrix", m.Name, "-count", "1", "-duration", "100ms",
				"-warmup", "0", "-concurrency", "1", "-profile=false", "-results", res)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "warning:") {
				t.Errorf("warnings:\n%s", r.stderr)
			}
			sum := readSummary(t, res)
			if len(sum.Samples) != len(m.Scenarios()) {
				t.Errorf("%d samples for %d scenarios", len(sum.Samples), len(m.Scenarios()))
			}
		})
	}
}
