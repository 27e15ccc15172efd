package layout

import (
	"encoding/binary"
	"errors"
)

// cmap maps characters to glyphs straight from the font's cmap subtable
// (format 12, else format 4), read in place: nothing is decoded up front.
type cmap struct {
	format int
	sub    []byte
}

func parseCmap(t []byte) (cmap, error) {
	if len(t) < 4 {
		return cmap{}, errors.New("truncated cmap")
	}
	n := int(binary.BigEndian.Uint16(t[2:]))
	var best cmap
	for i := 0; i < n; i++ {
		r := 4 + 8*i
		if r+8 > len(t) {
			break
		}
		pid, eid := binary.BigEndian.Uint16(t[r:]), binary.BigEndian.Uint16(t[r+2:])
		off := int(binary.BigEndian.Uint32(t[r+4:]))
		if off+4 > len(t) || !(pid == 3 && (eid == 1 || eid == 10) || pid == 0) {
			continue
		}
		sub := t[off:]
		switch f := int(binary.BigEndian.Uint16(sub)); f {
		case 12:
			if len(sub) >= 16 {
				return cmap{12, sub}, nil
			}
		case 4:
			if best.format == 0 && len(sub) >= 14 {
				best = cmap{4, sub}
			}
		}
	}
	if best.format == 0 {
		return cmap{}, errors.New("no Unicode cmap (format 4 or 12)")
	}
	return best, nil
}

func (c cmap) lookup(r rune) uint16 {
	if r < 0 {
		return 0
	}
	s := c.sub
	be := binary.BigEndian
	if c.format == 12 {
		n := int(be.Uint32(s[12:]))
		lo, hi := 0, n
		for lo < hi {
			m := (lo + hi) / 2
			g := 16 + 12*m
			if g+12 > len(s) {
				return 0
			}
			start, end := rune(be.Uint32(s[g:])), rune(be.Uint32(s[g+4:]))
			switch {
			case r < start:
				hi = m
			case r > end:
				lo = m + 1
			default:
				return uint16(be.Uint32(s[g+8:]) + uint32(r-start))
			}
		}
		return 0
	}
	if r > 0xFFFF {
		return 0
	}
	segX2 := int(be.Uint16(s[6:]))
	ends, starts := 14, 16+segX2
	deltas, ranges := 16+2*segX2, 16+3*segX2
	if ranges+segX2 > len(s) {
		return 0
	}
	lo, hi := 0, segX2/2
	for lo < hi {
		m := (lo + hi) / 2
		end := rune(be.Uint16(s[ends+2*m:]))
		if r > end {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo >= segX2/2 {
		return 0
	}
	start := rune(be.Uint16(s[starts+2*lo:]))
	if r < start {
		return 0
	}
	delta := be.Uint16(s[deltas+2*lo:])
	ro := int(be.Uint16(s[ranges+2*lo:]))
	if ro == 0 {
		return uint16(r) + delta
	}
	at := ranges + 2*lo + ro + 2*int(r-start)
	if at+2 > len(s) {
		return 0
	}
	g := be.Uint16(s[at:])
	if g == 0 {
		return 0
	}
	return g + delta
}
