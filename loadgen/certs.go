package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

func certs(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("certs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write the PEM files to (created with mode 0700)")
	key := fs.String("key-type", string(pki.ECDSAP256), "key type of every certificate: "+
		keyTypeNames())
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadgen certs -out DIR [-key-type TYPE]\n\n"+
			"Writes a fresh test CA (ca.pem), a server certificate for 127.0.0.1, ::1 and\n"+
			"localhost (server.pem, server-key.pem) and a client certificate\n"+
			"(client.pem, client-key.pem). Private keys are written with mode 0600;\n"+
			"the CA's key is not kept.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("certs: -out DIR is required")
	}
	kt, err := pki.ParseKeyType(*key)
	if err != nil {
		return usagef("certs: -key-type: %v", err)
	}
	set, err := pki.Generate(kt)
	if err != nil {
		return err
	}
	if err := set.WriteDir(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s, %s, %s and %s in %s\n", pki.CAFile, pki.ServerCertFile,
		pki.ServerKeyFile, pki.ClientCertFile, pki.ClientKeyFile, *out)
	return nil
}

func keyTypeNames() string {
	s := ""
	for i, k := range pki.KeyTypes {
		if i > 0 {
			s += ", "
		}
		s += string(k)
	}
	return s
}

// parse parses flags and refuses leftover arguments.
func parse(fs *flag.FlagSet, args []string) error {
	// The flag package prints its error and the whole usage on a bad
	// value; a one-line error is what the user needs, so it prints
	// nothing here and the usage is shown for -h only.
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err == flag.ErrHelp {
		fs.Usage()
		return err
	}
	if err != nil {
		return usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
