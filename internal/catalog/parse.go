package catalog

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/loket/loket/internal/loket"
)

// maxErrors bounds the problems reported at once: enough to fix a file in one go,
// few enough to read.
const maxErrors = 20

const (
	maxCode       = 64
	maxName       = 255
	maxText       = 4096 // any one value (a description is the longest)
	maxPercent    = 1000 // markup_percent ceiling, far above any real markup
	maxPriority   = 1_000_000
	defaultPrio   = 10
	markupPercent = "markup_percent"
)

// file is a parsed, validated catalog file. Every item keeps where it was written, so
// that problems found later (in the database) still name their line.
type file struct {
	Levels     []levelItem
	Suppliers  []supplierItem
	Categories []categoryItem
	Brands     []brandItem
	Products   []productItem
	VN         vnSection
	// refs are references to items the file does not define; they must already be in
	// the database.
	refs []ref
}

type pos struct {
	line int
	path string
}

type levelItem struct {
	pos
	loket.Level
}

type supplierItem struct {
	pos
	loket.Supplier
}

type categoryItem struct {
	pos
	loket.Category
}

type brandItem struct {
	pos
	loket.Brand
}

type productItem struct {
	pos
	loket.Product
	Prices      []priceItem
	Commissions []priceItem // a postpaid product's commission per level
	Routes      []routeItem
}

type priceItem struct {
	pos
	Level string
	Price loket.Money
}

type routeItem struct {
	pos
	Supplier string
	Code     string
	Cost     loket.Money
	Priority int
}

// Kinds of reference.
const (
	refCategory = "category"
	refBrand    = "brand"
	refSupplier = "supplier"
	refLevel    = "level"
)

type ref struct {
	pos
	kind, name string
}

// parser walks the YAML node tree, collecting problems instead of stopping at the first.
type parser struct {
	name    string
	issues  []issue
	dropped int
}

type issue struct {
	pos
	msg string
}

func (p *parser) failAt(at pos, format string, args ...any) {
	if len(p.issues) >= maxErrors {
		p.dropped++
		return
	}
	p.issues = append(p.issues, issue{at, fmt.Sprintf(format, args...)})
}

func (p *parser) fail(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.failAt(pos{line, path}, format, args...)
}

func (p *parser) failed() bool { return len(p.issues) > 0 }

// err reports every problem found as one *loket.Error, one problem after another as
// "file:line: path: message", naming the first problem's field.
func (p *parser) err() error {
	if len(p.issues) == 0 {
		return nil
	}
	// Problems are found section by section; they read best in the file's order.
	slices.SortStableFunc(p.issues, func(a, b issue) int { return a.line - b.line })
	parts := make([]string, 0, len(p.issues)+1)
	for _, is := range p.issues {
		parts = append(parts, p.format(is.pos, is.msg))
	}
	if p.dropped > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", p.dropped))
	}
	return loket.FieldError(loket.EINVALID, p.issues[0].path, "%s", strings.Join(parts, "; "))
}

