package attrib

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s",
			path, got, want)
	}
}

// breakdown makes a Breakdown from µs per category for the given calls.
func breakdown(calls int64, us map[Category]float64) Breakdown {
	var b Breakdown
	for c, v := range us {
		ns := int64(v * 1000 * float64(calls))
		b.CPU[c] = ns
		b.Total += ns
	}
	b.Samples = b.Total / 10_000_000
	return b
}

func TestTable(t *testing.T) {
	plainOff := &Baseline{
		Scenario: "RPC/transport=plaintext/pool=off",
		Calls:    20000,
		Breakdown: breakdown(20000, map[Category]float64{
			Network: 40, Micro: 25, Runtime: 18.2, Other: 6}),
	}
	mtlsOff := breakdown(4000, map[Category]float64{
		Signatures: 61.23, Certificates: 102.3, KeyExchange: 80.04, Record: 2.1,
		Hashing: 9.6, TLS: 21, Network: 55.5, Micro: 25.02, Runtime: 41, Other: 6})
	rows := []Row{
		{Scenario: "RPC/transport=mtls/resume=off/pool=off", Side: "server",
			Breakdown: mtlsOff, Calls: 4000, Baseline: plainOff},
		{Scenario: "RPC/transport=plaintext/pool=off", Side: "server",
			Breakdown: plainOff.Breakdown, Calls: plainOff.Calls},
		{Scenario: "RPC/transport=tls/resume=on/pool=off", Side: "server",
			Calls: 0, Baseline: plainOff},
		{Scenario: "RPC/transport=mtls/resume=on/pool=off", Side: "client",
			Breakdown: mtlsOff, Calls: 4000, Baseline: &Baseline{Scenario: "none"}},
	}
	var buf bytes.Buffer
	if err := Table(&buf, rows); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", buf.Bytes())

	// Six rows make two tables.
	buf.Reset()
	many := append(append([]Row{}, rows...), rows[:2]...)
	if err := Table(&buf, many); err != nil {
		t.Fatal(err)
	}
	golden(t, "table-two-blocks.golden", buf.Bytes())
	for i, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		if n := len([]rune(string(line))); n > 120 {
			t.Errorf("line %d is %d columns wide: %s", i+1, n, line)
		}
	}
}
