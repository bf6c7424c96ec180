package aggregate

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"

	"runway/query"
)

// near is a document with its distance and the point that gave it.
type near struct {
	d     Doc
	dist  float64
	point any
}

func evalGeoNear(st *GeoNear, in Cursor, maxItems int) Cursor {
	return func(yield func(Doc) bool) error {
		var buf []near
		var failed error
		err := in(func(d Doc) bool {
			n := near{d: d, dist: math.Inf(1)}
			eachValue(d, &st.Key, func(v any) {
				if dist, ok := distance(v, st.Latitude, st.Longitude); ok && dist < n.dist {
					n.dist, n.point = dist, v
				}
			})
			if n.point == nil || n.dist < st.MinDistance || n.dist > st.MaxDistance {
				return true // NaN bounds (not given) compare false
			}
			if len(buf) == maxItems {
				failed = tooMany(&st.StageInfo, maxItems)
				return false
			}
			buf = append(buf, n)
			return true
		})
		if err = firstErr(failed, err); err != nil {
			return err
		}
		sort.SliceStable(buf, func(i, j int) bool { return buf[i].dist < buf[j].dist })
		for _, n := range buf {
			d := setAt(n.d, []string{st.DistanceField}, floatNumber(n.dist*st.Multiplier))
			if st.IncludeLocs != "" {
				d[st.IncludeLocs] = n.point // d is setAt's copy
			}
			if !yield(d) {
				break
			}
		}
		return nil
	}
}

// distance is the distance in metres from a geo point value
// ({latitude, longitude}) to (lat0, lng0), as the near filter computes it.
func distance(v any, lat0, lng0 float64) (float64, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return 0, false
	}
	lat, ok1 := float(m["latitude"])
	lng, ok2 := float(m["longitude"])
	if !ok1 || !ok2 {
		return 0, false
	}
	return query.Distance(lat, lng, lat0, lng0), true
}

func float(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	return f, err == nil && !math.IsInf(f, 0)
}
