package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
)

func build(t *testing.T, dir string) *Report {
	t.Helper()
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestReportMarkdownGolden(t *testing.T) {
	checkGolden(t, "report.md.golden", build(t, fixture).Markdown)
}

// TestReportDeterministic checks that the same run gives the same bytes,
// charts included.
func TestReportDeterministic(t *testing.T) {
	t.Parallel()
	a, b := build(t, fixture), build(t, fixture)
	if !bytes.Equal(a.Markdown, b.Markdown) || !bytes.Equal(a.HTML, b.HTML) {
		t.Error("two reports of the same run differ")
	}
	ia, err := a.Images()
	if err != nil {
		t.Fatal(err)
	}
	ib, _ := b.Images()
	for name, png := range ia {
		if !bytes.Equal(png, ib[name]) {
			t.Errorf("%s differs between two reports of the same run", name)
		}
	}
}

var charts = []string{"latency", "overhead", "handshakes", "cpu"}

func TestReportHTMLHoldsEachChart(t *testing.T) {
	rep := build(t, fixture)
	doc, err := html.Parse(bytes.NewReader(rep.HTML))
	if err != nil {
		t.Fatal(err)
	}
	figures := map[string]*html.Node{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "img", "iframe", "object":
				t.Errorf("the page has a <%s>: it must load nothing", n.Data)
			case "figure":
				figures[attr(n, "id")] = n
			}
			for _, a := range n.Attr {
				if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s %s=%q>: the page must load nothing", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, id := range charts {
		fig := figures["chart-"+id]
		if fig == nil {
			t.Errorf("no chart %s in the page", id)
			continue
		}
		if n := countElements(fig, "svg"); n != 1 {
			t.Errorf("chart %s holds %d <svg>, want 1", id, n)
		}
		if countElements(fig, "path") == 0 || countElements(fig, "text") == 0 {
			t.Errorf("chart %s draws no path or no text", id)
		}
		png := "report-" + id + ".png"
		if !bytes.Contains(rep.Markdown, []byte("]("+png+")")) {
			t.Errorf("report.md does not link %s", png)
		}
	}
	if len(figures) != len(charts) {
		t.Errorf("the page has %d charts, want %d", len(figures), len(charts))
	}
}

// TestReportWrite writes the report and checks its files: report.md
// and each chart it links as a PNG.
func TestReportWrite(t *testing.T) {
	t.Parallel()
	dir := copyFixture(t)
	rep := build(t, dir)
	paths, err := rep.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2+len(charts) || filepath.Base(paths[0]) != "report.md" {
		t.Errorf("wrote %v", paths)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !bytes.Equal(got, rep.Markdown) {
		t.Error("report.md on disk differs from the report")
	}
	for _, id := range charts {
		png, err := os.ReadFile(filepath.Join(dir, "report-"+id+".png"))
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("report-%s.png is not a PNG: %v", id, err)
		}
	}
}

// TestChartSVGIsXML checks each chart's SVG as XML on its own.
func TestChartSVGIsXML(t *testing.T) {
	r, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := spectrumChart(r)
	svg, err := c.svg()
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("latency chart: %v", err)
		}
	}
	for _, want := range []string{">0%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("latency chart lacks the tick %s", want)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func countElements(n *html.Node, name string) int {
	c := 0
	if n.Type == html.ElementNode && n.Data == name {
		c++
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c += countElements(ch, name)
	}
	return c
}

// copyFixture copies the fixture into a temporary directory, leaving
// out the files skip names.
func copyFixture(t *testing.T, skip ...string) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(strings.Join(skip, "\n"), e.Name()) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(fixture, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReportWithoutHgrm(t *testing.T) {
	dir := copyFixture(t, "RPC,transport=mtls,resume=off,pool=off.hgrm")
	rep := build(t, dir)
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "mtls/resume=off/pool=off has no .hgrm") {
		t.Errorf("notes %q do not name the missing .hgrm file", rep.Notes)
	}
}