func (p *parser) format(at pos, msg string) string {
	var b strings.Builder
	b.WriteString(p.name)
	if at.line > 0 {
		fmt.Fprintf(&b, ":%d", at.line)
	}
	b.WriteString(": ")
	if at.path != "" {
		b.WriteString(at.path)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	return b.String()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax reports a YAML parse error under the file's name and line.
func (p *parser) syntax(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.failAt(pos{line: line}, "%s", m[2])
		return
	}
	p.failAt(pos{}, "%s", strings.TrimPrefix(msg, "yaml: "))
}

// parse reads and validates a catalog file. The file is nil when the parser failed.
func parse(r io.Reader, name string) (*file, *parser) {
	p := &parser{name: name}
	dec := yaml.NewDecoder(r)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &file{}, p
		}
		p.syntax(err)
		return nil, p
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.fail(&extra, "", "a catalog file holds one YAML document; found a second one")
	} else if !errors.Is(err, io.EOF) {
		p.syntax(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &file{}, p
		}
		root = root.Content[0]
	}
	if isNull(root) {
		return &file{}, p
	}
	m := p.fields(root, "", []string{"levels", "suppliers", "categories", "brands", "products", "virtual_numbers"})
	f := &file{}
	for i, n := range p.list(m["levels"], "levels") {
		f.Levels = append(f.Levels, p.level(n, fmt.Sprintf("levels[%d]", i)))
	}
	for i, n := range p.list(m["suppliers"], "suppliers") {
		f.Suppliers = append(f.Suppliers, p.supplier(n, fmt.Sprintf("suppliers[%d]", i)))
	}
	for i, n := range p.list(m["categories"], "categories") {
		f.Categories = append(f.Categories, p.category(n, fmt.Sprintf("categories[%d]", i)))
	}
	for i, n := range p.list(m["brands"], "brands") {
		f.Brands = append(f.Brands, p.brand(n, fmt.Sprintf("brands[%d]", i)))
	}
	for i, n := range p.list(m["products"], "products") {
		f.Products = append(f.Products, p.product(n, fmt.Sprintf("products[%d]", i)))
	}
	if n := m["virtual_numbers"]; !isNull(n) {
		f.VN = p.virtualNumbers(n, "virtual_numbers")
	}
	p.crossCheck(f)
	if p.failed() {
		return nil, p
	}
	return f, p
}

// vnSection is the virtual-number catalog of seed 000: services, and countries with
// their price lists and operators.
type vnSection struct {
	Services  []loket.VNService
	Countries []vnCountry
}

type vnCountry struct {
	loket.VNCountry
	Operators []vnOperator
}

type vnOperator struct {
	ProviderID string
	loket.VNOperator
}

func (p *parser) virtualNumbers(n *yaml.Node, path string) vnSection {
	var out vnSection
	m := p.fields(n, path, []string{"services", "countries"})
	services := map[int64]bool{}
	for i, sn := range p.list(m["services"], join(path, "services")) {
		sp := fmt.Sprintf("%s.services[%d]", path, i)
		sm := p.fields(sn, sp, []string{"code", "name", "image", "active"})
		s := loket.VNService{Active: p.boolean(sm["active"], join(sp, "active"), true)}
		s.Code, _ = p.integer(sm["code"], join(sp, "code"), 1, 1<<31, "a service code >= 1")
		s.Name = p.text(sm, sn, sp, "name")
		s.Image, _ = p.str(sm["image"], join(sp, "image"))
		if services[s.Code] {
			p.fail(sn, join(sp, "code"), "service %d is listed twice", s.Code)
		}
		services[s.Code] = true
		out.Services = append(out.Services, s)
	}
	for i, cn := range p.list(m["countries"], join(path, "countries")) {
		cp := fmt.Sprintf("%s.countries[%d]", path, i)
		cm := p.fields(cn, cp, []string{"number_id", "name", "prefix", "prices", "operators"})
		var c vnCountry
		c.NumberID, _ = p.integer(cm["number_id"], join(cp, "number_id"), 1, 1<<53, "a number_id >= 1")
		c.Name = p.text(cm, cn, cp, "name")
		c.Prefix = p.text(cm, cn, cp, "prefix")
		for j, pn := range p.list(cm["prices"], join(cp, "prices")) {
			pp := fmt.Sprintf("%s.prices[%d]", cp, j)
			pm := p.fields(pn, pp, []string{"service", "provider_id", "server_id", "price", "rate", "stock"})
			v := loket.VNPrice{NumberID: c.NumberID}
			v.ServiceCode, _ = p.integer(pm["service"], join(pp, "service"), 1, 1<<31, "a service code")
			if !services[v.ServiceCode] && v.ServiceCode != 0 {
				p.fail(pn, join(pp, "service"), "service %d is not among virtual_numbers.services", v.ServiceCode)
			}
			v.ProviderID = p.code(pm, pn, pp, "provider_id", true)
			if n := pm["server_id"]; !isNull(n) {
				v.ServerID, _ = p.integer(n, join(pp, "server_id"), 0, 1<<31, "a server id >= 0")
			}
			v.Price, _ = p.money(pm["price"], join(pp, "price"))
			if n := pm["rate"]; !isNull(n) {
				v.RateBP = p.percent(n, join(pp, "rate"))
			}
			if n := pm["stock"]; !isNull(n) {
				v.Stock, _ = p.integer(n, join(pp, "stock"), 0, 1<<31, "a stock >= 0")
			}
			c.Prices = append(c.Prices, v)
		}
		for j, on := range p.list(cm["operators"], join(cp, "operators")) {
			op := fmt.Sprintf("%s.operators[%d]", cp, j)
			om := p.fields(on, op, []string{"provider_id", "id", "name", "image"})
			var o vnOperator
			o.ProviderID = p.code(om, on, op, "provider_id", true)
			o.ID = p.code(om, on, op, "id", true)
			o.Name = p.text(om, on, op, "name")
			o.Image, _ = p.str(om["image"], join(op, "image"))
			c.Operators = append(c.Operators, o)
		}
		out.Countries = append(out.Countries, c)
	}
	return out
}

