package load

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	merrors "github.com/micro/go-micro/v2/errors"
)

func TestRunCountsEveryCall(t *testing.T) {
	var n atomic.Int64
	call := func(context.Context) error {
		if n.Add(1)%3 == 0 {
			return errors.New("remote error: tls: certificate required")
		}
		time.Sleep(100 * time.Microsecond)
		return nil
	}
	res, err := Run(context.Background(), Config{Concurrency: 3, Duration: 100 * time.Millisecond,
		MaxLatency: time.Second}, call)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls() != n.Load() {
		t.Errorf("result has %d calls, the callers made %d", res.Calls(), n.Load())
	}
	if res.Latency.TotalCount() != res.OK {
		t.Errorf("histogram holds %d values for %d successful calls",
			res.Latency.TotalCount(), res.OK)
	}
	if res.Errors[TLSServerRejected] != res.ErrorCount() || res.ErrorCount() != n.Load()/3 {
		t.Errorf("errors %v for %d calls, want every third one classed %s",
			res.Errors, n.Load(), TLSServerRejected)
	}
	if res.Interrupted {
		t.Error("a phase that ran its course is marked interrupted")
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	call := func(ctx context.Context) error {
		if n.Add(1) == 10 {
			cancel()
		}
		return ctx.Err()
	}
	res, err := Run(ctx, Config{Concurrency: 1, Duration: time.Hour}, call)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.OK != 9 || res.ErrorCount() != 0 {
		t.Errorf("interrupted=%v ok=%d errors=%d; want interrupted after 9 good calls, the "+
			"cancelled one not counted", res.Interrupted, res.OK, res.ErrorCount())
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	call := func(context.Context) error { return nil }
	for _, cfg := range []Config{{Concurrency: 0, Duration: time.Second},
		{Concurrency: 1, Duration: 0}} {
		if _, err := Run(context.Background(), cfg, call); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		want Class
	}{
		{merrors.Timeout("go.micro.client", "call timeout"), Timeout},
		{context.DeadlineExceeded, Timeout},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), Refused},
		{merrors.InternalServerError("go.micro.client",
			"connection error: dial tcp 127.0.0.1:1: connect: connection refused"), Refused},
		{merrors.InternalServerError("go.micro.client.transport",
			"remote error: tls: certificate required"), TLSServerRejected},
		{merrors.InternalServerError("go.micro.client",
			"connection error: tls: failed to verify certificate: x509: certificate signed "+
				"by unknown authority"), TLSClientRejected},
		{merrors.InternalServerError("go.micro.client.transport",
			"write tcp 127.0.0.1:1->127.0.0.1:2: write: connection reset by peer"), Reset},
		{fmt.Errorf("dial: %w", syscall.EADDRNOTAVAIL), ClientPorts},
		{merrors.InternalServerError("go.micro.client", "connection error: dial tcp "+
			"127.0.0.1:1: connect: cannot assign requested address"), ClientPorts},
		{fmt.Errorf("socket: %w", syscall.EMFILE), ClientFiles},
		{merrors.InternalServerError("go.micro.client",
			"connection error: socket: too many open files"), ClientFiles},
		{errors.New("400 Bad Request: Client sent an HTTP request to an HTTPS server.\n"),
			TLSServerRejected},
		{errors.New("something else"), Other},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %s, want %s", c.err, got, c.want)
		}
	}
}

func TestTimeoutsHaveTheirOwnHistogram(t *testing.T) {
	var n atomic.Int64
	call := func(context.Context) error {
		if n.Add(1)%2 == 0 {
			time.Sleep(2 * time.Millisecond)
			return merrors.Timeout("go.micro.client", "call timeout")
		}
		return nil
	}
	res, err := Run(context.Background(), Config{Concurrency: 2, Duration: 50 * time.Millisecond,
		MaxLatency: time.Second}, call)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Timeouts.TotalCount(); got != res.Errors[Timeout] || got == 0 {
		t.Errorf("timeout histogram holds %d values for %d timeouts", got, res.Errors[Timeout])
	}
	if res.Latency.TotalCount() != res.OK {
		t.Errorf("latency histogram holds %d values for %d successful calls",
			res.Latency.TotalCount(), res.OK)
	}
	if min := res.Timeouts.Min(); min < int64(2*time.Millisecond/Unit) {
		t.Errorf("shortest timed-out call recorded as %d µs, it took at least 2 ms", min)
	}
}
