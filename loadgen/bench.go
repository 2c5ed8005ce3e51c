package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/report"
	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// benchFlags are the flags of run and matrix.
type benchFlags struct {
	fs          *flag.FlagSet
	concurrency int
	rate        float64
	arrival     string
	maxInFlight int
	interval    time.Duration
	count       int
	warmup      time.Duration
	duration    time.Duration
	timeout     time.Duration
	payload     string
	results     string
	profiles    string
	profile     bool
	certs       string
	ca          string
	cert        string
	key         string
}

func newBenchFlags(name string, stderr io.Writer, count int) *benchFlags {
	f := &benchFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(stderr)
	fs.IntVar(&f.concurrency, "concurrency", 4, "callers in the closed loop, each making one call "+
		"after another")
	fs.Float64Var(&f.rate, "rate", 0, "open loop: calls per second in total, each timed from "+
		"when it was due;\n0 keeps the closed loop of -concurrency callers")
	fs.StringVar(&f.arrival, "arrival", "uniform", "open loop: uniform (evenly spaced) or "+
		"poisson (random gaps, same mean)")
	fs.IntVar(&f.maxInFlight, "max-inflight", 512, "open loop: most calls in flight at once; "+
		"a call due when this many\nare in flight starts late but is still timed from when "+
		"it was due")
	fs.DurationVar(&f.interval, "interval", time.Second, "length of the intervals in the "+
		".hlog and .intervals.csv files (0 for none)")
	fs.IntVar(&f.count, "count", count, "repetitions of each scenario, interleaved across "+
		"scenarios;\nbenchstat needs 6 for a 95% confidence interval")
	fs.DurationVar(&f.warmup, "warmup", 500*time.Millisecond, "unrecorded calls before each "+
		"measurement (0 for none)")
	fs.DurationVar(&f.duration, "duration", 2*time.Second, "how long each measurement starts "+
		"calls")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Second, "per-call timeout, dial and handshake "+
		"included")
	fs.StringVar(&f.payload, "payload", "1KiB", "request size, echoed back: a number of bytes "+
		"or with B, KiB or MiB")
	fs.StringVar(&f.results, "results", "results", "directory under which each run writes "+
		"a new directory")
	fs.StringVar(&f.profiles, "profiles", "profiles", "directory under which each run writes "+
		"its CPU profiles")
	fs.BoolVar(&f.profile, "profile", true, "take CPU profiles of client and server during "+
		"each measurement")
	fs.StringVar(&f.certs, "certs", "", "directory written by 'loadgen certs' to use instead "+
		"of a fresh test PKI")
	if name == "run" {
		fs.StringVar(&f.ca, "ca", "", "with -target: PEM CA bundle that verifies the server")
		fs.StringVar(&f.cert, "cert", "", "with -target: PEM client certificate chain, for mtls")
		fs.StringVar(&f.key, "key", "", "with -target: PEM private key of -cert")
	}
	return f
}

// options checks the shared flags' values.
func (f *benchFlags) options() (runner.Options, error) {
	o := runner.Options{Concurrency: f.concurrency, Warmup: f.warmup, Duration: f.duration,
		Timeout: f.timeout, Profile: f.profile, Rate: f.rate, MaxInFlight: f.maxInFlight,
		Interval: f.interval, Poisson: f.arrival == "poisson"}
	name := f.fs.Name()
	switch {
	case f.concurrency < 1 || f.concurrency > 10000:
		return o, usagef("%s: -concurrency %d: want 1 to 10000", name, f.concurrency)
	case f.count < 1:
		return o, usagef("%s: -count %d: want at least 1", name, f.count)
	case f.warmup < 0:
		return o, usagef("%s: -warmup %v: want 0 or more", name, f.warmup)
	case f.duration <= 0:
		return o, usagef("%s: -duration %v: want more than 0", name, f.duration)
	case f.timeout <= 0:
		return o, usagef("%s: -timeout %v: want more than 0", name, f.timeout)
	case f.rate < 0 || f.rate > 1e6:
		return o, usagef("%s: -rate %v: want 0 (closed loop) to 1000000", name, f.rate)
	case f.arrival != "uniform" && f.arrival != "poisson":
		return o, usagef("%s: -arrival %q: want uniform or poisson", name, f.arrival)
	case f.maxInFlight < 1 || f.maxInFlight > 100000:
		return o, usagef("%s: -max-inflight %d: want 1 to 100000", name, f.maxInFlight)
	case f.interval < 0 || (f.interval > 0 && f.interval < 10*time.Millisecond):
		return o, usagef("%s: -interval %v: want 0 or at least 10ms", name, f.interval)
	}
	n, err := parseSize(f.payload)
	if err != nil {
		return o, usagef("%s: -payload: %v", name, err)
	}
	o.Payload = n
	return o, nil
}