func (p *parser) level(n *yaml.Node, path string) levelItem {
	it := levelItem{pos: pos{n.Line, path}}
	m := p.fields(n, path, []string{"name", markupPercent, "markup_flat"})
	it.Name = p.code(m, n, path, "name", true)
	if v := m[markupPercent]; !isNull(v) {
		it.MarkupBP = p.percent(v, join(path, markupPercent))
	}
	if v := m["markup_flat"]; !isNull(v) {
		it.MarkupFlat, _ = p.money(v, join(path, "markup_flat"))
	}
	return it
}

func (p *parser) supplier(n *yaml.Node, path string) supplierItem {
	it := supplierItem{pos: pos{n.Line, path}}
	m := p.fields(n, path, []string{"name", "kind", "base_url", "api_key", "secret", "member_id", "enabled"})
	it.Name = p.code(m, n, path, "name", true)
	it.Kind = p.code(m, n, path, "kind", true)
	it.BaseURL, _ = p.str(m["base_url"], join(path, "base_url"))
	it.APIKey, _ = p.str(m["api_key"], join(path, "api_key"))
	it.Secret, _ = p.str(m["secret"], join(path, "secret"))
	it.MemberID, _ = p.str(m["member_id"], join(path, "member_id"))
	it.Enabled = p.boolean(m["enabled"], join(path, "enabled"), true)
	return it
}

var targets = []string{loket.TargetMSISDN, loket.TargetMeter, loket.TargetGame, loket.TargetAny}

func (p *parser) category(n *yaml.Node, path string) categoryItem {
	it := categoryItem{pos: pos{n.Line, path}}
	m := p.fields(n, path, []string{"code", "name", "target"})
	it.Code = p.code(m, n, path, "code", true)
	it.Name = p.text(m, n, path, "name")
	it.TargetKind = loket.TargetAny
	if v := m["target"]; !isNull(v) {
		s, ok := p.str(v, join(path, "target"))
		switch {
		case !ok:
		case slices.Contains(targets, s):
			it.TargetKind = s
		default:
			p.fail(v, join(path, "target"), "must be one of %s, not %q", strings.Join(targets, ", "), s)
		}
	}
	return it
}

func (p *parser) brand(n *yaml.Node, path string) brandItem {
	it := brandItem{pos: pos{n.Line, path}}
	m := p.fields(n, path, []string{"code", "id", "name", "category", "icon", "active", "forms"})
	it.Code = p.code(m, n, path, "code", true)
	it.ID = p.id(m["id"], join(path, "id"))
	it.Name = p.text(m, n, path, "name")
	it.Category = p.code(m, n, path, "category", true)
	it.Icon, _ = p.str(m["icon"], join(path, "icon"))
	it.Active = p.boolean(m["active"], join(path, "active"), true)
	keys := map[string]int{}
	for i, fn := range p.list(m["forms"], join(path, "forms")) {
		fp := fmt.Sprintf("%s.forms[%d]", path, i)
		f := p.formField(fn, fp)
		if f.Key != "" {
			if line, dup := keys[f.Key]; dup {
				p.fail(fn, fp+".key", "key %q is used twice in this brand's form (also at line %d)", f.Key, line)
			}
			keys[f.Key] = fn.Line
		}
		it.Forms = append(it.Forms, f)
	}
	return it
}

