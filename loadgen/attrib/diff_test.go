package attrib

import (
	"slices"
	"testing"
)

func TestDiffPairs(t *testing.T) {
	files := []string{
		"RPC,transport=plaintext,pool=on.client.cpu.pprof",
		"RPC,transport=plaintext,pool=on.server.cpu.pprof",
		"RPC,transport=plaintext,pool=off.server.cpu.pprof",
		"RPC,transport=tls,resume=on,pool=on.server.cpu.pprof",
		"RPC,transport=mtls,resume=off,pool=on.server.cpu.pprof",
		"RPC,transport=mtls,resume=off,pool=off.server.cpu.pprof",
		"RPC,transport=mtls,resume=off,pool=off.client.cpu.pprof", // no plaintext client pool=off
		"RPC,transport=mtls,resume=on,pool=off,tls=1.2,key=rsa-2048.server.cpu.pprof",
		"RPC,transport=mtls,resume=on,pool=off,size=1KiB.server.cpu.pprof", // no size=1KiB baseline
		"summary.json",
		"RPC,transport=tls,resume=on,pool=on.hgrm",
	}
	got := DiffPairs(files)
	want := [][2]string{
		{files[1], files[3]},
		{files[1], files[4]},
		{files[2], files[5]},
		{files[4], files[5]},
		{files[2], files[7]},
	}
	if !slices.Equal(got, want) {
		t.Errorf("DiffPairs:\ngot  %q\nwant %q", got, want)
	}
}

func TestDiffCommands(t *testing.T) {
	got := DiffCommands("profiles/20260101T000000Z", [][2]string{
		{"RPC,transport=plaintext,pool=off.server.cpu.pprof",
			"RPC,transport=mtls,resume=off,pool=off.server.cpu.pprof"},
	})
	want := []string{"go tool pprof " +
		"-diff_base=profiles/20260101T000000Z/RPC,transport=plaintext,pool=off.server.cpu.pprof " +
		"profiles/20260101T000000Z/RPC,transport=mtls,resume=off,pool=off.server.cpu.pprof"}
	if !slices.Equal(got, want) {
		t.Errorf("DiffCommands:\ngot  %q\nwant %q", got, want)
	}

	got = DiffCommands("/tmp/my runs", [][2]string{{"a.pprof", "it's.pprof"}})
	want = []string{`go tool pprof -diff_base='/tmp/my runs/a.pprof' '/tmp/my runs/it'\''s.pprof'`}
	if !slices.Equal(got, want) {
		t.Errorf("DiffCommands with spaces:\ngot  %q\nwant %q", got, want)
	}
}