// parseSize reads a byte count such as 512, 64B, 1KiB or 1MiB.
func parseSize(s string) (int, error) {
	mult := 1
	num := s
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n*mult > 64<<20 {
		return 0, fmt.Errorf("%q: want a size from 0 to 64MiB, such as 64B, 1KiB or 1MiB", s)
	}
	return n * mult, nil
}

// measure runs every scenario count times, interleaved, writing results
// as it goes, and ends with a table and the comparison.
func measure(ctx context.Context, f *benchFlags, o runner.Options, scs []runner.Scenario,
	srv *servers, target string, args []string, stdout, stderr io.Writer) error {
	h := header(f, o, target, args)
	h.Stall = srv.stall
	w, err := createRun(f, h)
	if err != nil {
		return err
	}
	total := len(scs) * f.count
	per := o.Warmup + o.Duration
	fmt.Fprintf(stderr, "run %s: %s × %s, about %v of measurement\n", h.RunID,
		plural(len(scs), "scenario"), plural(f.count, "repetition"),
		(time.Duration(total) * per).Round(time.Second))
	limits := runner.MachineLimits()
	for _, warn := range limits.PlanWarnings(o.Concurrency) {
		fmt.Fprintf(stderr, "warning: %s\n", warn)
	}
	start := time.Now()
	step := 0
	var lost []string
	for rep := 1; rep <= f.count; rep++ {
		for _, sc := range scs {
			if ctx.Err() != nil {
				w.Finish(results.Interrupted, "interrupted before "+sc.Name())
				return fmt.Errorf("%w: results so far are in %s", errInterrupted, w.Dir)
			}
			step++
			s, err := runner.Run(ctx, sc, srv.endpoint(sc), srv.cred(sc), o)
			switch {
			case err != nil && ctx.Err() != nil:
				w.Finish(results.Interrupted, "interrupted during "+sc.Name())
				return fmt.Errorf("%w: results so far are in %s", errInterrupted, w.Dir)
			case errors.Is(err, runner.ErrServerLost):
				lost = append(lost, fmt.Sprintf("%s rep %d", sc.Name(), rep))
			case err != nil:
				w.Finish(results.Failed, err.Error())
				return fmt.Errorf("%s: %w (results so far in %s)", sc.Name(), err, w.Dir)
			}
			s.Rep = rep
			if warn := limits.RateWarning(s, srv.endpoint(sc).Addr); warn != "" {
				s.Warnings = append(s.Warnings, warn)
			}
			if err := w.Add(s); err != nil {
				return err
			}
			progress(stderr, step, total, start, s)
			if s.ServerLost {
				if err := srv.restart(sc, stderr); err != nil {
					w.Finish(results.Failed, err.Error())
					return fmt.Errorf("%w (results so far in %s)", err, w.Dir)
				}
			} else if s.Interrupted {
				w.Finish(results.Interrupted, "interrupted during "+sc.Name())
				return fmt.Errorf("%w: results so far are in %s", errInterrupted, w.Dir)
			}
		}
	}
	mem := connMemory(ctx, scs, srv, o, stderr)
	w.SetConnMemory(mem)
	if failed := neverSucceeded(w.Samples()); len(failed) > 0 {
		reason := "every call failed in " + strings.Join(failed, ", ")
		w.Finish(results.Failed, reason)
		for _, s := range w.Samples() {
			if s.OK == 0 && s.Calls > 0 {
				for c, msg := range s.FirstErrors {
					fmt.Fprintf(stderr, "%s: %s: %s\n", s.Scenario, c, msg)
				}
				break
			}
		}
		return fmt.Errorf("%s; those measurements are not in bench.txt (results in %s)",
			reason, w.Dir)
	}
	if len(lost) > 0 {
		reason := "the server exited during " + strings.Join(lost, ", ")
		if err := w.Finish(results.Incomplete, reason); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s", results.Table(w.Samples()))
		return fmt.Errorf("%s; those measurements are not in bench.txt (results in %s)",
			reason, w.Dir)
	}
	if err := w.Finish(results.Complete, ""); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s", results.Table(w.Samples()))
	for _, m := range mem {
		fmt.Fprintf(stdout, "memory per open connection, %-9s client %6.1f KiB, server %6.1f KiB "+
			"(%d connections)\n", m.Transport, m.ClientBytes/1024, m.ServerBytes/1024,
			m.Connections)
	}
	cmp, err := os.ReadFile(filepath.Join(w.Dir, "comparison.txt"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s\nresults:  %s\n", cmp, w.Dir)
	if _, err := os.Stat(filepath.Join(w.Dir, "attribution.txt")); err == nil {
		fmt.Fprintf(stdout, "where the CPU time goes: %s\n",
			filepath.Join(w.Dir, "attribution.txt"))
	}
	if o.Profile {
		fmt.Fprintf(stdout, "profiles: %s\n", w.ProfileDir)
	}
	writeReport(w.Dir, stdout, stderr)
	return nil
}

func progress(stderr io.Writer, step, total int, start time.Time, s *runner.Sample) {
	elapsed := time.Since(start)
	left := time.Duration(float64(elapsed) / float64(step) * float64(total-step))
	hs := s.Client
	if s.Server != nil {
		hs = *s.Server
	}
	p50, p99 := "n/a", "n/a" // no call succeeded
	if s.OK > 0 {
		p50, p99 = time.Duration(s.Latency.P50).String(), time.Duration(s.Latency.P99).String()
	}
	rate := fmt.Sprintf("%7.0f calls/s", float64(s.Calls)/s.Elapsed.Seconds())
	if ol := s.OpenLoop; ol != nil {
		rate += fmt.Sprintf(" of %.0f", ol.TargetRate)
	}
	line := fmt.Sprintf("[%3d/%d] %-42s rep %d  %s  p50 %-8s p99 %-8s "+
		"%d full %d resumed handshakes  %d errors", step, total, s.Scenario, s.Rep, rate,
		p50, p99, hs.Full, hs.Resumed, s.Errors)
	if ol := s.OpenLoop; ol != nil {
		line += fmt.Sprintf("  %.1f%% started late", 100*float64(ol.Late)/
			float64(max(ol.Scheduled, 1)))
	}
	if s.Interrupted {
		line += "  (cut short: not a sample)"
	}
	if step < total {
		line += fmt.Sprintf("  (%v left)", left.Round(time.Second))
	}
	fmt.Fprintln(stderr, line)
	for _, w := range s.Warnings {
		fmt.Fprintf(stderr, "        warning: %s\n", w)
	}
}

// createRun makes the run's directories under a new run id.
func createRun(f *benchFlags, h results.Header) (*results.Writer, error) {
	base := h.RunID
	for i := 2; ; i++ {
		w, err := results.Create(f.results, f.profiles, h)
		if err == nil || !errors.Is(err, fs.ErrExist) || i > 100 {
			return w, err
		}
		h.RunID = fmt.Sprintf("%s-%d", base, i)
	}
}

func header(f *benchFlags, o runner.Options, target string, args []string) results.Header {
	h := results.Header{
		RunID:       time.Now().UTC().Format("20060102-150405"),
		Started:     time.Now().UTC(),
		Command:     append([]string{"loadgen", f.fs.Name()}, args...),
		Env:         results.Environment(),
		Concurrency: o.Concurrency,
		Payload:     o.Payload,
		Warmup:      o.Warmup,
		Duration:    o.Duration,
		Timeout:     o.Timeout,
		Count:       f.count,
		Target:      target,
		Profile:     o.Profile,
	}
	if o.Rate > 0 {
		h.Rate, h.Arrival, h.MaxInFlight = o.Rate, f.arrival, o.MaxInFlight
	}
	return h
}

// checkReachable fails fast, with the cause, when nothing answers at
// addr.
func checkReachable(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// writeReport writes report.md and report.html into a finished run's
// directory. A report that cannot be made is a warning: the measurements
// are on disk either way, and 'loadgen report' can try again.
func writeReport(dir string, stdout, stderr io.Writer) {
	run, err := report.Load(dir)
	if err == nil {
		var rep *report.Report
		if rep, err = report.Build(run); err == nil {
			_, err = rep.Write(dir)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "warning: no report: %v\n", err)
		return
	}
	fmt.Fprintf(stdout, "report:   %s\n", filepath.Join(dir, "report.md"))
}

// connMemoryConns is how many connections the memory measurement opens:
// go-micro's default pool size.
const connMemoryConns = 100

// connMemory measures the memory an open connection holds for each
// server of the run, once, after the measurements. A failure is a
// warning: it takes nothing from what was measured.
func connMemory(ctx context.Context, scs []runner.Scenario, srv *servers, o runner.Options,
	stderr io.Writer) []runner.ConnMemory {
	var out []runner.ConnMemory
	seen := map[serverKey]bool{}
	for _, sc := range scs {
		k := keyOf(sc)
		if seen[k] || ctx.Err() != nil {
			continue
		}
		seen[k] = true
		m, err := runner.MeasureConnMemory(ctx, sc, srv.endpoint(sc), srv.cred(sc),
			connMemoryConns, o.Timeout)
		if err != nil {
			fmt.Fprintf(stderr, "warning: memory per connection of %s: %v\n", sc.Transport, err)
			continue
		}
		out = append(out, m)
	}
	return out
}

// neverSucceeded names each scenario with a sample in which every call
// failed: what the run measured there is the failure, not the server.
func neverSucceeded(samples []*runner.Sample) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range samples {
		if !s.Interrupted && s.Calls > 0 && s.OK == 0 && !seen[s.Scenario] {
			seen[s.Scenario] = true
			out = append(out, s.Scenario)
		}
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
