package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// slo is a latency objective: a percentile and the most it may be.
type slo struct {
	percentile float64
	limit      time.Duration
}

func parseSLO(s string) (slo, error) {
	p, lim, ok := strings.Cut(s, "=")
	var o slo
	var err1, err2 error
	if ok && strings.HasPrefix(p, "p") {
		o.percentile, err1 = strconv.ParseFloat(strings.TrimPrefix(p, "p"), 64)
		o.limit, err2 = time.ParseDuration(lim)
	}
	if !ok || err1 != nil || err2 != nil || o.percentile <= 0 || o.percentile >= 100 ||
		o.limit <= 0 {
		return o, fmt.Errorf("%q: want pNN=DURATION such as p99=5ms", s)
	}
	return o, nil
}

func (o slo) value(s *runner.Sample) time.Duration {
	return time.Duration(s.Histogram.ValueAtPercentile(o.percentile)) * time.Microsecond
}

// step is one rate of a sweep and whether it held.
type step struct {
	transport tlsconf.Transport
	rate      float64
	sample    *runner.Sample
	failure   string // why the rate did not hold; "" when it did
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newBenchFlags("sweep", stderr, 1)
	fs := f.fs
	sloFlag := fs.String("slo", "p99=5ms", "latency objective each rate must meet")
	budget := fs.Float64("error-budget", 0.1, "most failed calls a rate may have, in percent")
	start := fs.Float64("start", 100, "first rate, in calls per second in total")
	factor := fs.Float64("factor", 1.25, "each step's rate over the previous one's")
	maxRate := fs.Float64("max-rate", 20000, "highest rate to try")
	trs := fs.String("transports", "plaintext,tls,mtls", "transports to sweep, comma-separated")
	resume := fs.String("resume", "on", "TLS session resumption: on or off")
	pool := fs.String("pool", "off", "go-micro's connection pool: on, off or a size")
	retries := fs.Int("retries", 1, "times a rate that broke the objective is measured again "+
		"before the sweep\nstops: one bad second on a shared machine should not end it")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadgen sweep [flags]\n\n"+
			"Raises an open-loop rate step by step for each transport until the latency\n"+
			"objective or the error budget is broken, and reports the highest rate that\n"+
			"held: each transport's capacity. Latency runs from when each call was due, so\n"+
			"a load generator that falls behind counts against the objective. The\n"+
			"difference between plaintext and mtls is the capacity cost of mTLS.\n\n"+
			"Flags (-rate and -count do not apply):\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	objective, err := parseSLO(*sloFlag)
	if err != nil {
		return usagef("sweep: -slo %v", err)
	}
	switch {
	case *budget < 0 || *budget > 100:
		return usagef("sweep: -error-budget %v: want 0 to 100", *budget)
	case *start <= 0 || *maxRate < *start:
		return usagef("sweep: -start %v and -max-rate %v: want 0 < start <= max-rate",
			*start, *maxRate)
	case *factor <= 1 || *factor > 10:
		return usagef("sweep: -factor %v: want more than 1, at most 10", *factor)
	case *retries < 0 || *retries > 10:
		return usagef("sweep: -retries %d: want 0 to 10", *retries)
	}
	res, err := runner.ParseOnOff("resume", *resume)
	if err != nil {
		return usagef("sweep: %v", err)
	}
	size, err := runner.ParsePool(*pool)
	if err != nil {
		return usagef("sweep: %v", err)
	}
	var scs []runner.Scenario
	for _, name := range strings.Split(*trs, ",") {
		tr, err := tlsconf.ParseTransport(strings.TrimSpace(name))
		if err != nil {
			return usagef("sweep: -transports: %v", err)
		}
		scs = append(scs, runner.Scenario{Transport: tr, Resume: res && tr.Secure(),
			PoolSize: size})
	}

	srv, err := startServers(f, scs, "", stderr)
	if err != nil {
		return err
	}
	defer srv.close()
	w, err := createRun(f, header(f, o, "", args))
	if err != nil {
		return err
	}
	var steps []step
	for _, sc := range scs {
		fmt.Fprintf(stderr, "sweep %s: from %.0f calls/s, ×%.2f a step, objective %s, "+
			"error budget %.2f%%\n", sc.Name(), *start, *factor, *sloFlag, *budget)
		for rate := *start; rate <= *maxRate; rate *= *factor {
			var st step
			for try := 0; try <= *retries; try++ {
				o.Rate = rate
				if st, err = sweepStep(ctx, sc, srv, o, w, objective, *budget, stderr); err != nil {
					return err
				}
				steps = append(steps, st)
				if st.failure == "" {
					break
				}
			}
			if st.failure != "" {
				break
			}
		}
	}
	report := sweepReport(steps, objective, *sloFlag)
	if err := w.WriteFile("sweep.txt", report); err != nil {
		return err
	}
	if err := w.Finish(results.Complete, ""); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\nresults: %s\n", report, w.Dir)
	return nil
}

