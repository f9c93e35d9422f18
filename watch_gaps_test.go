package tsapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

// TestWatchGapsAreBounded: a cursor keeps no gap further than
// watchGapSpan below MaxID, and at most watchMaxGaps, the lowest going
// first.
func TestWatchGapsAreBounded(t *testing.T) {
	until := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	c := WatchCursor{MaxID: 5000}
	c.addGap(100, 200, until)
	c.addGap(3000, 4500, until)
	assert.Equal(t, []WatchGap{{From: 4001, To: 4500, Until: until}}, c.Gaps)

	c = WatchCursor{MaxID: 1000}
	for id := int64(2); id <= 2*(watchMaxGaps+20); id += 2 {
		c.addGap(id, id, until)
	}
	assert.Len(t, c.Gaps, watchMaxGaps)
	assert.Equal(t, int64(42), c.Gaps[0].From, "the 20 lowest went")
	assert.NoError(t, c.check())
	c.Gaps = append([]WatchGap{{From: 1, To: 1, Until: until}}, c.Gaps...)
	assert.ErrorIs(t, c.check(), ErrInvalidOption, "more gaps than the watch keeps")
}

// TestWatchGapsModel checks the gaps against a set of ids: the ids a poll
// skips over when it sees a newer job become gaps, and a job seen in a
// gap takes its id out.
func TestWatchGapsModel(t *testing.T) {
	seed, restore := RapidSeed(t, 100)
	defer restore()
	until := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		c := WatchCursor{MaxID: rapid.Int64Range(0, 50).Draw(rt, "max")}
		gaps := map[int64]bool{}
		for range rapid.IntRange(0, 60).Draw(rt, "steps") {
			if rapid.Bool().Draw(rt, "newer") {
				id := c.MaxID + rapid.Int64Range(1, 400).Draw(rt, "skip")
				from := c.MaxID + 1
				c.MaxID = id
				c.addGap(from, id-1, until)
				for g := from; g < id; g++ {
					gaps[g] = true
				}
				for g := range gaps {
					if g <= c.MaxID-watchGapSpan {
						delete(gaps, g)
					}
				}
			} else {
				id := rapid.Int64Range(1, c.MaxID+1).Draw(rt, "seen")
				if c.inGap(id) {
					c.fill(id)
				}
				delete(gaps, id)
			}
			if len(c.Gaps) >= watchMaxGaps {
				rt.Skip("the count bound is tested apart")
			}
			for id := c.MaxID - watchGapSpan - 5; id <= c.MaxID+5; id++ {
				if c.inGap(id) != gaps[id] {
					rt.Fatalf("id %d: in a gap %v, in the model %v (gaps %v)", id, c.inGap(id), gaps[id], c.Gaps)
				}
			}
			if err := c.check(); err != nil {
				rt.Fatal(err)
			}
			if low := c.low(); low < c.MaxID && !gaps[low+1] {
				rt.Fatalf("low %d is not below the first gap", low)
			}
		}
	})
	t.Logf("%d cases (shrinking included), seed %d", cases, seed)
}