func (p *parser) formField(n *yaml.Node, path string) loket.FormField {
	var f loket.FormField
	m := p.fields(n, path, []string{"label", "key", "type", "options"})
	f.Label = p.text(m, n, path, "label")
	f.Key = p.code(m, n, path, "key", true)
	typ, ok := p.str(m["type"], join(path, "type"))
	switch {
	case !ok:
	case typ == "":
		p.fail(n, join(path, "type"), "required: %s or %s", loket.FieldText, loket.FieldDropdown)
	case typ != loket.FieldText && typ != loket.FieldDropdown:
		p.fail(m["type"], join(path, "type"), "must be %s or %s, not %q", loket.FieldText, loket.FieldDropdown, typ)
	}
	f.Type = typ
	codes := map[string]int{}
	opts := p.list(m["options"], join(path, "options"))
	for i, on := range opts {
		op := fmt.Sprintf("%s.options[%d]", path, i)
		om := p.fields(on, op, []string{"name", "code"})
		o := loket.FormOption{Name: p.text(om, on, op, "name"), Code: p.code(om, on, op, "code", true)}
		if o.Code != "" {
			if line, dup := codes[o.Code]; dup {
				p.fail(on, op+".code", "option code %q is used twice in this field (also at line %d)", o.Code, line)
			}
			codes[o.Code] = on.Line
		}
		f.Options = append(f.Options, o)
	}
	switch {
	case typ == loket.FieldDropdown && len(opts) == 0:
		p.fail(n, join(path, "options"), "a dropdown needs at least one option")
	case typ == loket.FieldText && len(opts) > 0:
		p.fail(m["options"], join(path, "options"), "a text field has no options; use type: dropdown")
	}
	return f
}

func (p *parser) product(n *yaml.Node, path string) productItem {
	it := productItem{pos: pos{n.Line, path}}
	m := p.fields(n, path, []string{"code", "id", "name", "brand", "price", "active", "stock", "description", "prices", "routes",
		"kind", "check", "admin_fee", "commission"})
	it.Code = p.code(m, n, path, "code", true)
	it.ID = p.id(m["id"], join(path, "id"))
	it.Name = p.text(m, n, path, "name")
	it.Brand = p.code(m, n, path, "brand", true)
	if v := m["price"]; isNull(v) {
		if !isPostpaid(m) {
			p.fail(n, join(path, "price"), "required: the base price in rupiah")
		}
	} else {
		it.BasePrice, _ = p.money(v, join(path, "price"))
	}
	it.Active = p.boolean(m["active"], join(path, "active"), true)
	if v := m["stock"]; !isNull(v) {
		if s, ok := p.integer(v, join(path, "stock"), 0, int64(loket.MaxAmount), "a whole number >= 0, or null for unlimited"); ok {
			it.Stock = &s
		}
	}
	it.Description, _ = p.str(m["description"], join(path, "description"))
	if v := m["prices"]; !isNull(v) {
		it.Prices = p.levelMoney(v, join(path, "prices"), "price", "{gold: 5300}")
	}
	p.kind(&it, n, m, path)
	suppliers := map[string]int{}
	for i, rn := range p.list(m["routes"], join(path, "routes")) {
		rp := fmt.Sprintf("%s.routes[%d]", path, i)
		r := p.route(rn, rp, it.Code, it.Postpaid())
		if r.Supplier != "" {
			if line, dup := suppliers[r.Supplier]; dup {
				p.fail(rn, rp+".supplier", "a product has one route per supplier; %q has another at line %d", r.Supplier, line)
			}
			suppliers[r.Supplier] = rn.Line
		}
		it.Routes = append(it.Routes, r)
	}
	return it
}

// isPostpaid says a product's mapping says kind: postpaid.
func isPostpaid(m map[string]*yaml.Node) bool {
	v := m["kind"]
	return !isNull(v) && deref(v).Value == loket.KindPostpaid
}