// sweepStep measures scenario sc at the rate o.Rate, records the sample,
// and judges it against the objective.
func sweepStep(ctx context.Context, sc runner.Scenario, srv *servers, o runner.Options,
	w *results.Writer, objective slo, budget float64, stderr io.Writer) (step, error) {
	s, err := runner.Run(ctx, sc, srv.endpoint(sc), srv.cred(sc), o)
	if err != nil && ctx.Err() != nil || err == nil && s.Interrupted {
		w.Finish(results.Interrupted, "interrupted during "+sc.Name())
		return step{}, errInterrupted
	}
	if err != nil && !errors.Is(err, runner.ErrServerLost) {
		w.Finish(results.Failed, err.Error())
		return step{}, fmt.Errorf("%s at %.0f/s: %w", sc.Name(), o.Rate, err)
	}
	s.Scenario += fmt.Sprintf("/rate=%.0f", o.Rate)
	if err := w.Add(s); err != nil {
		return step{}, err
	}
	st := step{transport: sc.Transport, rate: o.Rate, sample: s,
		failure: judge(s, objective, budget)}
	verdict := "held"
	if st.failure != "" {
		verdict = "broke: " + st.failure
	}
	fmt.Fprintf(stderr, "  %7.0f/s  achieved %7.0f/s  p%g %-9v %s\n", o.Rate,
		s.OpenLoop.AchievedRate, objective.percentile,
		objective.value(s).Round(10*time.Microsecond), verdict)
	if s.ServerLost {
		if err := srv.restart(sc, stderr); err != nil {
			return st, err
		}
	}
	return st, nil
}

// judge says why a step broke the objective, or "" if it held.
func judge(s *runner.Sample, o slo, budget float64) string {
	switch {
	case s.ServerLost:
		return "the server exited"
	case s.Calls == 0:
		return "no call completed"
	case 100*float64(s.Errors)/float64(s.Calls) > budget:
		return fmt.Sprintf("%.2f%% of calls failed", 100*float64(s.Errors)/float64(s.Calls))
	case o.value(s) > o.limit:
		return fmt.Sprintf("p%g %v over %v", o.percentile,
			o.value(s).Round(10*time.Microsecond), o.limit)
	}
	return ""
}

// sweepReport shows each transport's curve and knee, and the capacity
// cost of TLS and mTLS against plaintext.
func sweepReport(steps []step, o slo, sloName string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Latency-throughput curves (objective %s):\n", sloName)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "transport\ttarget/s\tachieved/s\tp50\tp%g\tfull hs/op\tlate starts\t"+
		"errors\tverdict\t\n", o.percentile)
	knee := map[tlsconf.Transport]float64{}
	var order []tlsconf.Transport
	for _, st := range steps {
		s := st.sample
		if _, seen := knee[st.transport]; !seen {
			order = append(order, st.transport)
			knee[st.transport] = 0
		}
		verdict := "held"
		if st.failure != "" {
			verdict = st.failure
		} else {
			knee[st.transport] = s.OpenLoop.AchievedRate
		}
		hs := s.Client
		if s.Server != nil {
			hs = *s.Server
		}
		late := 100 * float64(s.OpenLoop.Late) / float64(max(s.OpenLoop.Scheduled, 1))
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%v\t%v\t%.2f\t%.1f%%\t%d\t%s\t\n", st.transport,
			st.rate, s.OpenLoop.AchievedRate,
			time.Duration(s.Latency.P50).Round(10*time.Microsecond),
			o.value(s).Round(10*time.Microsecond), float64(hs.Full)/float64(max(s.Calls, 1)),
			late, s.Errors, verdict)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nCapacity: the highest rate that held, per transport.\n")
	for _, tr := range order {
		line := fmt.Sprintf("  %-9s %7.0f calls/s", tr, knee[tr])
		if base := knee[tlsconf.Plaintext]; tr != tlsconf.Plaintext && base > 0 {
			line += fmt.Sprintf("  capacity cost against plaintext: %.0f%%",
				100*(1-knee[tr]/base))
		}
		if knee[tr] == 0 {
			line += "  (even the first rate broke the objective: lower -start)"
		}
		fmt.Fprintln(&b, line)
	}
	return b.Bytes()
}
