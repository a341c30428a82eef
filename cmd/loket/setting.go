package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// operatorSettings are the settings `loket setting` may read and change, each with its
// allowed values, the default first. Other keys of the settings table (the master key,
// the demo's credentials) are not the operator's to edit by hand.
var operatorSettings = map[string][]string{
	loket.SettingSelfRegistration: {"off", "on"}, // resellers registering themselves (seed 004's auth/register)
}

func settingNames() []string {
	var out []string
	for k := range operatorSettings {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func settingGet(ctx context.Context, args []string, out io.Writer) error {
	return setting(ctx, args, out, false)
}

func settingSet(ctx context.Context, args []string, out io.Writer) error {
	return setting(ctx, args, out, true)
}

// setting is `loket setting get KEY` and `loket setting set KEY VALUE`; both print
// {"key":..., "value":...}.
func setting(ctx context.Context, args []string, out io.Writer, set bool) error {
	c := newCommand("setting get", "KEY", "Prints an operator switch: "+strings.Join(settingHelp(), "; ")+".")
	c.reads = !set
	want := 1
	if set {
		c = newCommand("setting set", "KEY VALUE", "Changes an operator switch: "+strings.Join(settingHelp(), "; ")+".")
		want = 2
	}
	pos, args := leading(args)
	var key, value string
	var allowed []string
	c.check = func() error {
		if len(pos) != want {
			return fmt.Errorf("%s: usage: loket setting get KEY | loket setting set KEY VALUE", c.name)
		}
		key = pos[0]
		var ok bool
		if allowed, ok = operatorSettings[key]; !ok {
			return fmt.Errorf("%s: unknown setting %q (known: %s)", c.name, key, strings.Join(settingNames(), ", "))
		}
		if set {
			if value = pos[1]; !slices.Contains(allowed, value) {
				return fmt.Errorf("%s: %s takes one of: %s", c.name, key, strings.Join(allowed, ", "))
			}
		}
		return nil
	}
	e, err := c.open(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if set {
		if err := e.db.SetSetting(ctx, key, value); err != nil {
			return err
		}
	}
	v, err := e.db.Setting(ctx, key)
	if err != nil {
		return err
	}
	if key == loket.SettingSelfRegistration {
		on, err := loket.SelfRegistration(ctx, e.db) // the earlier name's choice counts until this one is set
		if err != nil {
			return err
		}
		v = map[bool]string{true: "on", false: "off"}[on]
	}
	if v == "" {
		v = allowed[0]
	}
	return e.print(map[string]string{"key": key, "value": v})
}

// settingHelp describes each operator setting with its values, the default first.
func settingHelp() []string {
	var out []string
	for _, k := range settingNames() {
		out = append(out, k+" "+strings.Join(operatorSettings[k], "|"))
	}
	return out
}