// kind reads what makes a product postpaid (a bill: kind, admin_fee, commission) or a
// prepaid product with a customer check (check: pln).
func (p *parser) kind(it *productItem, n *yaml.Node, m map[string]*yaml.Node, path string) {
	it.Kind = loket.KindPrepaid
	if v := m["kind"]; !isNull(v) {
		k, _ := p.str(v, join(path, "kind"))
		switch k {
		case loket.KindPrepaid, loket.KindPostpaid:
			it.Kind = k
		default:
			p.fail(v, join(path, "kind"), "must be %s or %s, not %q", loket.KindPrepaid, loket.KindPostpaid, k)
		}
	}
	if v := m["check"]; !isNull(v) {
		c, _ := p.str(v, join(path, "check"))
		switch {
		case c != loket.CheckPLN:
			p.fail(v, join(path, "check"), "must be %s, not %q", loket.CheckPLN, c)
		case it.Postpaid():
			p.fail(v, join(path, "check"), "a postpaid product checks its customer with the inquiry; check is for prepaid products")
		default:
			it.CustomerCheck = c
		}
	}
	if !it.Postpaid() {
		for _, k := range []string{"admin_fee", "commission"} {
			if v := m[k]; !isNull(v) {
				p.fail(v, join(path, k), "only a postpaid product (kind: postpaid) has %s", k)
			}
		}
		return
	}
	if v := m["price"]; !isNull(v) {
		p.fail(v, join(path, "price"), "a postpaid product has no fixed price: it is the bill + admin_fee - commission per period")
	}
	if v := m["prices"]; !isNull(v) {
		p.fail(v, join(path, "prices"), "a postpaid product has no fixed price: give commission per level instead")
	}
	if v := m["admin_fee"]; !isNull(v) {
		it.AdminFee, _ = p.money(v, join(path, "admin_fee"))
	}
	if v := m["commission"]; !isNull(v) {
		cp := join(path, "commission")
		if deref(v).Kind == yaml.MappingNode {
			it.Commissions = p.levelMoney(v, cp, "commission", "{reseller: 1000, member: 800}")
		} else {
			it.Commission, _ = p.money(v, cp)
		}
	}
}

// levelMoney reads a mapping of level name to an amount in rupiah (a product's prices
// or commissions per level).
func (p *parser) levelMoney(v *yaml.Node, pp, what, example string) []priceItem {
	var out []priceItem
	v = deref(v)
	if v.Kind != yaml.MappingNode {
		p.fail(v, pp, "must be a mapping of level name to %s, like %s", what, example)
		return nil
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, pv := deref(v.Content[i]), v.Content[i+1]
		lp := join(pp, k.Value)
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			p.fail(k, pp, "keys must be level names")
			continue
		}
		if seen[k.Value] {
			p.fail(k, lp, "given twice")
			continue
		}
		seen[k.Value] = true
		if amount, ok := p.money(pv, lp); ok {
			out = append(out, priceItem{pos: pos{k.Line, lp}, Level: k.Value, Price: amount})
		}
	}
	return out
}

func (p *parser) route(n *yaml.Node, path, productCode string, postpaid bool) routeItem {
	it := routeItem{pos: pos{n.Line, path}, Priority: defaultPrio}
	m := p.fields(n, path, []string{"supplier", "code", "cost", "priority"})
	it.Supplier = p.code(m, n, path, "supplier", true)
	it.Code = p.code(m, n, path, "code", false)
	if it.Code == "" {
		it.Code = productCode
	}
	if v := m["cost"]; isNull(v) {
		if !postpaid { // a bill's cost is what the supplier says at each inquiry
			p.fail(n, join(path, "cost"), "required: what the supplier charges, in rupiah")
		}
	} else {
		it.Cost, _ = p.money(v, join(path, "cost"))
	}
	if v := m["priority"]; !isNull(v) {
		prio, _ := p.integer(v, join(path, "priority"), 0, maxPriority, fmt.Sprintf("a whole number from 0 to %d (lower is tried first)", maxPriority))
		it.Priority = int(prio)
	}
	return it
}

