//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package results

func uname() string { return "" }
