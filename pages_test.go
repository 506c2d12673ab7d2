package medperf

import (
	"errors"
	"reflect"
	"testing"
)

// pagedInts serves n ints in pages, recording the pages asked for; total
// is what each page claims the total is.
func pagedInts(n, total int, asked *[]Page) func(Page) (*List[int], error) {
	return func(p Page) (*List[int], error) {
		*asked = append(*asked, p)
		l := &List[int]{Total: total, Limit: p.Limit, Offset: p.Offset}
		for i := p.Offset; i < n && i < p.Offset+p.Limit; i++ {
			l.Items = append(l.Items, i)
		}
		return l, nil
	}
}

func TestAllPages(t *testing.T) {
	for _, tt := range []struct {
		name         string
		n, total     int
		wantLen      int
		wantRequests int
	}{
		{"an empty list takes one request", 0, 0, 0, 1},
		{"a list of one page takes one request", 10, 10, 10, 1},
		{"a list of exactly one full page takes one request", MaxPageSize, MaxPageSize, MaxPageSize, 1},
		{"a long list is read to its end", 2*MaxPageSize + 5, 2*MaxPageSize + 5, 2*MaxPageSize + 5, 3},
		{"a list that shrank while read stops at the empty page", 1500, 4000, 1500, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var asked []Page
			got, err := AllPages(pagedInts(tt.n, tt.total, &asked))
			if err != nil || len(got) != tt.wantLen || len(asked) != tt.wantRequests {
				t.Fatalf("got %d items in %d requests (%v), want %d in %d", len(got), len(asked), err, tt.wantLen, tt.wantRequests)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("item %d is %d: pages overlap or skip", i, v)
				}
			}
			if asked[0] != (Page{Limit: MaxPageSize}) {
				t.Errorf("first page %+v, want the largest page from 0", asked[0])
			}
		})
	}
	t.Run("an error of any page is returned", func(t *testing.T) {
		boom := Errorf(CodeForbidden, "no")
		calls := 0
		got, err := AllPages(func(p Page) (*List[int], error) {
			calls++
			if calls == 2 {
				return nil, boom
			}
			return &List[int]{Items: make([]int, MaxPageSize), Total: 3 * MaxPageSize}, nil
		})
		if !errors.Is(err, boom) || got != nil {
			t.Errorf("got %d items and %v, want the second page's error", len(got), err)
		}
	})
	t.Run("the items keep their order", func(t *testing.T) {
		var asked []Page
		got, _ := AllPages(pagedInts(3, 3, &asked))
		if !reflect.DeepEqual(got, []int{0, 1, 2}) {
			t.Errorf("got %v", got)
		}
	})
}