// crossCheck finds duplicates and resolves references within the file; references
// to items the file does not define are kept for the database to answer.
func (p *parser) crossCheck(f *file) {
	levels := unique(p, f.Levels, func(l levelItem) (string, pos) { return l.Name, l.pos }, "name", "level")
	suppliers := unique(p, f.Suppliers, func(s supplierItem) (string, pos) { return s.Name, s.pos }, "name", "supplier")
	categories := unique(p, f.Categories, func(c categoryItem) (string, pos) { return c.Code, c.pos }, "code", "category")
	brands := unique(p, f.Brands, func(b brandItem) (string, pos) { return b.Code, b.pos }, "code", "brand")
	unique(p, f.Products, func(x productItem) (string, pos) { return x.Code, x.pos }, "code", "product")
	uniqueIDs(p, f.Brands, func(b brandItem) (int64, pos) { return b.ID, b.pos }, "brand")
	uniqueIDs(p, f.Products, func(x productItem) (int64, pos) { return x.ID, x.pos }, "product")

	for _, b := range f.Brands {
		if b.Category != "" && !categories[b.Category] {
			f.refs = append(f.refs, ref{pos{b.line, join(b.path, "category")}, refCategory, b.Category})
		}
	}
	for _, x := range f.Products {
		if x.Brand != "" && !brands[x.Brand] {
			f.refs = append(f.refs, ref{pos{x.line, join(x.path, "brand")}, refBrand, x.Brand})
		}
		for _, pr := range slices.Concat(x.Prices, x.Commissions) {
			if !levels[pr.Level] {
				f.refs = append(f.refs, ref{pr.pos, refLevel, pr.Level})
			}
		}
		for _, r := range x.Routes {
			if r.Supplier != "" && !suppliers[r.Supplier] {
				f.refs = append(f.refs, ref{pos{r.line, join(r.path, "supplier")}, refSupplier, r.Supplier})
			}
		}
	}
}

// unique reports items whose key was already used and returns the set of keys.
func unique[T any](p *parser, items []T, key func(T) (string, pos), field, what string) map[string]bool {
	seen := map[string]int{}
	for _, it := range items {
		k, at := key(it)
		if k == "" {
			continue
		}
		if line, dup := seen[k]; dup {
			p.failAt(pos{at.line, join(at.path, field)}, "%s %q is defined twice (also at line %d)", what, k, line)
			continue
		}
		seen[k] = at.line
	}
	out := make(map[string]bool, len(seen))
	for k := range seen {
		out[k] = true
	}
	return out
}

func uniqueIDs[T any](p *parser, items []T, key func(T) (int64, pos), what string) {
	seen := map[int64]int{}
	for _, it := range items {
		id, at := key(it)
		if id == 0 {
			continue
		}
		if line, dup := seen[id]; dup {
			p.failAt(pos{at.line, join(at.path, "id")}, "%s id %d is used twice (also at line %d)", what, id, line)
			continue
		}
		seen[id] = at.line
	}
}

// fields returns the values of mapping n by key. Keys not in known are reported, so a
// misspelt field is an error rather than silently ignored.
func (p *parser) fields(n *yaml.Node, path string, known []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		what := "an item"
		if path == "" {
			what = "the file"
		}
		p.fail(n, path, "%s must be a mapping of %s", what, strings.Join(known, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			p.fail(k, path, "keys must be field names")
			continue
		}
		fp := join(path, k.Value)
		if !slices.Contains(known, k.Value) {
			p.fail(k, fp, "unknown field%s; known fields: %s", suggest(k.Value, known), strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.fail(k, fp, "given twice")
			continue
		}
		out[k.Value] = n.Content[i+1]
	}
	return out
}

// list returns the items of sequence n; an absent or null list is empty.
func (p *parser) list(n *yaml.Node, path string) []*yaml.Node {
	if isNull(n) {
		return nil
	}
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.fail(n, path, "must be a list (items starting with -)")
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

// str returns a scalar's text as written; null is "". ok is false when n is not a scalar.
func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	if isNull(n) {
		return "", true
	}
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		p.fail(n, path, "must be a single value, not a list or mapping")
		return "", false
	}
	// YAML can write any character ("\0" in double quotes): the rule for text from
	// outside (line breaks allowed, for descriptions) applies to a catalog file too.
	if loket.CheckLines(path, n.Value, maxText) != nil {
		p.fail(n, path, "must be valid UTF-8 text without control characters (NUL...), at most %d bytes", maxText)
		return "", false
	}
	return n.Value, true
}

