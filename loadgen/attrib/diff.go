package attrib

import (
	"path/filepath"
	"strings"
)

// Profile files are named after their scenario, with the slashes of the
// scenario's name turned into commas, and their side:
// "RPC,transport=mtls,resume=off,pool=off.server.cpu.pprof".
const (
	clientSuffix = ".client.cpu.pprof"
	serverSuffix = ".server.cpu.pprof"
)

// tlsOnlyKeys are the scenario keys that plaintext scenarios do not
// have; a TLS scenario's baseline matches it on every other key.
var tlsOnlyKeys = map[string]bool{
	"transport": true, "resume": true, "tls": true, "suite": true, "group": true, "key": true,
}

// DiffPairs picks, from the names of the profile files in one
// directory, the pairs worth comparing, each as {base, new}:
//
//   - every TLS or mTLS profile against the plaintext one of the same
//     side with the same pooling (and the same value of every other key
//     plaintext has, such as size);
//   - every mTLS profile with pool=off against the one with pool=on and
//     otherwise the same name.
//
// Pairs come in the order of the new profile in files. Names that are
// not profile files of a key=value scenario are ignored.
func DiffPairs(files []string) [][2]string {
	var (
		parsed    []profileName
		plaintext = map[string]string{} // baseline key to file
		pooled    = map[string]string{} // name without pool=on to file
	)
	for _, f := range files {
		n, ok := parseProfileName(f)
		if !ok {
			continue
		}
		parsed = append(parsed, n)
		switch {
		case n.get("transport") == "plaintext":
			plaintext[n.without(tlsOnlyKeys)] = f
		case n.get("pool") == "on":
			pooled[n.without(map[string]bool{"pool": true})] = f
		}
	}

	var pairs [][2]string
	for _, n := range parsed {
		t := n.get("transport")
		if t == "" || t == "plaintext" {
			continue
		}
		if base, ok := plaintext[n.without(tlsOnlyKeys)]; ok {
			pairs = append(pairs, [2]string{base, n.file})
		}
		if t == "mtls" && n.get("pool") == "off" {
			if base, ok := pooled[n.without(map[string]bool{"pool": true})]; ok {
				pairs = append(pairs, [2]string{base, n.file})
			}
		}
	}
	return pairs
}

// DiffCommands returns a `go tool pprof -diff_base` command line for each
// pair of profile files {base, new} in profileDir, ready to paste into a
// POSIX shell.
//
// Note: pprof subtracts whole profiles, not time per call. When the two
// runs made different numbers of calls, as plaintext and mTLS do in the
// same time, the difference mixes per-call cost with call counts; Table
// divides by the calls, and pprof's -normalize option compares the
// profiles' shapes instead.
func DiffCommands(profileDir string, pairs [][2]string) []string {
	cmds := make([]string, len(pairs))
	for i, p := range pairs {
		base := filepath.Join(profileDir, p[0])
		cmds[i] = "go tool pprof -diff_base=" + shellQuote(base) + " " +
			shellQuote(filepath.Join(profileDir, p[1]))
	}
	return cmds
}

// A profileName is a profile file's name taken apart.
type profileName struct {
	file  string
	side  string
	parts []string // the scenario's elements: "RPC", "transport=mtls", ...
}

func parseProfileName(file string) (profileName, bool) {
	n := profileName{file: file}
	base := filepath.Base(file)
	switch {
	case strings.HasSuffix(base, clientSuffix):
		n.side, base = "client", strings.TrimSuffix(base, clientSuffix)
	case strings.HasSuffix(base, serverSuffix):
		n.side, base = "server", strings.TrimSuffix(base, serverSuffix)
	default:
		return n, false
	}
	n.parts = strings.Split(base, ",")
	return n, n.get("transport") != ""
}

// get returns the value of key in the scenario's name, or "".
func (n profileName) get(key string) string {
	for _, p := range n.parts {
		if k, v, ok := strings.Cut(p, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// without returns the side and the scenario's elements but those with
// the given keys, as a map key.
func (n profileName) without(keys map[string]bool) string {
	kept := []string{n.side}
	for _, p := range n.parts {
		if k, _, ok := strings.Cut(p, "="); ok && keys[k] {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, ",")
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("-_./,=+:@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
