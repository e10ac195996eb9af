package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sitmap/sitmap/internal/store"
)

const tokenUsage = "usage: sitmap token add NAME [--role editor|admin] | token list | token revoke NAME   [--db ... | --store ... | --url http://HOST:PORT --token ADMIN_TOKEN]"

// tokenCmd manages named editors' tokens in the store.
func tokenCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	sub, rest := args[0], args[1:]
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	var rf remoteFlags
	rf.register(fs, e)
	role := fs.String("role", store.RoleEditor, "editor (writes features) or admin (also prunes the history and manages tokens)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	switch {
	case sub != "add" && sub != "list" && sub != "revoke":
		return fmt.Errorf("unknown subcommand %q; %s", sub, tokenUsage)
	case sub != "list" && name == "":
		return fmt.Errorf("%s needs a NAME; %s", sub, tokenUsage)
	}
	var t store.Token
	var secret string
	if sub == "add" { // check the input before opening the store
		var err error
		if t, secret, err = store.NewToken(name, *role, time.Now()); err != nil {
			return err
		}
	}
	if rf.url != "" {
		c, err := newAPIClient(rf.url, rf.token)
		if err != nil {
			return err
		}
		return tokenURL(ctx, e, c, sub, name, *role)
	}
	return tokenStore(ctx, e, &sf, sub, name, t, secret)
}

// tokenStore adds (t, whose secret is shown once), lists or revokes
// tokens in the store itself.
func tokenStore(ctx context.Context, e env, sf *storeFlags, sub, name string, t store.Token, secret string) error {
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		if err := st.AddToken(ctx, t); err != nil {
			return err
		}
		printAdded(e, name, t.Role, secret)
		return nil
	case "revoke":
		if err := st.RevokeToken(ctx, name, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", name)
		return nil
	}
	ts, err := st.ListTokens(ctx)
	if err != nil {
		return err
	}
	return printTokens(e, ts)
}

func printAdded(e env, name, role, secret string) {
	fmt.Fprintf(e.stdout, "%s\n", secret)
	fmt.Fprintf(e.stderr, "token for %s (%s) created; it is shown only this once\n", name, role)
}

// printTokens prints every token's name, role and times: never a secret.
func printTokens(e env, ts []store.Token) error {
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tCREATED\tLAST USED\tREVOKED")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, when(t.Created), when(t.LastUsed), when(t.Revoked))
	}
	return w.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