// code returns an identifier field: non-empty when required, no whitespace, at most 64
// characters.
func (p *parser) code(m map[string]*yaml.Node, item *yaml.Node, path, key string, required bool) string {
	fp := join(path, key)
	s, ok := p.str(m[key], fp)
	if !ok {
		return ""
	}
	if s == "" {
		if required {
			p.fail(item, fp, "required")
		}
		return ""
	}
	switch {
	case utf8.RuneCountInString(s) > maxCode:
		p.fail(m[key], fp, "must be at most %d characters", maxCode)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		p.fail(m[key], fp, "must not contain spaces: %q", s)
	}
	return s
}

// text returns a required display text.
func (p *parser) text(m map[string]*yaml.Node, item *yaml.Node, path, key string) string {
	fp := join(path, key)
	s, ok := p.str(m[key], fp)
	if !ok {
		return ""
	}
	switch {
	case strings.TrimSpace(s) == "":
		p.fail(item, fp, "required")
	case utf8.RuneCountInString(s) > maxName:
		p.fail(m[key], fp, "must be at most %d characters", maxName)
	}
	return s
}

// money returns an amount of rupiah: a whole number in [0, loket.MaxAmount].
func (p *parser) money(n *yaml.Node, path string) (loket.Money, bool) {
	m, ok := p.integer(n, path, 0, int64(loket.MaxAmount), "a whole number of rupiah >= 0")
	return loket.Money(m), ok
}

// integer returns a whole number in [lo, hi]; want describes it for the error.
func (p *parser) integer(n *yaml.Node, path string, lo, hi int64, want string) (int64, bool) {
	n = deref(n)
	var v int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil || v < lo {
		hint := ""
		if _, err := strconv.ParseInt(n.Value, 10, 64); err == nil && n.ShortTag() == "!!str" {
			hint = " (write numbers without quotes)"
		}
		p.fail(n, path, "must be %s, not %s%s", want, describe(n), hint)
		return 0, false
	}
	if v > hi {
		p.fail(n, path, "must be at most %d, not %s", hi, n.Value)
		return 0, false
	}
	return v, true
}

// id returns an optional explicit id: absent is 0.
func (p *parser) id(n *yaml.Node, path string) int64 {
	if isNull(n) {
		return 0
	}
	v, _ := p.integer(n, path, 1, 1<<53, "a whole number >= 1")
	return v
}

// percent returns a markup percentage in basis points: 2.5 is 250.
func (p *parser) percent(n *yaml.Node, path string) int64 {
	n = deref(n)
	const want = "a percentage >= 0 with at most two decimals, like 2.5"
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") {
		p.fail(n, path, "must be %s, not %s", want, describe(n))
		return 0
	}
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(n.Value, "_", ""))
	if !ok || r.Sign() < 0 {
		p.fail(n, path, "must be %s, not %s", want, describe(n))
		return 0
	}
	if r.Cmp(big.NewRat(maxPercent, 1)) > 0 {
		p.fail(n, path, "must be at most %d, not %s", maxPercent, n.Value)
		return 0
	}
	bp := new(big.Rat).Mul(r, big.NewRat(100, 1))
	if !bp.IsInt() {
		p.fail(n, path, "must be %s (basis points are the unit), not %s", want, n.Value)
		return 0
	}
	return bp.Num().Int64()
}

// boolean returns a true/false field, def when absent.
func (p *parser) boolean(n *yaml.Node, path string, def bool) bool {
	if isNull(n) {
		return def
	}
	n = deref(n)
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		p.fail(n, path, "must be true or false, not %s", describe(n))
		return def
	}
	return v
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.ShortTag() == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest names the known field closest to a misspelt one, if one is close.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
