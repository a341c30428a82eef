package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/loket/loket/internal/loket"
)

// printTable writes values as aligned columns, one row per value, its fields as
// columns in the order their JSON has them (the union over all rows; "id" first). One
// value may be written as a column of field and value instead (vertical), which reads
// better for a single result. Times are shown in WIB, a list as how many it holds,
// other nested values as compact JSON.
func printTable(w io.Writer, values []any, vertical bool) error {
	var cols []string
	seen := map[string]bool{}
	rows := make([]map[string]string, 0, len(values))
	for _, v := range values {
		keys, cells, err := fieldsOf(v)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				if k == "id" {
					cols = append([]string{k}, cols...)
				} else {
					cols = append(cols, k)
				}
			}
		}
		rows = append(rows, cells)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if vertical && len(rows) == 1 {
		for _, c := range cols {
			fmt.Fprintf(tw, "%s\t%s\n", c, rows[0][c])
		}
		return tw.Flush()
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "(none)")
		return err
	}
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
	for _, r := range rows {
		line := make([]string, len(cols))
		for i, c := range cols {
			line[i] = r[c]
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	return tw.Flush()
}

// fieldsOf reads v's JSON object: its keys in order and each value as a cell.
func fieldsOf(v any) ([]string, map[string]string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		// Not an object: one column, "value".
		return []string{"value"}, map[string]string{"value": cell(raw)}, nil
	}
	var keys []string
	cells := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		cells[k] = cell(val)
	}
	return keys, cells, nil
}

// cell is one value as a table shows it: text unquoted (a time in WIB), null empty,
// a list as its length, the rest as compact JSON; tabs and line breaks become spaces.
func cell(raw json.RawMessage) string {
	var s string
	var list []json.RawMessage
	out := string(raw)
	switch {
	case string(raw) == "null":
		out = ""
	case json.Unmarshal(raw, &s) == nil:
		out = s
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			out = t.In(loket.WIB).Format("2006-01-02 15:04:05 WIB")
		}
	case json.Unmarshal(raw, &list) == nil:
		out = fmt.Sprint(len(list))
	}
	return strings.Join(strings.Fields(out), " ")
}