// TestAttributionChart adds a CPU attribution to the fixture's
// summary.json and checks that the report charts it.
func TestAttributionChart(t *testing.T) {
	dir := copyFixture(t)
	path := filepath.Join(dir, "summary.json")
	var sum map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	sum["attribution"] = []results.AttributionRow{
		{Scenario: "RPC/transport=mtls/resume=off/pool=off", Side: "server",
			PerCallNs: map[string]float64{"signatures": 250e3, "certificates": 280e3,
				"other": 400e3, "total": 930e3}},
		{Scenario: "RPC/transport=mtls/resume=off/pool=off", Side: "client",
			PerCallNs: map[string]float64{"signatures": 200e3, "certificates": 300e3,
				"other": 500e3, "total": 1000e3}},
		{Scenario: "RPC/transport=plaintext/pool=off", Side: "client",
			PerCallNs: map[string]float64{"other": 300e3, "total": 300e3}},
	}
	data, _ = json.Marshal(sum)
	os.WriteFile(path, data, 0o644)

	rep := build(t, dir)
	if !bytes.Contains(rep.HTML, []byte(`id="chart-cpu-categories"`)) ||
		!bytes.Contains(rep.Markdown, []byte("](report-cpu-categories.png)")) {
		t.Error("no chart of CPU time by category")
	}
	if strings.Contains(strings.Join(rep.Notes, "\n"), "no CPU attribution") {
		t.Errorf("notes say there is no attribution: %q", rep.Notes)
	}
	r, _ := Load(dir)
	c := attributionChart(r)
	got := strings.Join(categories(r.Attribution), ",")
	if got != "signatures,certificates,other" {
		t.Errorf("categories %s, want package attrib's order without total", got)
	}
	svg, err := c.svg()
	if err != nil {
		t.Fatal(err)
	}
	for _, bar := range []string{"plaintext pool=off · client",
		"mtls resume=off pool=off · client", "mtls resume=off pool=off · server"} {
		if !bytes.Contains(svg, []byte(bar)) {
			t.Errorf("no bar labelled %q", bar)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ErrNoRun) {
		t.Errorf("missing directory: %v, want ErrNoRun", err)
	}
	empty := t.TempDir()
	if _, err := Load(empty); !errors.Is(err, ErrNoRun) ||
		!strings.Contains(err.Error(), "summary.json") {
		t.Errorf("directory without summary.json: %v", err)
	}
	os.WriteFile(filepath.Join(empty, "summary.json"), []byte(`{"samples": [`), 0o644)
	if _, err := Load(empty); err == nil || errors.Is(err, ErrNoRun) ||
		!strings.HasPrefix(err.Error(), "report: ") {
		t.Errorf("malformed summary.json: %v", err)
	}
	dir := copyFixture(t)
	os.WriteFile(filepath.Join(dir, "RPC,transport=plaintext,pool=on.hgrm"),
		[]byte("Value Percentile\n1.0 2.0 3\n"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed .hgrm: %v", err)
	}
}

// TestEnvironmentFields checks that fields summary.json's header may
// gain under Env's names show in the report, and that Environment
// fills them in on this machine.
func TestEnvironmentFields(t *testing.T) {
	e := results.Environment()
	if e.NumCPU < 1 || e.GOMAXPROCS < 1 || e.GOOS != runtime.GOOS || e.GoVersion == "" {
		t.Errorf("results.Environment() = %+v", e)
	}
	if runtime.GOOS == "linux" && e.Kernel == "" {
		t.Error("no kernel release on Linux")
	}
	if (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") && e.AES == nil {
		t.Error("AES support unknown on", runtime.GOARCH)
	}

	dir := copyFixture(t)
	path := filepath.Join(dir, "summary.json")
	var sum map[string]any
	data, _ := os.ReadFile(path)
	json.Unmarshal(data, &sum)
	yes := true
	extra, _ := json.Marshal(results.Env{NumCPU: 2, GOMAXPROCS: 2, Kernel: "6.1.0-test",
		AES: &yes, Commit: "0123abc"})
	json.Unmarshal(extra, &sum)
	data, _ = json.Marshal(sum)
	os.WriteFile(path, data, 0o644)
	md := string(build(t, dir).Markdown)
	for _, want := range []string{"| logical CPUs | 2 |", "| GOMAXPROCS | 2 |",
		"| kernel | 6.1.0-test |", "| AES instructions | yes |", "| suite commit | 0123abc |",
		"| CPU model | Intel(R) Xeon(R) Processor |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

func TestNineTicks(t *testing.T) {
	var labels []string
	for _, tk := range nineTicks(1e4) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "0% 90% 99% 99.9% 99.99%" {
		t.Errorf("ticks %s", got)
	}
}

func TestJoinArgs(t *testing.T) {
	got := joinArgs([]string{"loadgen", "run", "-target", "127.0.0.1:80", "-x", "a b", "it's"})
	if want := `loadgen run -target 127.0.0.1:80 -x 'a b' 'it'\''s'`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestReportSmallRuns builds reports of runs with no samples and with one
// sample per scenario: they must come out, with the statistics' warnings.
func TestReportSmallRuns(t *testing.T) {
	for _, c := range []struct {
		name string
		keep func(rep float64) bool
		want string
	}{
		{"empty", func(float64) bool { return false }, "nothing to compare"},
		{"one repetition", func(rep float64) bool { return rep == 1 },
			"need >= 6 samples for confidence interval at level 0.95"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyFixture(t)
			path := filepath.Join(dir, "summary.json")
			var sum map[string]any
			data, _ := os.ReadFile(path)
			json.Unmarshal(data, &sum)
			var kept []any
			for _, s := range sum["samples"].([]any) {
				if c.keep(s.(map[string]any)["rep"].(float64)) {
					kept = append(kept, s)
				}
			}
			sum["samples"] = kept
			data, _ = json.Marshal(sum)
			os.WriteFile(path, data, 0o644)
			rep := build(t, dir)
			if !bytes.Contains(rep.Markdown, []byte(c.want)) {
				t.Errorf("report.md lacks %q", c.want)
			}
			if _, err := rep.Images(); err != nil {
				t.Error(err)
			}
		})
	}
}
