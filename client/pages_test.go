package client

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/medperf/medperf"
)

// fakeList serves n items (0..n-1) in pages of at most pageCap items, like
// a server that caps page sizes, and records the pages asked for.
type fakeList struct {
	n, pageCap int
	asked      []medperf.Page
	failAt     int // the call (1-based) that fails; 0 never
	onCall     func(call int)
}

func (f *fakeList) list(_ context.Context, p medperf.Page) (*medperf.List[int], error) {
	f.asked = append(f.asked, p)
	if f.onCall != nil {
		f.onCall(len(f.asked))
	}
	if len(f.asked) == f.failAt {
		return nil, medperf.Errorf(medperf.CodeUnavailable, "the server went away")
	}
	start := p.Offset
	if p.Cursor != "" {
		after, err := medperf.DecodeCursor(p.Cursor)
		if err != nil {
			return nil, err
		}
		start = int(after) + 1
	}
	l := &medperf.List[int]{Items: []int{}, Total: -1, Limit: p.Limit, Offset: p.Offset}
	if !p.Keyset || p.Total {
		l.Total = f.n
	}
	for i := start; i < f.n && len(l.Items) < min(p.Limit, f.pageCap); i++ {
		l.Items = append(l.Items, i)
	}
	if len(l.Items) > 0 && len(l.Items) == min(p.Limit, f.pageCap) && start+len(l.Items) < f.n {
		l.Next = medperf.EncodeCursor(int64(l.Items[len(l.Items)-1]))
	}
	return l, nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestCollectWalksEveryPage(t *testing.T) {
	ctx := context.Background()
	t.Run("all returns every item in order, a full page at a time, by keyset cursor", func(t *testing.T) {
		f := &fakeList{n: 2500, pageCap: medperf.MaxPageSize}
		got, err := All(ctx, f.list)
		if err != nil || !slices.Equal(got, seq(2500)) {
			t.Fatalf("%d items, %v", len(got), err)
		}
		want := []medperf.Page{{Limit: 1000, Keyset: true, Total: true}, {Limit: 1000, Keyset: true, Cursor: medperf.EncodeCursor(999)},
			{Limit: 1000, Keyset: true, Cursor: medperf.EncodeCursor(1999)}}
		if !slices.Equal(f.asked, want) {
			t.Fatalf("asked %v, want %v", f.asked, want)
		}
	})
	t.Run("a server with smaller pages is walked to the end", func(t *testing.T) {
		f := &fakeList{n: 950, pageCap: 300}
		got, err := All(ctx, f.list)
		if err != nil || !slices.Equal(got, seq(950)) || len(f.asked) != 4 {
			t.Fatalf("%d items in %d calls, %v", len(got), len(f.asked), err)
		}
	})
	t.Run("a limit stops the walk and the total says how many there are", func(t *testing.T) {
		f := &fakeList{n: 2500, pageCap: medperf.MaxPageSize}
		got, total, err := Collect(ctx, 1500, f.list)
		if err != nil || !slices.Equal(got, seq(1500)) || total != 2500 {
			t.Fatalf("%d items of %d, %v", len(got), total, err)
		}
		if last := f.asked[len(f.asked)-1]; len(f.asked) != 2 || last != (medperf.Page{Limit: 500, Keyset: true, Cursor: medperf.EncodeCursor(999)}) {
			t.Fatalf("asked %v", f.asked)
		}
	})
	t.Run("a limit above the total returns everything", func(t *testing.T) {
		f := &fakeList{n: 7, pageCap: medperf.MaxPageSize}
		got, total, err := Collect(ctx, 100, f.list)
		if err != nil || len(got) != 7 || total != 7 || len(f.asked) != 1 {
			t.Fatalf("%v of %d in %d calls, %v", got, total, len(f.asked), err)
		}
	})
	t.Run("an empty list is an empty slice, not nil", func(t *testing.T) {
		got, err := All(ctx, (&fakeList{pageCap: 10}).list)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("%#v, %v", got, err)
		}
	})
	t.Run("a list that shrinks while walked ends at its empty page", func(t *testing.T) {
		f := &fakeList{n: 1500, pageCap: medperf.MaxPageSize}
		f.onCall = func(call int) {
			if call == 2 {
				f.n = 900 // rows deleted: the total still claims more than is there
			}
		}
		got, err := All(ctx, f.list)
		if err != nil || len(got) != 1000 || len(f.asked) != 2 {
			t.Fatalf("%d items in %d calls, %v", len(got), len(f.asked), err)
		}
	})
}

func TestCollectStops(t *testing.T) {
	t.Run("at the first error, which it returns as it is", func(t *testing.T) {
		f := &fakeList{n: 3000, pageCap: medperf.MaxPageSize, failAt: 2}
		got, err := All(context.Background(), f.list)
		if medperf.ErrorCode(err) != medperf.CodeUnavailable || got != nil || len(f.asked) != 2 {
			t.Fatalf("%d items after %d calls, %v", len(got), len(f.asked), err)
		}
	})
	t.Run("when the context ends, before asking for another page", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := &fakeList{n: 3000, pageCap: medperf.MaxPageSize, onCall: func(int) { cancel() }}
		got, err := All(ctx, f.list)
		if medperf.ErrorCode(err) != medperf.CodeCanceled || !errors.Is(err, context.Canceled) || got != nil || len(f.asked) != 1 {
			t.Fatalf("%d items after %d calls, %v", len(got), len(f.asked), err)
		}
	})
	t.Run("before the first page when the context is already done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		f := &fakeList{n: 3, pageCap: 10}
		if _, _, err := Collect(ctx, 0, f.list); medperf.ErrorCode(err) != medperf.CodeCanceled || len(f.asked) != 0 {
			t.Fatalf("%d calls, %v", len(f.asked), err)
		}
	})
}
