package orders

import (
	"strings"

	"github.com/loket/loket/internal/loket"
)

// checkTarget validates an order's target and form fields for p, returning them
// normalised. For brands with a form, the target is the form's first field; the other
// fields come from fields (a target missing may be given as that first field too).
func checkTarget(p *loket.Product, target string, fields map[string]string) (string, map[string]string, error) {
	target = strings.TrimSpace(target)
	if len(fields) > maxFields {
		return "", nil, loket.FieldError(loket.EFIELD, "fields", "too many fields")
	}
	clean := map[string]string{}
	for k, v := range fields {
		v = strings.TrimSpace(v)
		if strings.HasPrefix(k, "_") {
			// Keys starting with "_" are Loket's own, between it and its adapters.
			return "", nil, loket.FieldError(loket.EFIELD, k, "field names may not start with _")
		}
		if len(k) > 64 || len(v) > maxFieldLen || !loket.Printable(k) || !loket.Printable(v) {
			return "", nil, loket.FieldError(loket.EFIELD, "fields", "field %q is too long or not printable", loket.Clip(k))
		}
		clean[k] = v
	}
	if target == "" && len(p.Forms) == 0 {
		return "", nil, loket.FieldError(loket.ETARGET, "target", "target is required: the number, meter or account to fill")
	}
	switch p.TargetKind {
	case loket.TargetMSISDN:
		n, ok := loket.NormalizeMSISDN(target)
		if !ok {
			return "", nil, loket.FieldError(loket.ETARGET, "target", "%q is not an Indonesian mobile number", loket.Clip(target))
		}
		return n, nil, nil
	case loket.TargetMeter:
		if len(target) < 6 || len(target) > 20 || strings.Trim(target, "0123456789") != "" {
			return "", nil, loket.FieldError(loket.ETARGET, "target", "meter number must be 6-20 digits")
		}
		return target, nil, nil
	}
	if len(p.Forms) > 0 {
		first := p.Forms[0].Key
		if target == "" {
			target = clean[first]
		} else if v, ok := clean[first]; ok && v != target {
			return "", nil, loket.FieldError(loket.EFIELD, first, "target and field %q disagree", first)
		}
		delete(clean, first)
		out := map[string]string{}
		for i, f := range p.Forms {
			v := target
			if i > 0 {
				v = clean[f.Key]
			}
			if v == "" {
				return "", nil, loket.FieldError(loket.EFIELD, f.Key, "%s (%s) is required", f.Label, f.Key)
			}
			if f.Type == loket.FieldDropdown {
				ok := false
				for _, o := range f.Options {
					if o.Code == v {
						ok = true
						break
					}
				}
				if !ok {
					return "", nil, loket.FieldError(loket.EFIELD, f.Key, "%q is not a choice of %s", loket.Clip(v), f.Label)
				}
			}
			if i > 0 {
				out[f.Key] = v
			}
		}
		for k := range clean {
			if _, ok := out[k]; !ok {
				return "", nil, loket.FieldError(loket.EFIELD, k, "%s does not take field %q", p.Brand, loket.Clip(k))
			}
		}
		if len(out) == 0 {
			out = nil
		}
		return target, out, nil
	}
	if target == "" || len(target) > maxTargetLen || !loket.Printable(target) {
		return "", nil, loket.FieldError(loket.ETARGET, "target", "target must be 1-%d printable characters", maxTargetLen)
	}
	if len(clean) == 0 {
		clean = nil
	}
	return target, clean, nil
}
