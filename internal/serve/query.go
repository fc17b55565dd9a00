package serve

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Limits of the query parameters, as the Cloud API documents them.
const (
	maxDepth     = 10
	defaultLimit = 1000
	maxLimit     = 10000
)

// params are the query parameters every endpoint accepts. Lists use all of
// them; an item ignores what is about lists, but still refuses a bad value.
type params struct {
	depth      int
	offset     int
	limit      int
	maxResults int // 0: no cap
	orderBy    string
	filters    [][2]string // property, value; in the order given
}

// parseParams reads depth, pretty, offset, limit, orderBy (or ionosctl's
// order-by), maxResults and filter.<property>. A value that is not what
// its parameter takes is a 400 naming the parameter. Parameters it does
// not know are ignored, as the API ignores them.
func parseParams(q url.Values) (params, *httpError) {
	p := params{limit: defaultLimit}
	num := func(name string, lo, hi int, dst *int) *httpError {
		v, ok := q[name]
		if !ok || len(v) == 0 {
			return nil
		}
		n, err := strconv.Atoi(v[len(v)-1])
		if err != nil || n < lo || n > hi {
			return apiError(http.StatusBadRequest, "query parameter %s=%q: want a whole number from %d to %d", name, v[len(v)-1], lo, hi)
		}
		*dst = n
		return nil
	}
	for _, check := range []struct {
		name   string
		lo, hi int
		dst    *int
	}{
		{"depth", 0, maxDepth, &p.depth},
		{"offset", 0, 1<<31 - 1, &p.offset},
		{"limit", 1, maxLimit, &p.limit},
		{"maxResults", 0, 1<<31 - 1, &p.maxResults},
	} {
		if err := num(check.name, check.lo, check.hi, check.dst); err != nil {
			return p, err
		}
	}
	if v, ok := q["pretty"]; ok && len(v) > 0 {
		if _, err := strconv.ParseBool(v[len(v)-1]); err != nil {
			return p, apiError(http.StatusBadRequest, "query parameter pretty=%q: want true or false", v[len(v)-1])
		}
	}
	for _, name := range []string{"orderBy", "order-by"} {
		if v := q.Get(name); v != "" {
			p.orderBy = v
		}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		prop, ok := strings.CutPrefix(k, "filter.")
		if !ok {
			continue
		}
		if prop == "" {
			return p, apiError(http.StatusBadRequest, "query parameter %s: name a property after filter.", k)
		}
		for _, v := range q[k] {
			p.filters = append(p.filters, [2]string{prop, v})
		}
	}
	return p, nil
}

// listed is an item of a list with the values filters and orderBy look at:
// its properties and metadata, by name, as text.
type listed struct {
	res    resource
	fields map[string]string
}

// page applies the filters, the order, the offset and limit, and
// maxResults to items, whose fields are named by known, and renders the
// page's items with render.
func (p params) page(items []listed, known []string, id, href string, render func(listed) resource) (*collection, *httpError) {
	for _, f := range p.filters {
		if !slices.Contains(known, f[0]) {
			return nil, apiError(http.StatusBadRequest, "query parameter filter.%s: no such property; known: %s", f[0], strings.Join(known, ", "))
		}
	}
	if p.orderBy != "" && !slices.Contains(known, p.orderBy) {
		return nil, apiError(http.StatusBadRequest, "query parameter orderBy=%q: no such property; known: %s", p.orderBy, strings.Join(known, ", "))
	}
	kept := items[:0:0]
	for _, it := range items {
		match := true
		for _, f := range p.filters {
			// The API matches filters as case-insensitive substrings.
			if !strings.Contains(strings.ToLower(it.fields[f[0]]), strings.ToLower(f[1])) {
				match = false
			}
		}
		if match {
			kept = append(kept, it)
		}
	}
	if key := p.orderBy; key != "" {
		slices.SortStableFunc(kept, func(a, b listed) int { return strings.Compare(a.fields[key], b.fields[key]) })
	}
	if p.maxResults > 0 && len(kept) > p.maxResults {
		kept = kept[:p.maxResults]
	}
	total := len(kept)
	lo := min(p.offset, total)
	hi := min(lo+p.limit, total)
	c := &collection{ID: id, Type: "collection", Href: href, Items: []resource{}}
	for _, it := range kept[lo:hi] {
		c.Items = append(c.Items, render(it))
	}
	offset, limit := p.offset, p.limit
	c.Offset, c.Limit = &offset, &limit
	c.Links = &links{Self: pageHref(href, p.offset, p.limit)}
	if p.offset > 0 {
		c.Links.Prev = pageHref(href, max(p.offset-p.limit, 0), p.limit)
	}
	if hi < total {
		c.Links.Next = pageHref(href, hi, p.limit)
	}
	return c, nil
}

func pageHref(href string, offset, limit int) string {
	return href + "?offset=" + strconv.Itoa(offset) + "&limit=" + strconv.Itoa(limit)
}
